"""``python -m theory_checks``: the checks; Ctrl-C ends them with one line (exit code 130)."""

import sys

from .cli import main

try:
    code = main()
except KeyboardInterrupt:
    print("python -m theory_checks: error: interrupted", file=sys.stderr)
    code = 130
sys.exit(code)
