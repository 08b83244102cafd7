"""Reading documents safely and writing outputs atomically.

Raw input is never modified: we only ever open input files for reading, and
every output goes to a temporary file in the same folder that is renamed over
the target when complete, so a crash never leaves half a file behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from aligner.errors import InputError

# Control characters that never occur in text (TAB, LF, CR, FF are fine).
_BINARY_CONTROLS = {c for c in range(0x20) if c not in (0x09, 0x0A, 0x0C, 0x0D)} | {0x7F}


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """Read a file's bytes, turning every OS failure into one InputError line."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a folder, not a file")
    try:
        return p.read_bytes()
    except OSError as err:
        raise InputError(f"{p}: cannot read ({err.strerror or err})") from None


def decode_text(data: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM); refuse binary, empty and undecodable input.

    We do not guess other encodings: a wrong guess would silently corrupt the
    text we are supposed to check, so the user is told how to convert it.
    """
    if not data.strip():
        raise InputError(f"{name}: file is empty")
    if b"\x00" in data[:8192] or sum(b in _BINARY_CONTROLS for b in data[:8192]) > len(data[:8192]) * 0.01:
        raise InputError(f"{name}: looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            f"{name}: not valid UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}); "
            "convert it first, e.g. iconv -f latin1 -t utf-8"
        ) from None
    if not any(ch.isalnum() for ch in text):
        raise InputError(f"{name}: no text in it (only punctuation or white space)")
    return text


def read_text(path: str | os.PathLike[str]) -> str:
    """Read and decode a text file (see ``decode_text``)."""
    return decode_text(read_bytes(path), str(path))


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8",
                newline: str | None = "") -> Iterator[IO]:  # type: ignore[type-arg]
    """Open a temporary file beside ``path``; rename it over ``path`` only if the block succeeds."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{target.parent}: cannot create folder ({err.strerror or err})") from None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        if "b" in mode:
            fh = os.fdopen(fd, mode)
        else:
            fh = os.fdopen(fd, mode, encoding=encoding, newline=newline)
        with fh:
            yield fh
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    with atomic_open(path, "w") as fh:
        fh.write(text)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    with atomic_open(path, "wb", encoding=None, newline=None) as fh:
        fh.write(data)


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """True when ``a`` and ``b`` name one file: equal after resolving symlinks and ``..``, or hard links."""
    pa, pb = Path(a), Path(b)
    try:
        return pa.resolve() == pb.resolve() or (pa.exists() and pb.exists() and os.path.samefile(pa, pb))
    except OSError:
        return False


def check_output(out: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Refuse an output path that is a folder or that names one of ``inputs`` (raw input is never written)."""
    target = Path(out)
    if target.is_dir():
        raise InputError(f"{target}: is a folder; give a file name for the output")
    for source in inputs:
        if same_file(target, source):
            raise InputError(f"{target}: refusing to overwrite the input {source}; give another output path")
