"""``aligner evaluate TEST... --gold GOLD...``: strict/lax P/R/F1 against gold beads (see aligner.evaluate)."""

from __future__ import annotations

import typer

from aligner.cli.app import command
from aligner.errors import FormatError


USAGE = "aligner evaluate TEST... --gold GOLD... [--against OTHER...]"
_LISTS = {"--gold": "gold", "-g": "gold", "--against": "against"}


def _split(tokens: list[str]) -> dict[str, list[str]]:
    """TEST files come before the first ``--gold``; the files after ``--gold`` (``--against``) are gold
    files (another system's beads files, for a paired comparison) until the other flag comes."""
    lists: dict[str, list[str]] = {"test": [], "gold": [], "against": []}
    current = "test"
    for tok in tokens:
        flag, _, value = tok.partition("=")
        if flag in _LISTS:
            current = _LISTS[flag]
            if value:
                lists[current].append(value)
        elif tok.startswith("-") and tok != "-":
            raise FormatError(f"unknown option {tok!r} (usage: {USAGE})")
        else:
            lists[current].append(tok)
    return lists


@command("evaluate", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": True})
def evaluate(
    files: list[str] = typer.Argument(
        ..., metavar="TEST... --gold GOLD... [--against OTHER...]",
        help="System beads files, then --gold and the gold beads files in the same order "
             "(one bead per line: \\[src ids]:\\[tgt ids]; an optional :score field is ignored); "
             "optionally --against and another system's beads files for the same documents.",
        show_default=False),
) -> None:
    """Score alignments against gold: strict and lax precision, recall and F1, pooled over documents.

    The definition is Vecalign's score.py (used for the published Vecalign and Bertalign numbers).
    With --against, a paired bootstrap says whether TEST beats OTHER or the gold cannot tell.
    """
    from aligner.evaluate import compare, intervals, read_beads, read_docs, score

    lists = _split(files)
    tests, golds, others = lists["test"], lists["gold"], lists["against"]
    if not golds:
        raise FormatError(f"no gold files: {USAGE}")
    if not tests:
        raise FormatError(f"no test files: {USAGE}")
    gold_docs, test_docs = read_docs(tests, golds)
    if others and len(others) != len(golds):
        raise FormatError(f"{len(others)} --against files but {len(golds)} gold files; "
                          "give one per gold file, in the same order")
    other_docs = [read_beads(o) for o in others] if others else None
    s = score(gold_docs, test_docs)
    spread = intervals(gold_docs, test_docs)
    typer.echo(f"{'':10} {'strict':>11} {'lax':>11}")
    typer.echo(f"{'precision':10} {s.precision_strict:11.3f} {s.precision_lax:11.3f}")
    typer.echo(f"{'recall':10} {s.recall_strict:11.3f} {s.recall_lax:11.3f}")
    typer.echo(f"{'F1':10} {s.f1_strict:11.3f} {s.f1_lax:11.3f}")
    (s_lo, s_hi), (l_lo, l_hi) = spread["f1_strict"], spread["f1_lax"]
    typer.echo(f"{'F1 95%':10} {s_lo:.3f}-{s_hi:.3f} {l_lo:.3f}-{l_hi:.3f}  "
               "(bootstrap over blocks of 20 source sentences)")
    if other_docs is not None:
        o = score(gold_docs, other_docs)
        versus = compare(gold_docs, test_docs, other_docs)
        typer.echo(f"{'OTHER F1':10} {o.f1_strict:11.3f} {o.f1_lax:11.3f}")
        typer.echo(f"{'TEST-OTHER':10} {versus['f1_strict'][0]:+11.3f} {versus['f1_lax'][0]:+11.3f}  "
                   f"(TEST higher in {versus['f1_strict'][1]:.0%} / {versus['f1_lax'][1]:.0%} of paired draws)")
    typer.echo(f"documents={len(tests)} test_beads={s.precision_counts.tp_strict + s.precision_counts.fp_strict} "
               f"gold_pairs={s.recall_counts.tp_strict + s.recall_counts.fp_strict} | {s.line()}")
