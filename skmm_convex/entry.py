"""The ``skmm-convex`` command's entry point: signal handling first, the command line after.

This module is the console script's target because it imports nothing heavy (the package's
``__init__`` loads its names on first use): its handlers are in place before numpy, SciPy and
CVXPY start loading, so a signal at any moment, the imports included, ends the command with one
line on stderr and no traceback:

- Ctrl-C (SIGINT): ``skmm-convex: error: interrupted``, exit code 130;
- SIGTERM or SIGHUP: ``skmm-convex: error: stopped by SIGTERM`` (or SIGHUP), exit code 128 +
  the signal number (143, 129).

Either unwinds the command like an exception, so temporary files are removed and no output is
left half-written; worker processes end with the command. A signal the caller ignores (e.g.
SIGINT for a job started with ``&`` by a non-interactive shell) stays ignored.
"""

import os
import signal
import sys
import threading

__all__ = ["Stopped", "main"]

PROG = "skmm-convex"
_STOPPING = ("SIGTERM", "SIGHUP")


class Stopped(BaseException):
    """Raised in the main thread when SIGTERM or SIGHUP arrives.

    A :class:`BaseException`, like :class:`KeyboardInterrupt`, so that only ``finally``
    blocks and the entry point see it.

    Parameters
    ----------
    signum : int
        The signal received.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum: int, _frame: object) -> None:
    raise Stopped(signum)


def _install() -> None:
    for name in _STOPPING:
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is signal.SIG_DFL:
            signal.signal(number, _raise_stopped)
    sys.unraisablehook = _redeliver


def _redeliver(unraisable) -> None:
    """Send a signal again when its exception landed where Python must ignore it.

    A signal that arrives while a finalizer (``__del__``, a weakref callback) runs raises its
    exception there, and Python only reports it ("Exception ignored in ...") and goes on, so
    the command would finish as if never stopped. The signal is sent again a moment later,
    from a timer thread (sent from here, it would land in this hook and be ignored again), and
    raises in the main thread's own code, where the entry point catches it.
    """
    exc = unraisable.exc_value
    if isinstance(exc, (KeyboardInterrupt, Stopped)):
        signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
        timer = threading.Timer(0.05, os.kill, (os.getpid(), signum))
        timer.daemon = True
        timer.start()
    else:
        sys.__unraisablehook__(unraisable)


def _quiet() -> None:
    """Ignore further signals while the last line is printed."""
    for name in ("SIGINT", *_STOPPING):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, signal.SIG_IGN)


def _report(message: str, code: int) -> int:
    _quiet()
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


def main(argv=None) -> int:
    """Install the signal handling, then run :func:`skmm_convex.cli.main`; the exit code."""
    _install()
    try:
        # imported here, after the handlers: this import is the slow part of start-up
        from .cli import main as run

        return run(argv)
    except KeyboardInterrupt:
        return _report("interrupted", 130)
    except Stopped as stop:
        return _report(f"stopped by {signal.Signals(stop.signum).name}", 128 + stop.signum)
    except ImportError as exc:  # a broken installation: still one line
        return _report(f"cannot import skmm_convex ({exc})", 1)
