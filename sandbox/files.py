"""Every file the user names is read through here, so each way it can be wrong is one line.

OS errors (missing, a directory, no permission, a read-only file system, a full disk) and format
errors (not UTF-8, not a checkpoint, not a replay buffer) become a `UserError` that names the
file and what it was meant to be; the CLI prints it as one line with exit status 2. Nothing here
writes a user's file: the run's own writes are atomic (`sandbox.training.atomic`), and
`check_writable_dir` only creates and removes a probe file before a run starts.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from games.errors import UserError

_REASONS = {
    errno.ENOENT: "not found",
    errno.EISDIR: "it is a directory",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ELOOP: "too many symbolic links",
}
MIN_FREE_BYTES = 64 * 2**20  # a run needs room for a checkpoint and its buffer


def os_reason(err: OSError) -> str:
    """An OSError in words a user can act on ("permission denied", "the disk is full")."""
    return _REASONS.get(err.errno, (err.strerror or type(err).__name__).lower())


def first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


@contextlib.contextmanager
def reading(path: Path | str, what: str) -> Iterator[None]:
    """Turns an OS or decoding error while reading `path` into one UserError line."""
    try:
        yield
    except UnicodeDecodeError as err:
        raise UserError(f"{what} {path} is not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise UserError(f"cannot read {what} {path}: {os_reason(err)}") from None


def read_text(path: Path | str, what: str) -> str:
    """The file's text (UTF-8), or a UserError naming `what` it was and why it cannot be read."""
    with reading(path, what), open(path, encoding="utf-8") as f:
        return f.read()


def read_bytes(path: Path | str, what: str) -> bytes:
    with reading(path, what), open(path, "rb") as f:
        return f.read()


def torch_load(path: Path | str, what: str) -> Any:
    """`torch.load(weights_only=True)` on CPU; a file torch cannot read is "damaged"."""
    import torch

    data = read_bytes(path, what)
    if not data:
        raise UserError(f"{what} {path} is empty")
    try:
        with warnings.catch_warnings():  # a damaged file can make the unpickler warn, too
            warnings.simplefilter("ignore")
            return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as err:  # any failure to unpickle means a damaged or foreign file
        raise UserError(
            f"{what} {path} is damaged or not a {what} (truncated?): {first_line(err)}"
        ) from None


def npz_load(path: Path | str, what: str) -> dict[str, np.ndarray]:
    """Every array of a `.npz` archive, read in full (no pickles); damaged -> UserError."""
    data = read_bytes(path, what)
    if not data:
        raise UserError(f"{what} {path} is empty")
    try:
        archive = np.load(io.BytesIO(data), allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("one array (.npy), not an .npz archive")
        with archive:
            return {key: archive[key] for key in archive.files}
    except Exception as err:  # a truncated or foreign archive fails in many ways
        raise UserError(
            f"{what} {path} is damaged or not a {what} (truncated?): {first_line(err)}"
        ) from None


def check_writable_dir(path: Path | str, what: str) -> None:
    """UserError unless a file can be created in `path` (or, if it does not exist yet, in its
    nearest existing parent) and the disk there has room; creates nothing that stays."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UserError(f"{what} {path} is not a directory")
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UserError(f"cannot create {what} {path}: {existing} is not a directory")
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".sandbox-probe-", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
        free = shutil.disk_usage(existing).free
    except OSError as err:
        raise UserError(f"cannot write in {what} {path}: {os_reason(err)}") from None
    if free < MIN_FREE_BYTES:
        raise UserError(
            f"cannot write in {what} {path}: the disk is full ({free // 2**20} MiB free, "
            f"need {MIN_FREE_BYTES // 2**20} MiB)"
        )
