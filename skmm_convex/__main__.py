"""``python -m skmm_convex`` is the ``skmm-convex`` command."""

import sys

from .cli import main

sys.exit(main())
