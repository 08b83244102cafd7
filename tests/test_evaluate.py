"""aligner.evaluate: strict/lax P/R/F1 exactly as vecalign/score.py defines them (hand-made cases)."""

from __future__ import annotations


import pytest
from typer.testing import CliRunner

from aligner.errors import FormatError
from aligner.evaluate import Counts, compare, intervals, parse_beads, precision_counts, score, score_files
from tests.conftest import TEXTBERG, needs_textberg


GOLD = [((0,), (0,)), ((1, 2), (1,)), ((), (2,)), ((3,), ()), ((4,), (3, 4))]


def test_parse_gold_format_with_null_beads_and_scores():
    text = "[0]:[0, 1]\n[6, 7]:[9, 10]\n[]:[51]\n[18, 19]:[20]:0.73\n\n[5]:[]\n"
    assert parse_beads(text) == [((0,), (0, 1)), ((6, 7), (9, 10)), ((), (51,)), ((18, 19), (20,)), ((5,), ())]


@pytest.mark.parametrize("bad", ["[0] [1]", "[0]:[x]", "[0]:[-1]", "[0]:5", "hello"])
def test_parse_rejects_malformed_lines(bad):
    with pytest.raises(FormatError, match=":1:"):
        parse_beads(bad, "f")


def test_perfect_alignment_scores_one():
    s = score([GOLD], [GOLD])
    assert (s.precision_strict, s.recall_strict, s.f1_strict, s.f1_lax) == (1.0, 1.0, 1.0, 1.0)
    # precision counts all 5 non-empty beads, recall only the 3 that are not 1-0/0-1
    assert s.precision_counts == Counts(5, 0, 5, 0)
    assert s.recall_counts == Counts(3, 0, 3, 0)


def test_split_merge_is_lax_but_not_strict():
    test = [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((), (2,)), ((3,), ()), ((4,), (3, 4))]
    s = score([GOLD], [test])
    # precision: [0]:[0] ok, [1]:[1] lax (gold 1->1), [2]:[] wrong (not a gold null bead),
    # []:[2] ok, [3]:[] ok, [4]:[3,4] ok  -> strict 4/6, lax 5/6
    assert s.precision_counts == Counts(4, 2, 5, 1)
    # recall over gold pairs [0]:[0], [1,2]:[1], [4]:[3,4] vs test pairs [0]:[0], [1]:[1], [4]:[3,4]
    assert s.recall_counts == Counts(2, 1, 3, 0)
    assert s.precision_strict == pytest.approx(4 / 6) and s.recall_strict == pytest.approx(2 / 3)
    assert s.f1_strict == pytest.approx(2 * (4 / 6) * (2 / 3) / (4 / 6 + 2 / 3))
    assert s.precision_lax == pytest.approx(5 / 6) and s.recall_lax == 1.0


def test_null_beads_are_correct_only_when_they_match_a_gold_null_bead():
    gold = [((0,), (0,)), ((1,), ())]
    assert precision_counts(gold, [((0,), ()), ((), (0,)), ((1,), ())]) == Counts(1, 2, 1, 2)
    # a test that deletes everything has precision on its null beads only and zero recall
    s = score([gold], [[((0,), ()), ((1,), ()), ((), (0,))]])
    assert s.recall_strict == 0.0 and s.recall_lax == 0.0 and s.f1_strict == 0.0
    assert s.precision_strict == pytest.approx(1 / 3)


def test_wrong_target_is_not_even_lax():
    s = score([[((0,), (0,)), ((1,), (1,))]], [[((0,), (1,)), ((1,), (0,))]])
    assert s.precision_counts == Counts(0, 2, 0, 2) and s.f1_lax == 0.0


def test_duplicates_and_empty_beads_are_ignored():
    gold = [((0,), (0,))]
    assert precision_counts(gold, [((0,), (0,)), ((0,), (0,)), ((), ())]) == Counts(1, 0, 1, 0)


def test_counts_are_pooled_over_documents_not_averaged():
    doc_a = ([((0,), (0,))], [((0,), (0,))])  # 1/1 correct
    doc_b = ([((0,), (0,)), ((1,), (1,)), ((2,), (2,))], [((0,), (1,)), ((1,), (0,)), ((2,), (2,))])  # 1/3
    s = score([doc_a[0], doc_b[0]], [doc_a[1], doc_b[1]])
    assert s.precision_strict == pytest.approx(2 / 4)  # pooled, not (1 + 1/3) / 2


def test_empty_test_gives_zero_not_error():
    s = score([GOLD], [[]])
    assert s.precision_strict == 0.0 and s.recall_strict == 0.0 and s.f1_strict == 0.0


