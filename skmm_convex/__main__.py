"""``python -m skmm_convex`` is the ``skmm-convex`` command.

The signal handling (:mod:`skmm_convex.entry`) starts right after the package's light
``__init__``, as for the ``skmm-convex`` script.
"""

import sys

from .entry import main

sys.exit(main())
