"""The alignment knobs (``config.KNOBS``) as typer options, shared by ``align``, ``corpus`` and ``check``.

Every command that aligns takes the same options with the same help and the
same defaults (read from ``AlignConfig``, so the help never drifts from the
code). A command asks for them with ``@align_knobs()`` and receives them as one
``knobs`` dict (None = default).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Optional, TypeVar

import typer

from aligner.config import KNOBS, AlignConfig, Knob

F = TypeVar("F", bound=Callable[..., Any])


def _option(knob: Knob) -> tuple[Any, Any]:
    """(annotation, typer.Option) of one knob; None means "keep AlignConfig's value"."""
    flag = f"{knob.flag}/--no-{knob.flag[2:]}" if knob.kind is bool else knob.flag
    # show_default, not "[default: …]" in the help: rich would take the brackets for markup and drop them.
    option = typer.Option(None, flag, min=knob.low, max=knob.high, help=knob.help + ".",
                          show_default=knob.default_shown())
    return Optional[knob.kind], option


def align_config(encoder: str | None, **knobs: Any) -> AlignConfig:
    """AlignConfig with the options the user gave (None = keep the default)."""
    return AlignConfig().with_(encoder=encoder, **knobs)


def align_knobs(*, exclude: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Add the knob options to a command, which then takes ``knobs: dict[str, Any]``.

    ``exclude`` leaves out knobs whose option name the command uses otherwise
    (``corpus --min-similarity`` is the document-pairing threshold).
    """
    knobs = [knob for knob in KNOBS if knob.name not in exclude]

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)
        params = [p for p in signature.parameters.values() if p.name != "knobs"]
        for knob in knobs:
            annotation, option = _option(knob)
            params.append(inspect.Parameter(knob.name, inspect.Parameter.KEYWORD_ONLY, default=option,
                                            annotation=annotation))

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            given = {knob.name: kwargs.pop(knob.name) for knob in knobs}
            return fn(*args, knobs=given, **kwargs)

        wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
