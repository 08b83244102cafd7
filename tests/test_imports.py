"""The import graph of aligner/ has no cycle: every import counts (module level, ``if TYPE_CHECKING:``
and the deferred imports inside functions), so the stages stack up and a type checker sees the same house."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aligner"


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def import_graph(mods: dict[str, Path]) -> dict[str, dict[str, bool]]:
    """module -> {imported module: whether some import of it runs at module level (or for type checkers)}."""

    def resolve(name: str) -> str:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name

    graph: dict[str, dict[str, bool]] = {m: {} for m in mods}
    for mod, path in mods.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        deferred = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                    for n in ast.walk(f)}
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [resolve(a.name) for a in node.names if a.name.split(".")[0] == "aligner"]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                if base.split(".")[0] != "aligner":
                    continue
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else resolve(base) for a in node.names]
            for target in targets:
                if target and target != mod:
                    edges = graph[mod]
                    edges[target] = edges.get(target, False) or id(node) not in deferred
    return graph


def test_the_import_graph_has_no_cycle() -> None:
    graph = import_graph(modules())
    sorter = graphlib.TopologicalSorter({m: list(edges) for m, edges in graph.items()})
    try:
        sorter.prepare()
    except graphlib.CycleError as err:
        pytest.fail("import cycle: " + " -> ".join(err.args[1]))


def test_the_check_sees_a_cycle(tmp_path: Path) -> None:
    """The graph builder finds a cycle made of a deferred import and a TYPE_CHECKING one."""
    pkg = tmp_path / "aligner"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                     "    from aligner.sub.b import f\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("def f():\n    from aligner import x\n    return x\n")
    graph = import_graph(modules(pkg))
    assert graph["aligner"] == {"aligner.sub.b": True} and graph["aligner.sub.b"] == {"aligner": False}
    with pytest.raises(graphlib.CycleError):
        graphlib.TopologicalSorter({m: list(e) for m, e in graph.items()}).prepare()


def test_a_missing_module_of_our_own_is_an_error_not_a_quiet_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    """The QA stage and the command modules are part of the package: losing one fails loudly."""
    import importlib
    import sys

    from aligner.pipeline import run_qa

    monkeypatch.setitem(sys.modules, "aligner.qa.checks", None)  # how Python marks a module as not importable
    with pytest.raises(ImportError):
        run_qa(None)  # type: ignore[arg-type]
    monkeypatch.setitem(sys.modules, "aligner.cli.report", None)
    monkeypatch.delitem(sys.modules, "aligner.cli", raising=False)
    with pytest.raises(ImportError):
        importlib.import_module("aligner.cli")
