"""File input and output for the command line: memory-mapped reads, atomic no-clobber writes."""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .errors import SkmmError

__all__ = ["OutputExistsError", "load_array", "check_output", "atomic_write", "save_npz"]


class OutputExistsError(SkmmError, FileExistsError):
    """The output file exists and overwriting was not asked for."""


def load_array(path: str | os.PathLike, key: str | None = None) -> np.ndarray:
    """Read a matrix from ``.npy`` (memory-mapped, not loaded) or ``.npz``.

    For ``.npz``, ``key`` names the array; without it the file must hold exactly one array or
    one named ``features``.
    """
    path = Path(path)
    if not path.is_file():
        raise SkmmError(f"input file {str(path)!r} does not exist")
    with open(path, "rb") as handle:
        magic = handle.read(6)
    try:
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
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise SkmmError(f"cannot read {str(path)!r}: {exc}") from None
    raise SkmmError(f"{str(path)!r} is neither a .npy nor a .npz file (no numpy header)")


def check_output(path: str | os.PathLike, force: bool = False) -> Path:
    """Check that ``path`` can be written: its folder exists and it is not a folder itself.

    Without ``force`` an existing file is an :class:`OutputExistsError`.
    """
    path = Path(path)
    if path.is_dir():
        raise SkmmError(f"output {str(path)!r} is a folder; give a file name")
    if path.exists() and not force:
        raise OutputExistsError(f"output {str(path)!r} exists; pass --force to overwrite it")
    if not path.parent.is_dir():
        raise SkmmError(f"output folder {str(path.parent)!r} does not exist")
    return path


def atomic_write(
    path: str | os.PathLike, write: Callable[[str], None], force: bool = False
) -> Path:
    """Write a file through ``write(temporary_path)``, then move it into place.

    The temporary file lives in the target's folder, so the final step is a rename: an
    interrupted run leaves no half-written file under ``path``. Without ``force`` an existing
    file is never replaced (checked again at the moment of the move, via a hard link).
    """
    path = check_output(path, force)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".part" + path.suffix, dir=path.parent
    )
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp's 0600 is not what users expect
        if force:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise OutputExistsError(
                    f"output {str(path)!r} appeared while writing; pass --force to overwrite it"
                ) from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save_npz(path: str | os.PathLike, arrays: dict[str, np.ndarray], force: bool = False) -> Path:
    """Atomically write ``arrays`` to an ``.npz`` file (see :func:`atomic_write`)."""

    def write(temporary: str) -> None:
        with open(temporary, "wb") as handle:
            np.savez(handle, **arrays)

    return atomic_write(path, write, force)
