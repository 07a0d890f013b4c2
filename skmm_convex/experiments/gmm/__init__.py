"""The paper's Table 1 on the synthetic GMM regression data (``skmm-convex reproduce gmm``).

* :mod:`.config`: what runs (:data:`~.config.ROWS`, :class:`~.config.GMMConfig`) and the
  result types (:class:`~.config.Run`, :class:`~.config.GMMResult`);
* :mod:`.run`: :func:`~.run.run_gmm`, the work, in worker processes;
* :mod:`.report`: tables, diagnostics and the figure of a result;
* :mod:`.cli`: the command's options and glue (the one module importing both run and report).
"""
