"""The README's pandas example runs as written, on a copy of the committed corpus run, and exports what it says."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from aligner.qa.catalogue import severity_of

REPO = Path(__file__).resolve().parents[1]


def _example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("\n## Working in pandas\n") + 1:]
    section = section[:section.find("\n## ")]  # up to the next top-level section
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the pandas section has one example"
    return blocks[0]


def test_readme_pandas_example_exports_the_clean_beads(tmp_path: Path) -> None:
    shutil.copytree(REPO / "alignments", tmp_path / "alignments")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-c", _example()], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "dtype: int64" in run.stdout  # the groupby count was printed

    # the same selection made with csv from the en-de table: confidence >= 0.95, no error flag, both sides
    (table,) = (tmp_path / "alignments").glob("en-de__*.tsv")
    with table.open(encoding="utf-8", newline="") as fh:
        assert fh.readline().startswith("# aligner\t")  # the line that carries languages and signature
        rows = [r for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
                if r["confidence"] and float(r["confidence"]) >= 0.95 and r["src"] and r["tgt"]
                and not any(severity_of(c) == "error" for c in r["flags"].split(";") if c)]
    assert len(rows) > 10
    assert (tmp_path / "clean.en").read_text(encoding="utf-8").splitlines() == [r["src"] for r in rows]
    assert (tmp_path / "clean.de").read_text(encoding="utf-8").splitlines() == [r["tgt"] for r in rows]
