"""Timing the pipeline's own functions inside a bench process.

A hook is ``(module, attribute path, part)``: the attribute (a function in the module's namespace,
or ``Class.method``) is replaced by a timed wrapper where the code looks it up, so a function one
stage module imports from another is hooked in the importing module. Two clocks:

* ``Stages``: exclusive stages (a stage entered inside another stops the outer one's clock), wall
  time and the calling thread's CPU time, for a split of a whole run that adds up to its wall time;
* ``Parts``: inclusive CPU time (of the process, or of the part's own thread), for the share of a
  stage each check takes.

``install`` returns the hooks it could not find, so a bench can say which part went untimed rather
than let a renamed function fall silently into "other".
"""

from __future__ import annotations

import functools
import importlib
import time
from collections.abc import Callable, Iterable
from typing import Any

Hook = tuple[str, str, str]  # (module, attribute path, part)
Wrap = Callable[[Callable[..., Any], str], Callable[..., Any]]


def install(hooks: Iterable[Hook], wrap: Wrap) -> list[str]:
    """Replace each hooked attribute by ``wrap(attribute, part)``; the ``module.path`` of each hook not found."""
    missing = []
    for module, path, part in hooks:
        *owners, name = path.split(".")
        target: object = importlib.import_module(module)
        for owner in owners:
            target = getattr(target, owner, None)
        if target is None or not hasattr(target, name):
            missing.append(f"{module}.{path}")
            continue
        setattr(target, name, wrap(getattr(target, name), part))
    return missing


class Stages:
    """Exclusive stages: wall and calling-thread CPU seconds per stage, from ``start`` (a ``time.time()``)."""

    def __init__(self, names: Iterable[str], first: str, start: float) -> None:
        self.wall = dict.fromkeys(names, 0.0)
        self.cpu = dict.fromkeys(self.wall, 0.0)
        self._stage, self._since, self._cpu_since = first, start, 0.0

    def switch(self, stage: str) -> str:
        """Charge the time since the last switch to the current stage, enter ``stage``; the stage left."""
        now, now_cpu = time.time(), time.thread_time()
        self.wall[self._stage] += now - self._since
        self.cpu[self._stage] += now_cpu - self._cpu_since
        before, self._stage, self._since, self._cpu_since = self._stage, stage, now, now_cpu
        return before

    def wrap(self, fn: Callable[..., Any], stage: str) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            before = self.switch(stage)
            try:
                return fn(*args, **kwargs)
            finally:
                self.switch(before)
        return timed


class Parts:
    """Inclusive CPU seconds (``spent``) and wall seconds (``wall``) of each part, CPU by ``clock``:
    ``time.process_time`` (all threads, the default) or ``time.thread_time`` (the thread a part runs
    in: parts that run in different threads at once do not count each other's time)."""

    def __init__(self, names: Iterable[str], clock: Callable[[], float] = time.process_time) -> None:
        self.spent = dict.fromkeys(names, 0.0)
        self.wall = dict.fromkeys(self.spent, 0.0)
        self._clock = clock

    def wrap(self, fn: Callable[..., Any], part: str) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start, start_wall = self._clock(), time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[part] += self._clock() - start
                self.wall[part] += time.perf_counter() - start_wall
        return timed
