"""The alignment table: exact layout, verbatim text, round trip through read_tsv."""

from __future__ import annotations

import csv

from aligner.export.tsv import COLUMNS, read_tsv, write_tsv
from aligner.types import AlignedPair, Bead, Flag


def test_fields_never_hold_tabs_or_newlines_and_csv_reads_them_back(tmp_path):
    pairs = [
        AlignedPair(Bead((0,), (), 0.0), "CGTN: The \"innovation\tmosaic\"\nline two", ""),
        AlignedPair(Bead((1, 2), (0,), 0.8123456, 0.43219), "=SUM(A1) first. Second.", '^CGTN hat?Zwei Sitzungen"',
                    (Flag("encoding-damage", "error", "lost „ as ?", "tgt", 'CGTN hat „Zwei Sitzungen“'),)),
    ]
    path = tmp_path / "a.tsv"
    write_tsv(pairs, path)
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[0] == "\t".join(COLUMNS)
    assert lines[1] == '0\t\t1-0\t0.0000\tCGTN: The "innovation mosaic" line two\t\t\t\t\t'
    assert lines[2] == ('1,2\t0\t2-1\t0.8123\t=SUM(A1) first. Second.\t^CGTN hat?Zwei Sitzungen"\tencoding-damage'
                        '\tCGTN hat „Zwei Sitzungen“\tencoding-damage: lost „ as ?\t0.4322')
    rows = list(csv.reader(path.open(encoding="utf-8", newline=""), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert all(len(r) == len(COLUMNS) for r in rows)

    back = read_tsv(path)
    assert [p.bead.src for p in back] == [(0,), (1, 2)]
    assert back[1].tgt == '^CGTN hat?Zwei Sitzungen"'
    assert back[1].flag_codes == ["encoding-damage"]
    assert back[1].flags[0].severity == "error"
    assert back[1].repair == "CGTN hat „Zwei Sitzungen“"
    # the confidence comes back; a bead written without one reads back as unknown, not as 0
    assert back[1].bead.confidence == 0.4322 and back[0].bead.confidence is None
