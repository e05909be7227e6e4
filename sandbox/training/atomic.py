"""Files that appear whole or not at all, and write errors a user can act on.

Every file a run writes goes to a temporary name beside its final one and is renamed into place
(`os.replace` is atomic on POSIX and Windows), so a kill at any moment leaves either the old file
or the new one, never half of one (KataGo). Temporary names contain `.tmp` (`latest.tmp.pt`,
`replay-00012.tmp.npz`: numpy insists on its suffix); `remove_leftovers` deletes them when a run
starts again.

A failed write (full disk, read-only folder, no permission) becomes one UserError naming the
file and the reason; torch reports a full disk as `enforce fail ... unexpected pos`, which says
nothing to a user, so the free space is checked to say it plainly.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from games.errors import UserError

TMP_MARK = ".tmp"


def temporary_name(path: Path) -> Path:
    """`dir/latest.pt` -> `dir/latest.tmp.pt` (the suffix kept for numpy and torch)."""
    return path.with_name(path.stem + TMP_MARK + path.suffix)


def write_reason(err: BaseException, path: Path) -> str:
    """Why a write failed, in words a user can act on."""
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if isinstance(err, OSError) and err.errno == errno.EROFS:
        return "the file system is read-only"
    if isinstance(err, PermissionError):
        return "permission denied (is the folder read-only?)"
    if isinstance(err, IsADirectoryError):
        return "a directory is in the way"
    try:
        if shutil.disk_usage(path.parent).free < 64 * 2**20:
            return "the disk is full"
    except OSError:
        pass
    if isinstance(err, OSError) and err.strerror:
        return err.strerror.lower()
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return first


def write_atomically(path: Path, write: Callable[[Path], None], what: str = "file") -> None:
    """Calls `write(tmp)` and renames tmp to `path`; on failure removes tmp and raises a
    one-line UserError (the previous `path`, if any, is left as it was)."""
    tmp = temporary_name(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        os.replace(tmp, path)
    except (OSError, RuntimeError) as err:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write {what} {path}: {write_reason(err, path)}") from None


def make_dir(path: Path, what: str = "folder") -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create {what} {path}: {write_reason(err, path)}") from None


def remove_leftovers(folders: list[Path]) -> list[Path]:
    """Deletes the temporary files an interrupted write left in `folders`; returns them."""
    removed = []
    for folder in folders:
        if folder.is_dir():
            for leftover in folder.glob(f"*{TMP_MARK}*"):
                if leftover.is_file():
                    leftover.unlink()
                    removed.append(leftover)
    return removed