@needs_textberg
def test_textberg_gold_scores_itself_perfectly_with_known_bead_counts():
    golds = sorted(TEXTBERG.glob("test*.defr"))
    assert len(golds) == 7
    s = score_files(golds, golds)
    assert s.f1_strict == 1.0 and s.f1_lax == 1.0
    assert s.precision_counts.tp_strict == 916 and s.recall_counts.tp_strict == 858


def test_file_count_mismatch_is_a_format_error():
    with pytest.raises(FormatError, match="gold"):
        score([GOLD, GOLD], [GOLD])


def test_cli_prints_table_and_summary(tmp_path):
    from aligner.cli import app

    gold = tmp_path / "g.defr"
    gold.write_text("[0]:[0]\n[1, 2]:[1]\n[]:[2]\n", encoding="utf-8")
    test = tmp_path / "t.txt"
    test.write_text("[0]:[0]:0.9\n[1]:[1]:0.5\n[2]:[]:0.0\n[]:[2]:0.0\n", encoding="utf-8")
    args = [str(test), "--gold", str(gold)]
    names = [c.name for c in app.registered_commands]
    if len(names) > 1:  # with one command registered typer runs it without its name
        args = ["evaluate", *args]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert "strict P=0.500 R=0.500 F1=0.500" in last and "lax P=0.750 R=1.000" in last
    assert result.output.splitlines()[-2].startswith("F1 95%")
    bad = CliRunner().invoke(app, args[:-2] + [str(test)] if len(names) > 1 else [str(test)])
    assert bad.exit_code == 2


def _with_merges(n: int, seed: int = 1) -> tuple[list, list]:
    """A 1-1 gold of n sentences, and a test that merges about one pair in six with the next (2-2)."""
    import random

    draw = random.Random(seed).random
    gold = [((i,), (i,)) for i in range(n)]
    test, i = [], 0
    while i < n:
        if draw() < 0.15 and i + 1 < n:
            test.append(((i, i + 1), (i, i + 1)))
            i += 2
        else:
            test.append(((i,), (i,)))
            i += 1
    return gold, test


def test_bootstrap_interval_holds_the_score_and_narrows_with_more_text():
    gold, test = _with_merges(200)
    f1 = score([gold], [test]).f1_strict
    lo, hi = intervals([gold], [test])["f1_strict"]
    assert lo < f1 < hi and hi - lo > 0.02
    assert intervals([gold], [test]) == intervals([gold], [test])  # seeded
    assert intervals([gold], [test])["f1_lax"] == (1.0, 1.0)  # every merge is lax-correct
    long_gold, long_test = _with_merges(2000)
    long_lo, long_hi = intervals([long_gold], [long_test])["f1_strict"]
    assert long_hi - long_lo < (hi - lo) / 2
    assert intervals([gold], [gold]) == {"f1_strict": (1.0, 1.0), "f1_lax": (1.0, 1.0)}


def test_paired_comparison_says_which_alignment_is_better_and_when_it_cannot_tell():
    gold, test = _with_merges(200)
    better = compare([gold], [gold], [test])
    assert better["f1_strict"][0] == pytest.approx(1 - score([gold], [test]).f1_strict)
    assert better["f1_strict"][1] == 1.0  # higher in every draw
    assert compare([gold], [test], [test])["f1_strict"] == (0.0, 0.5)
    # two alignments that each get a different part wrong: the test cannot tell them apart
    other = [((i,), (i,)) for i in range(100)] + [b for b in test if b[0][0] >= 100]
    mixed = [b for b in test if b[0][0] < 100] + [((i,), (i,)) for i in range(100, 200)]
    assert 0.2 < compare([gold], [other], [mixed])["f1_strict"][1] < 0.8


def test_cli_compares_two_systems_on_the_same_gold(tmp_path):
    from aligner.cli import app

    gold, test = _with_merges(200)
    other = [((i,), (i,)) for i in range(100)] + [b for b in test if b[0][0] >= 100]  # right where test merges
    files = {}
    for name, beads in (("gold", gold), ("test", test), ("other", other)):
        files[name] = tmp_path / f"{name}.txt"
        files[name].write_text("".join(f"{list(s)}:{list(t)}\n" for s, t in beads), encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", str(files["other"]), "--gold", str(files["gold"]),
                                      "--against", str(files["test"])])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    f1_test, f1_other = score([gold], [test]).f1_strict, score([gold], [other]).f1_strict
    assert lines[5] == f"OTHER F1   {f1_test:11.3f} {1.0:11.3f}"
    assert lines[6] == (f"TEST-OTHER {f1_other - f1_test:+11.3f} {0.0:+11.3f}  "
                        "(TEST higher in 100% / 50% of paired draws)")
    bad = CliRunner().invoke(app, ["evaluate", str(files["other"]), "--gold", str(files["gold"]),
                                   "--against", str(files["test"]), str(files["test"])])
    assert bad.exit_code == 2
    assert "2 --against files but 1 gold files" in bad.output
