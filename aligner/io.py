"""Reading documents safely and writing outputs atomically.

Raw input is never modified: we only ever open input files for reading, and
every output goes to a temporary file in the same folder that is renamed over
the target when complete, so a crash never leaves half a file behind.

Temporary files are named ``.NAME.aligner-PID.XXXXXXXX.tmp`` (PID: the writer's
process id). They are removed when the block fails, when the process gets
SIGTERM or SIGHUP while writing, and, for a writer that could not clean up
(SIGKILL, power loss), by the next write into the same folder: a temporary file
whose writer is no longer running, or that is older than ``STALE_TEMP_MINUTES``,
is deleted.
"""

from __future__ import annotations

import codecs
import os
import re
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from aligner.errors import InputError

# Control characters that never occur in text (TAB, LF, FF, CR are fine).
_BINARY_CONTROLS = bytes(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0C, 0x0D)) + b"\x7f"
_CONTROL_CHARS = dict.fromkeys(_BINARY_CONTROLS)  # str.translate table that deletes them


def _controls(head: bytes | str) -> int:
    """How many of ``head``'s bytes or characters are control codes no text holds (counted in C:
    every document and every TSV read back passes here)."""
    if isinstance(head, bytes):
        return len(head) - len(head.translate(None, _BINARY_CONTROLS))
    return len(head) - len(head.translate(_CONTROL_CHARS))


