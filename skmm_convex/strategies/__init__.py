"""How the programs are solved.

:mod:`.run` (a CVXPY problem with a named solver, its options, a fallback and typed errors),
:mod:`.full` (the QP over all N points, with the degeneracy LP first), :mod:`.working_set`
(column generation for the QP), :mod:`.sifting` (column generation for the face LP) and
:mod:`.psd` (the full-PSD program, its degeneracy decision and the pull into the LMI).
:class:`~skmm_convex.moment_matching.MomentMatching` picks one and hands the solve to it.
"""
