"""``python -m skmm_convex`` is the ``skmm-convex`` command.

The signal handling (``skmm_convex_entry``) starts once this package is imported; the
``skmm-convex`` script has it from its first instruction.
"""

import sys

from skmm_convex_entry import main

sys.exit(main())