# Byte order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_TEMP_TAG = "aligner-"
_TEMP_NAME = re.compile(r"^\..+\." + _TEMP_TAG + r"(\d+)\.[A-Za-z0-9_]{6,}\.tmp$")
STALE_TEMP_MINUTES = 60  # a temporary file this old is a leftover even when its pid is (again) alive


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """Read a regular file's bytes, turning every OS failure into one InputError line.

    Anything but a regular file is refused before it is opened: a FIFO with no
    writer would block the open (and the whole run) for ever.
    """
    p = Path(path)
    try:
        mode = os.stat(p).st_mode
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except OSError as err:
        raise InputError(f"{p}: cannot read ({err.strerror or err})") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{p}: is a folder, not a file")
    if not stat.S_ISREG(mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
        raise InputError(f"{p}: is {kind}, not a regular file; save the text to a file first")
    try:
        return p.read_bytes()
    except OSError as err:
        raise InputError(f"{p}: cannot read ({err.strerror or err})") from None


def decode_text(data: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM) or UTF-16/UTF-32 with a BOM; refuse everything else.

    UTF-16 and UTF-32 are only taken with their byte order mark (what Notepad
    and Word's "Unicode text" write): without one, guessing the encoding could
    silently corrupt the text we are supposed to check, so the user is told how
    to convert it. A NUL character is refused wherever it is: it never occurs in
    text, it means a binary file or a wrong encoding, and passed on it would end
    up in the outputs (and cut C-string tools short).
    """
    if not data.strip():
        raise InputError(f"{name}: file is empty")
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if encoding is None or encoding == "utf-8-sig":
        head = data[:8192]
        if b"\x00" in head and _looks_utf16(head):
            raise InputError(f"{name}: looks like UTF-16 without a byte order mark; "
                             "convert it first, e.g. iconv -f utf-16le -t utf-8")
        if _controls(head) > len(head) * 0.01:
            raise InputError(f"{name}: looks like a binary file, not text")
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        if encoding != "utf-8-sig":
            raise InputError(f"{name}: not valid {encoding.upper()} after its byte order mark "
                             f"(offset {err.start}); convert it first, e.g. iconv -f {encoding} -t utf-8") from None
        raise InputError(
            f"{name}: not valid UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}); "
            "convert it first, e.g. iconv -f latin1 -t utf-8"
        ) from None
    if encoding != "utf-8-sig" and _controls(text[:8192]) > len(text[:8192]) * 0.01:
        raise InputError(f"{name}: looks like a binary file, not text")
    nul = text.find("\x00")
    if nul >= 0:
        raise InputError(f"{name}: NUL character at character {nul} (a binary file, or a wrong encoding)")
    if not text.strip():
        raise InputError(f"{name}: file is empty")
    if not any(ch.isalnum() for ch in text):
        raise InputError(f"{name}: no text in it (only punctuation or white space)")
    return text


def _looks_utf16(head: bytes) -> bool:
    """Most odd or most even bytes are NUL: Latin-script UTF-16 without a byte order mark."""
    even, odd = head[0::2], head[1::2]
    return max(even.count(0) / max(len(even), 1), odd.count(0) / max(len(odd), 1)) > 0.3


def read_text(path: str | os.PathLike[str]) -> str:
    """Read and decode a text file (see ``decode_text``)."""
    return decode_text(read_bytes(path), str(path))


# --- writing ----------------------------------------------------------------------------------

_live_temps: set[str] = set()
_live_lock = threading.Lock()
_saved_handlers: dict[int, Any] = {}
_CLEANUP_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s)


def _on_signal(signum: int, frame: Any) -> None:
    """Remove this process's temporary files, then die of the signal as if we had not caught it."""
    for tmp in list(_live_temps):
        try:
            os.unlink(tmp)
        except OSError:
            pass
    previous = _saved_handlers.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)
        return
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _track(tmp: str) -> None:
    with _live_lock:
        _live_temps.add(tmp)
        if len(_live_temps) == 1 and threading.current_thread() is threading.main_thread():
            for sig in _CLEANUP_SIGNALS:
                current = signal.getsignal(sig)
                if current is not signal.SIG_IGN and current is not _on_signal:
                    _saved_handlers[sig] = current
                    signal.signal(sig, _on_signal)


def _untrack(tmp: str) -> None:
    with _live_lock:
        _live_temps.discard(tmp)
        if not _live_temps and threading.current_thread() is threading.main_thread():
            for sig, handler in list(_saved_handlers.items()):
                if signal.getsignal(sig) is _on_signal:
                    signal.signal(sig, handler)
                del _saved_handlers[sig]


def _writer_alive(pid: int) -> bool:
    """Whether ``pid`` runs (POSIX; elsewhere unknown, so only age counts)."""
    if os.name != "posix":
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, but not ours to signal
        return True
    return True


def remove_stale_temps(folder: str | os.PathLike[str], max_age_minutes: float = STALE_TEMP_MINUTES) -> list[Path]:
    """Delete the temporary files of writers in ``folder`` that died (see the module docstring)."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = _TEMP_NAME.match(entry.name)
        if not m or not entry.is_file(follow_symlinks=False):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
            if age > max_age_minutes * 60 or not _writer_alive(int(m.group(1))):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


_SWEPT: set[tuple[int, str]] = set()  # (process id, folder) already swept by this process


def _sweep_once(folder: Path) -> None:
    """``remove_stale_temps(folder)`` on this process's first write there: listing a folder on every write
    would make a run that writes millions of files into one folder quadratic."""
    key = (os.getpid(), os.path.abspath(folder))
    if key not in _SWEPT:
        _SWEPT.add(key)
        remove_stale_temps(folder)


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8",
                newline: str | None = "") -> Iterator[IO]:  # type: ignore[type-arg]
    """Open a temporary file beside ``path``; rename it over ``path`` only if the block succeeds.

    An existing output keeps its permission bits, and a symlinked output stays a
    symlink: the new content replaces the file the link points to.
    """
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{target.parent}: cannot create folder ({err.strerror or err})") from None
    _sweep_once(target.parent)
    try:
        keep_mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        keep_mode = None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{_TEMP_TAG}{os.getpid()}.", suffix=".tmp",
                               dir=target.parent)
    _track(tmp)
    try:
        if "b" in mode:
            fh = os.fdopen(fd, mode)
        else:
            fh = os.fdopen(fd, mode, encoding=encoding, newline=newline)
        with fh:
            yield fh
        # mkstemp makes 0600: give the file the old output's mode, or the usual permissions
        os.chmod(tmp, keep_mode if keep_mode is not None else 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    finally:
        _untrack(tmp)


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


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` (the reproducible-builds convention: seconds since 1970, UTC), None when unset.

    Every writer that stamps a date (the workbook, TMX) reads it here, so they agree on what a valid value is.
    """
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InputError(f"SOURCE_DATE_EPOCH={value!r} is not a whole number of seconds since 1970") from None
