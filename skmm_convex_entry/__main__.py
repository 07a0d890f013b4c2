"""``python -m skmm_convex_entry`` is the ``skmm-convex`` command."""

import sys

from . import main

sys.exit(main())
