"""Every corpus/table export, each read back by an independent reader (csv, lxml + DTD, json)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from aligner.cli import app
from aligner.errors import FormatError
from aligner.export.read import read_alignment
from aligner.export.registry import export
from aligner.export.tsv import COLUMNS
from aligner.types import AlignedPair, Alignment, Bead, Document, Flag, Segment

REPO = Path(__file__).resolve().parents[1]
# The TMX 1.4 DTD (Okapi Framework's public copy, as in ../shared/specs/tmx14.dtd): the one the package ships.
DTD = REPO / "aligner" / "data" / "tmx14.dtd"
DTD_SHA256 = "b55b69432676c1a330c1d4acf2db5f61d276ea83cda0180b7b3bc7018c459063"

# Real sentences from the seed pair (001 -> 003), plus the cells a spreadsheet would misread.
SRC = [
    "CGTN has released an in-depth analysis mapping China's cross-regional landscape.",
    "=SUM(A1:A3) is how the spreadsheet totals the column.",
    "- Greater Bay Area, Yangtze River Delta and Beijing-Tianjin-Hebei.",
    "@CGTN reported it at https://news.cgtn.com/news/2026-03-01/innovation-mosaic.html today.",
    "BEIJING, March 01, 2026 (GLOBE NEWSWIRE) – At this year's Spring Festival Gala.",
    "Three engines of integration",
]
TGT = [
    "^CGTN hat eine ausführliche Analyse veröffentlicht.",
    "=SUMME(A1:A3) ist, wie die Tabelle die Spalte summiert.",
    "- Greater Bay Area, Jangtse-Delta und Beijing-Tianjin-Hebei.",
    "@CGTN berichtete es unter https://news.cgtn.com/news/2026-03-01/innovation-mosaic.html heute.",
    "PEKING, March 02, 2026 (GLOBE NEWSWIRE) -- Bei der diesjährigen Frühlingsfest-Gala.",
]
REPAIRED_0 = "CGTN hat eine ausführliche Analyse veröffentlicht."


def _doc(name: str, lang: str, sents: list[str]) -> Document:
    text = "\n\n".join(sents)
    segs, pos = [], 0
    for i, s in enumerate(sents):
        segs.append(Segment(i, s, pos, pos + len(s), i))
        pos += len(s) + 2
    return Document(name=name, text=text, lang=lang, segments=tuple(segs))


def make_alignment() -> Alignment:
    """A small alignment of real seed sentences: 1-1 beads, a 1-0 bead, flags with and without repairs."""
    src, tgt = _doc("001_ccc0339e3eecce97", "en", SRC), _doc("003_65043e0217ea5007", "de", TGT)
    damage = Flag("encoding-damage", "error", "'^CGTN' -> 'CGTN' (stray caret)", "tgt", REPAIRED_0)
    number = Flag("number-mismatch", "error", "date 01 in the source, 02 in the target", "tgt", None)
    omission = Flag("omission", "warning", "source 'Three engines of integration' has no counterpart", "src")
    pairs = (
        AlignedPair(Bead((0,), (0,), 0.7598, 0.9871), SRC[0], TGT[0], (damage,)),
        AlignedPair(Bead((1,), (1,), 0.8120, 0.612), SRC[1], TGT[1]),
        AlignedPair(Bead((2,), (2,), 0.9012), SRC[2], TGT[2]),
        AlignedPair(Bead((3,), (3,), 0.8833), SRC[3], TGT[3]),
        AlignedPair(Bead((4,), (4,), 0.4521), SRC[4], TGT[4], (number,)),
        AlignedPair(Bead((5,), (), 0.0), SRC[5], "", (omission,)),
    )
    return Alignment(src=src, tgt=tgt, pairs=pairs, signature="test|model:none")


PAIR = "en-de__001_ccc0339e3eecce97__003_65043e0217ea5007"


@pytest.fixture()
def alignment() -> Alignment:
    return make_alignment()


def test_full_table_reads_back_with_csv_and_keeps_every_bead(alignment: Alignment, tmp_path: Path) -> None:
    out = tmp_path / "table.tsv"
    export(alignment, out, "tsv")
    with out.open(encoding="utf-8", newline="") as fh:
        meta, *rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert meta[:3] == ["# aligner", "src_lang=en", "tgt_lang=de"]  # the table says what it is
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 1 + len(alignment.pairs)
    assert rows[2][4] == SRC[1] and rows[2][5] == TGT[1]  # '=' text verbatim
    assert rows[6][:3] == ["5", "", "1-0"] and rows[6][6] == "omission"
    assert rows[1][6] == "encoding-damage" and rows[1][7] == REPAIRED_0


def test_bitext_has_only_two_sided_pairs_and_filters(alignment: Alignment, tmp_path: Path) -> None:
    out = tmp_path / "bi.tsv"
    export(alignment, out, "bitext")
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows == [[s, t] for s, t in zip(SRC[:5], TGT)]  # no header, no 1-0 bead

    export(alignment, out, "bitext", keep="clean")
    assert [r.split("\t")[0] for r in out.read_text(encoding="utf-8").splitlines()] == SRC[1:4]

    export(alignment, out, "bitext", min_score=0.8)
    assert [r.split("\t")[0] for r in out.read_text(encoding="utf-8").splitlines()] == SRC[1:4]


def test_moses_files_are_line_parallel_and_named_by_language(alignment: Alignment, tmp_path: Path) -> None:
    written = export(alignment, tmp_path / "corpus", "moses")
    assert [p.name for p in written] == ["corpus.en", "corpus.de"]
    en = (tmp_path / "corpus.en").read_text(encoding="utf-8").splitlines()
    de = (tmp_path / "corpus.de").read_text(encoding="utf-8").splitlines()
    assert en == SRC[:5] and de == TGT


def _validate_tmx(path: Path, dtd_path: Path) -> etree._ElementTree:
    parser = etree.XMLParser(load_dtd=False, resolve_entities=False, no_network=True)
    tree = etree.parse(str(path), parser)
    with dtd_path.open("rb") as fh:
        dtd = etree.DTD(fh)
    assert dtd.validate(tree), dtd.error_log.filter_from_errors()
    return tree


def test_tmx_validates_against_the_tmx14_dtd(alignment: Alignment, tmp_path: Path) -> None:
    out = tmp_path / "x.tmx"
    export(alignment, out, "tmx")
    tree = _validate_tmx(out, DTD)
    assert tree.docinfo.system_url == "tmx14.dtd"
    root = tree.getroot()
    assert root.get("version") == "1.4"
    header = root.find("header")
    for attr in ("creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang", "srclang", "datatype"):
        assert header.get(attr), attr
    assert header.get("srclang") == "en"
    tus = root.findall("body/tu")
    assert len(tus) == 5  # one per pair with both sides
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    first = tus[0]
    assert [(tuv.get(xml_lang), tuv.findtext("seg")) for tuv in first.findall("tuv")] == [("en", SRC[0]),
                                                                                          ("de", TGT[0])]
    props = {p.get("type"): p.text for p in first.findall("prop")}
    assert props["x-score"] == "0.7598" and props["x-flags"] == "encoding-damage"
    assert props["x-repair"] == REPAIRED_0
    assert tus[3].find("tuv/seg").text == SRC[3]  # URL stays plain text


def test_package_ships_the_dtd_it_validates_with() -> None:
    from aligner.export.tmx import tmx_dtd_path

    import hashlib

    assert tmx_dtd_path() == DTD.resolve() and hashlib.sha256(DTD.read_bytes()).hexdigest() == DTD_SHA256


def test_tmx_replaces_characters_xml_cannot_carry(alignment: Alignment, tmp_path: Path) -> None:
    p0 = alignment.pairs[0]
    bad = AlignedPair(p0.bead, p0.src, "Steuer\x03zeichen", ())
    out = tmp_path / "x.tmx"
    export([bad], out, "tmx", src_lang="en", tgt_lang="de")
    tree = _validate_tmx(out, DTD)
    assert tree.getroot().findall("body/tu/tuv/seg")[1].text == "Steuer\ufffdzeichen"


def test_jsonl_one_bead_per_line_with_flags_and_repairs(alignment: Alignment, tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    export(alignment, out, "jsonl")
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 6
    r0 = records[0]
    assert (r0["pair"], r0["pair_id"], r0["src_ids"], r0["tgt_ids"]) == (PAIR, "s0/t0", [0], [0])
    assert r0["score"] == 0.7598 and r0["confidence"] == 0.9871 and r0["src"] == SRC[0] and r0["tgt"] == TGT[0]
    assert r0["flags"][0]["code"] == "encoding-damage" and r0["flags"][0]["suggestion"] == REPAIRED_0
    assert r0["repair"] == REPAIRED_0
    assert records[5]["type"] == "1-0" and records[5]["tgt_ids"] == [] and records[5]["pair_id"] == "s5/t-"
    # and it is an alignment file the export command accepts
    back = read_alignment(out)[0]
    assert back.pairs == alignment.pairs and (back.src_lang, back.tgt_lang) == ("en", "de")


def test_export_command_takes_languages_from_the_corpus_file_name(alignment: Alignment, tmp_path: Path) -> None:
    table = tmp_path / f"{PAIR}.tsv"
    export(alignment, table, "tsv")
    out = tmp_path / "out.tmx"
    result = CliRunner().invoke(app, ["export", str(table), "-o", str(out)])
    assert result.exit_code == 0, result.output
    tree = _validate_tmx(out, DTD)
    assert tree.getroot().find("header").get("srclang") == "en"

    result = CliRunner().invoke(app, ["export", str(table), "-o", str(tmp_path / "bi.tsv"), "--bitext",
                                      "--keep", "clean"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "bi.tsv").read_text(encoding="utf-8").count("\n") == 3


def test_export_command_languages_from_summary_json_or_a_clear_error(alignment: Alignment, tmp_path: Path) -> None:
    from aligner.export.tsv import write_tsv

    table = tmp_path / "plain.tsv"
    write_tsv(list(alignment.pairs), table)  # a table without its first line (older, or made by hand)
    runner = CliRunner()
    result = runner.invoke(app, ["export", str(table), "-o", str(tmp_path / "x.tmx")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--src-lang" in lines[0]
    assert not (tmp_path / "x.tmx").exists()

    (tmp_path / "summary.json").write_text(json.dumps(
        {"pairs": [{"src": "en/a", "tgt": "fr/b", "src_lang": "en", "tgt_lang": "fr", "file": "plain.tsv"}]}))
    result = runner.invoke(app, ["export", str(table), "-o", str(tmp_path / "x.tmx")])
    assert result.exit_code == 0, result.output
    langs = {tuv.get("{http://www.w3.org/XML/1998/namespace}lang")
             for tuv in _validate_tmx(tmp_path / "x.tmx", DTD).getroot().iter("tuv")}
    assert langs == {"en", "fr"}

    result = runner.invoke(app, ["export", str(table), "-o", str(tmp_path / "y.tmx"), "--src-lang", "en",
                                 "--tgt-lang", "it"])
    assert result.exit_code == 0 and (tmp_path / "y.tmx").exists()


def test_unknown_format_and_table_filters_are_refused(alignment: Alignment, tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="unknown format"):
        export(alignment, tmp_path / "x.doc", "doc")
    with pytest.raises(FormatError, match="cannot tell the format"):
        export(alignment, tmp_path / "x.doc")
    with pytest.raises(FormatError, match="corpus"):
        export(alignment, tmp_path / "x.tsv", "tsv", keep="clean")


def test_library_and_cli_write_every_format_from_one_registry(alignment: Alignment, tmp_path: Path) -> None:
    """The beads format (once only in ``aligner align``) is a format like the others, for both callers."""
    from aligner.export import FORMATS
    from aligner.export.registry import WRITERS
    from aligner.export.tsv import write_tsv

    assert FORMATS == tuple(WRITERS) and {"tsv", "beads", "bitext", "moses", "tmx", "jsonl", "xlsx", "html"} \
        <= set(FORMATS)
    export(alignment, tmp_path / "lib.beads", "beads")
    table = tmp_path / f"{PAIR}.tsv"
    write_tsv(alignment, table)
    result = CliRunner().invoke(app, ["export", str(table), "-o", str(tmp_path / "cli.beads"), "--format", "beads"])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "cli.beads").read_text(encoding="utf-8").splitlines()
    assert lines == (tmp_path / "lib.beads").read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"{list(alignment.pairs[0].bead.src)}:{list(alignment.pairs[0].bead.tgt)}:" \
                       f"{alignment.pairs[0].bead.score:.4f}"


def test_a_missing_library_is_named_not_taken_for_an_unknown_format(alignment: Alignment, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from aligner.errors import MissingDependencyError
    from aligner.export.tsv import write_tsv

    monkeypatch.setitem(__import__("sys").modules, "lxml", None)  # how Python marks a module as not importable
    with pytest.raises(MissingDependencyError, match=r"tmx format needs lxml.*pip install lxml"):
        export(alignment, tmp_path / "x.tmx")
    table = tmp_path / f"{PAIR}.tsv"
    write_tsv(alignment, table)
    result = CliRunner().invoke(app, ["export", str(table), "-o", str(tmp_path / "x.tmx")])
    assert result.exit_code == 2 and "needs lxml" in result.output and "unknown" not in result.output
    assert not (tmp_path / "x.tmx").exists()
