"""The README's tour, run as a newcomer would: its own commands, the real ``aligner`` command, a fresh folder.

The tour is the fenced block after the ``<!-- tour: ... -->`` marker. Every line runs in a temporary folder
that holds a copy of ``corpus/``; between "export the workbook" and "review apply" the test does what the
tour tells the reader to do in the workbook (reject one row, fix one with the suggested repair, accept one).
"""

from __future__ import annotations

import pytest

import csv
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
from lxml import etree

pytestmark = pytest.mark.slow  # the README's tour, command by command

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"


def _blocks_after(marker: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.*?)```", text[text.index(marker):], re.S)


def tour_lines() -> list[str]:
    """The tour's command lines, without comments and blank lines."""
    block = _blocks_after("<!-- tour:")[0]
    lines = [re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _review_like_a_reader(book: Path) -> dict[str, str]:
    """Fill decisions in the workbook as the tour says; returns pair_id -> decision."""
    wb = openpyxl.load_workbook(book)
    ws = wb["Alignment"]
    header = [c.value for c in ws[1]]
    col = {h: header.index(h) + 1 for h in ("pair_id", "severity", "repair", "tgt", "decision")}
    rows = list(range(2, ws.max_row + 1))

    def value(row: int, h: str) -> str:
        return str(ws.cell(row=row, column=col[h]).value or "")

    one_sided = next(r for r in rows if not value(r, "tgt"))
    repaired = next(r for r in rows if value(r, "repair"))
    clean = next(r for r in rows if not value(r, "severity"))
    decided = {one_sided: "reject", repaired: "fix", clean: "accept"}
    for row, decision in decided.items():
        ws.cell(row=row, column=col["decision"]).value = decision
    wb.save(book)
    return {value(r, "pair_id"): d for r, d in decided.items()}


def _tsv(path: Path) -> list[dict[str, str]]:
    """The rows of a TSV, read with csv alone; an alignment table's ``# aligner`` first line is skipped."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = fh.read().splitlines()
    if lines and lines[0].startswith("# aligner\t"):
        lines = lines[1:]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_the_tour_runs_end_to_end(tmp_path: Path, console_script: str) -> None:
    lines = tour_lines()
    assert [line.split()[:2] for line in lines if line.startswith("aligner")] == [
        ["aligner", "align"], ["aligner", "check"], ["aligner", "export"], ["aligner", "review"],
        ["aligner", "export"]]
    shutil.copytree(REPO / "corpus", tmp_path / "corpus")
    assignments = [line for line in lines if re.match(r"^[A-Z_]+=", line)]
    decided: dict[str, str] = {}
    outputs: dict[str, str] = {}
    for line in lines:
        if line in assignments:
            continue
        if line.startswith("aligner review apply"):
            decided = _review_like_a_reader(tmp_path / "en-de.xlsx")
        script = "set -euo pipefail\n" + "\n".join(assignments) + "\n" + line + "\n"
        done = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"{line}\n{done.stderr}"
        assert "Traceback" not in done.stderr
        outputs[line.split()[1]] = done.stdout

    for name in ("en-de.tsv", "en-de.xlsx", "final.tsv", "final.audit.tsv", "final.tmx"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert "encoding-damage" in outputs["check"] and "number-mismatch" in outputs["check"]

    # the tables carry their languages, which is what lets step 5 export TMX without --src-lang/--tgt-lang
    for name in ("en-de.tsv", "final.tsv"):
        first = (tmp_path / name).read_text(encoding="utf-8").split("\n", 1)[0]
        assert first.startswith("# aligner\t") and "src_lang=en" in first and "tgt_lang=de" in first, name
    aligned = _tsv(tmp_path / "en-de.tsv")
    final = _tsv(tmp_path / "final.tsv")
    assert sorted(decided.values()) == ["accept", "fix", "reject"]
    assert len(final) == len(aligned) - 1  # the rejected row is gone
    ids = {f"s{r['src_ids'] or '-'}/t{r['tgt_ids'] or '-'}": r for r in final}
    fixed = next(pid for pid, d in decided.items() if d == "fix")
    rejected = next(pid for pid, d in decided.items() if d == "reject")
    assert rejected not in ids
    before = next(r for r in aligned if f"s{r['src_ids'] or '-'}/t{r['tgt_ids'] or '-'}" == fixed)
    assert ids[fixed]["tgt"] == before["repair"] != before["tgt"]
    audit = _tsv(tmp_path / "final.audit.tsv")
    assert {(a["pair_id"], a["decision"]) for a in audit} >= {(fixed, "fix"), (rejected, "reject")}

    tmx = etree.parse(str(tmp_path / "final.tmx"))
    segs = tmx.getroot().findall(".//tu")
    assert len(segs) == sum(1 for r in final if r["src"] and r["tgt"])
    langs = {tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in tmx.getroot().iter("tuv")}
    assert {lang.lower()[:2] for lang in langs} == {"en", "de"}
    assert before["repair"] in {seg.text for seg in tmx.getroot().iter("seg")}


def test_ci_runs_the_readme_test_command() -> None:
    install, tests = (b.strip() for b in _blocks_after("## Two commands")[:2])
    assert tests == "python -m pytest -q"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(rf"^{re.escape(tests)}$", ci, re.M)
    assert install.startswith("pip install torch==2.13.0 -e \".[dev]\" && aligner corpus corpus/ --out alignments/")
