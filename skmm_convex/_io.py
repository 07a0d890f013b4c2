"""File input and output for the command line: memory-mapped reads, atomic no-clobber writes.

Every command that writes goes through :func:`write_files` (or :func:`atomic_write`, its
one-file form): the outputs are written to temporary files in their folder and moved into
place only once all of them are complete, so a failed or interrupted run leaves either the
whole set or nothing. An output path that is a character device or a FIFO (``/dev/null``, a
named pipe) is written through, never replaced; a socket, a block device or a folder is
refused.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from .errors import SkmmError

__all__ = [
    "OutputExistsError",
    "OutputWriteError",
    "atomic_write",
    "check_output",
    "describe_path",
    "load_array",
    "save_npz",
    "write_files",
]

Writer = Callable[[str], None]


class OutputExistsError(SkmmError, FileExistsError):
    """The output file exists and overwriting was not asked for."""


def describe_path(path: str | os.PathLike) -> str:
    """What ``path`` is, in words: ``'a folder'``, ``'a FIFO (named pipe)'``, ...

    Symbolic links are followed; a link to nothing is ``'a broken symbolic link'`` and a path
    that does not exist is ``'missing'``.
    """
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "a broken symbolic link" if os.path.islink(path) else "missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    kinds = [
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((kind for test, kind in kinds if test(mode)), "not a regular file")


def load_array(path: str | os.PathLike, key: str | None = None) -> np.ndarray:
    """Read a matrix from ``.npy`` (memory-mapped, not loaded) or ``.npz``.

    For ``.npz``, ``key`` names the array; without it the file must hold exactly one array or
    one named ``features``.
    """
    path = Path(path)
    if not path.is_file():
        kind = describe_path(path)
        if kind == "missing":
            raise SkmmError(f"input file {str(path)!r} does not exist")
        raise SkmmError(f"input {str(path)!r} is {kind}, not a regular file")
    try:
        with open(path, "rb") as handle:
            magic = handle.read(6)
        if magic == b"\x93NUMPY":
            return np.load(path, mmap_mode="r", allow_pickle=False)
        if magic[:4] == b"PK\x03\x04":
            with np.load(path, allow_pickle=False) as archive:
                names = list(archive.files)
                if key is None:
                    only = names[0] if len(names) == 1 else None
                    key = "features" if "features" in names else only
                if key not in names:
                    raise SkmmError(
                        f"{str(path)!r} holds arrays {names}; name one with --key"
                        if key is None
                        else f"{str(path)!r} has no array {key!r} (it holds {names})"
                    )
                return archive[key]
    except SkmmError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise SkmmError(f"cannot read {str(path)!r}: {exc}") from None
    except Exception:  # noqa: BLE001 - a corrupt header makes numpy raise anything
        raise SkmmError(f"cannot read {str(path)!r}: its numpy header is corrupt") from None
    raise SkmmError(f"{str(path)!r} is neither a .npy nor a .npz file (no numpy header)")


def _written_through(path: Path) -> bool:
    """True when ``path`` is a character device or a FIFO: written to, never replaced."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _writable_folder(folder: Path) -> Path:
    """The nearest existing ancestor of ``folder`` (itself included), checked writable."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        where = "" if existing == folder else f" is under {str(existing)!r}, which"
        raise SkmmError(
            f"output folder {str(folder)!r}{where} is {describe_path(existing)}, not a folder"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise SkmmError(f"output folder {str(existing)!r} is not writable")
    return existing


def check_output(path: str | os.PathLike, force: bool = False, *, create: bool = False) -> Path:
    """Check that ``path`` can be written, before any work is done.

    Its folder must exist (or, with ``create``, be creatable) and be writable. An existing
    regular file is an :class:`OutputExistsError` without ``force``; a character device or a
    FIFO is accepted (it is written through); a folder, a socket or a block device is refused.
    """
    path = Path(path)
    kind = describe_path(path)
    if kind == "a folder":
        raise SkmmError(f"output {str(path)!r} is a folder; give a file name")
    if _written_through(path):
        return path
    if kind not in ("missing", "a regular file", "a broken symbolic link"):
        raise SkmmError(f"output {str(path)!r} is {kind}; give a regular file name")
    if kind != "missing" and not force:
        raise OutputExistsError(f"output {str(path)!r} exists; pass --force to overwrite it")
    if not create and not path.parent.is_dir():
        if path.parent.exists():
            kind = describe_path(path.parent)
            raise SkmmError(f"output folder {str(path.parent)!r} is {kind}, not a folder")
        raise SkmmError(f"output folder {str(path.parent)!r} does not exist")
    _writable_folder(path.parent)
    return path


class OutputWriteError(SkmmError, OSError):
    """An output could not be written; the message names the output, not a temporary file."""

    def __str__(self) -> str:
        return str(self.strerror)


def _os_error(exc: OSError, path: Path) -> OSError:
    """``exc`` re-worded to name the output ``path``, never an internal temporary file."""
    return OutputWriteError(exc.errno, f"cannot write {str(path)!r}: {exc.strerror or exc}")


def _write_through(path: Path, write: Writer) -> None:
    """Write ``path`` (a device or a FIFO) with the bytes ``write`` puts into a temporary file.

    The temporary file is in the system's temporary folder, never next to the device, and lets
    ``write`` seek as a regular file allows.
    """
    with tempfile.TemporaryDirectory(prefix="skmm-convex-") as folder:
        staged = os.path.join(folder, path.name or "output")
        write(staged)
        with open(staged, "rb") as source, open(path, "wb") as target:
            shutil.copyfileobj(source, target)


def write_files(
    paths: Mapping[str | os.PathLike, Writer], force: bool = False, *, create: bool = False
) -> list[Path]:
    """Write a set of files, each through ``write(temporary_path)``; all of them or none.

    Parameters
    ----------
    paths : mapping of path to callable
        Each output and the function that writes it (given a path to write to).
    force : bool
        Replace existing regular files. Without it an existing file is never replaced
        (checked again at the moment of the move, via a hard link).
    create : bool
        Create missing output folders (removed again if the writing fails).

    Returns
    -------
    list of Path
        The files written, in the order given.

    Notes
    -----
    Every output is first written to a temporary file in its target's folder; only when all
    are complete are they moved into place (renames), so a failed or interrupted write (a
    full disk, Ctrl-C, an exception in a writer) leaves no output of the set. Character
    devices and FIFOs are written through (from a temporary file in the system's temporary
    folder), after the regular files are in place.
    """
    targets = [(check_output(path, force, create=create), write) for path, write in paths.items()]
    made = _make_folders({path.parent for path, _ in targets})
    staged: list[tuple[Path, str]] = []
    placed: list[Path] = []
    try:
        for path, write in targets:
            if _written_through(path):
                continue
            try:
                handle, temporary = tempfile.mkstemp(
                    prefix=f".{path.name}.", suffix=".part" + path.suffix, dir=path.parent
                )
            except OSError as exc:
                raise _os_error(exc, path) from None
            os.close(handle)
            staged.append((path, temporary))
            try:
                write(temporary)
                os.chmod(temporary, 0o666 & ~_umask())  # mkstemp's 0600 is not what users expect
            except OSError as exc:
                raise _os_error(exc, path) from None
        for path, temporary in staged:
            _place(temporary, path, force)
            placed.append(path)
        for path, write in targets:
            if _written_through(path):
                try:
                    _write_through(path, write)
                except OSError as exc:
                    raise _os_error(exc, path) from None
    except BaseException:
        if not force:  # the set appears whole or not at all
            for path in placed:
                path.unlink(missing_ok=True)
        raise
    finally:
        for _, temporary in staged:
            if os.path.lexists(temporary):
                os.unlink(temporary)
        _remove_empty(made)
    return [path for path, _ in targets]


def _place(temporary: str, path: Path, force: bool) -> None:
    if force:
        os.replace(temporary, path)
        return
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise OutputExistsError(
            f"output {str(path)!r} appeared while writing; pass --force to overwrite it"
        ) from None


def _make_folders(folders: set[Path]) -> list[Path]:
    """Create the missing ``folders``; returns the ones created, deepest first."""
    made: list[Path] = []
    for folder in sorted(folders):
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for item in reversed(missing):
            item.mkdir()
            made.append(item)
    return made[::-1]


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders this write created, if they are still empty (a failed write)."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            pass


def atomic_write(path: str | os.PathLike, write: Writer, force: bool = False) -> Path:
    """Write one file through ``write(temporary_path)``, then move it into place.

    The one-file form of :func:`write_files`: an interrupted run leaves no half-written file
    under ``path``, an existing file is never replaced without ``force``, and a character
    device or a FIFO is written through.
    """
    return write_files({path: write}, force)[0]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save_npz(path: str | os.PathLike, arrays: dict[str, np.ndarray], force: bool = False) -> Path:
    """Atomically write ``arrays`` to an ``.npz`` file (see :func:`atomic_write`)."""

    def write(target: str) -> None:
        with open(target, "wb") as handle:
            np.savez(handle, **arrays)

    return atomic_write(path, write, force)
