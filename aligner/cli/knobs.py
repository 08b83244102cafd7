"""The alignment knobs (``AlignConfig`` fields) as options, shared by ``align``, ``corpus`` and ``check``.

Written once here so that every command that aligns takes the same options
with the same help and the same defaults (read from ``AlignConfig``, so the
help never drifts from the code). A command asks for them with
``@align_knobs()`` and receives them as one ``knobs`` dict (None = default).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Optional, TypeVar

import typer

from aligner.config import AlignConfig

F = TypeVar("F", bound=Callable[..., Any])
_D = AlignConfig()

KNOBS: dict[str, tuple[Any, Any]] = {
    "max_merge": (Optional[int], typer.Option(
        None, "--max-merge", min=1, max=8, help=f"Most sentences on one side of a bead [default: {_D.max_merge}].")),
    "max_bead": (Optional[int], typer.Option(
        None, "--max-bead", min=2, max=12, help=f"Most sentences in a bead, both sides [default: {_D.max_bead}].")),
    "skip_penalty": (Optional[float], typer.Option(
        None, "--skip-penalty", help=f"Cost of a 1-0 or 0-1 bead, the first of a run [default: {_D.skip_penalty}].")),
    "skip_extend": (Optional[float], typer.Option(
        None, "--skip-extend",
        help=f"Cost of each further 1-0 (0-1) bead in a run of them [default: {_D.skip_extend}].")),
    "continuation_penalty": (Optional[float], typer.Option(
        None, "--continuation-penalty",
        help=f"Cost of a bead ending with ':' on one side only [default: {_D.continuation_penalty}].")),
    "merge_penalty": (Optional[float], typer.Option(
        None, "--merge-penalty", help=f"Cost per extra merged sentence [default: {_D.merge_penalty}].")),
    "length_weight": (Optional[float], typer.Option(
        None, "--length-weight", help=f"Exponent of the length-ratio score [default: {_D.length_weight}].")),
    "threshold": (Optional[float], typer.Option(
        None, "--threshold", help=f"Subtracted from every bead [default: {_D.threshold}].")),
    "min_similarity": (Optional[float], typer.Option(
        None, "--min-similarity", help="Least cosine of a bead [default: 0.3 same language, 0 translations].")),
    "margin": (Optional[bool], typer.Option(
        None, "--margin/--no-margin", help="Neighbour-margin similarity [default: on].")),
}


def align_config(encoder: str | None, **knobs: Any) -> AlignConfig:
    """AlignConfig with the options the user gave (None = keep the default)."""
    return AlignConfig().with_(encoder=encoder, **knobs)


def align_knobs(*, exclude: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Add the knob options to a command, which then takes ``knobs: dict[str, Any]``.

    ``exclude`` leaves out knobs whose option name the command uses otherwise
    (``corpus --min-similarity`` is the document-pairing threshold).
    """
    names = [name for name in KNOBS if name not in exclude]

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)
        params = [p for p in signature.parameters.values() if p.name != "knobs"]
        params += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=KNOBS[name][1],
                                     annotation=KNOBS[name][0]) for name in names]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            knobs = {name: kwargs.pop(name) for name in names}
            return fn(*args, knobs=knobs, **kwargs)

        wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
