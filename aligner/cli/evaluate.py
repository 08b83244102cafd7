"""``aligner evaluate TEST... --gold GOLD...``: strict/lax P/R/F1 against gold beads (see aligner.evaluate)."""

from __future__ import annotations

import typer

from aligner.cli.app import command
from aligner.errors import FormatError


def _split(tokens: list[str]) -> tuple[list[str], list[str]]:
    """TEST files come before the first ``--gold``; every file after it is a gold file."""
    tests: list[str] = []
    golds: list[str] = []
    seen_gold = False
    for tok in tokens:
        if tok == "--gold" or tok == "-g":
            seen_gold = True
        elif tok.startswith("--gold="):
            seen_gold = True
            golds.append(tok.split("=", 1)[1])
        elif tok.startswith("-") and tok != "-":
            raise FormatError(f"unknown option {tok!r} (usage: aligner evaluate TEST... --gold GOLD...)")
        elif seen_gold:
            golds.append(tok)
        else:
            tests.append(tok)
    return tests, golds


@command("evaluate", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": True})
def evaluate(
    files: list[str] = typer.Argument(
        ..., metavar="TEST... --gold GOLD...",
        help="System beads files, then --gold and the gold beads files in the same order "
             "(one bead per line: \\[src ids]:\\[tgt ids]; an optional :score field is ignored).",
        show_default=False),
) -> None:
    """Score alignments against gold: strict and lax precision, recall and F1, pooled over documents.

    The definition is Vecalign's score.py (used for the published Vecalign and Bertalign numbers).
    """
    from aligner.evaluate import intervals, read_docs, score

    tests, golds = _split(files)
    if not golds:
        raise FormatError("no gold files: aligner evaluate TEST... --gold GOLD...")
    if not tests:
        raise FormatError("no test files: aligner evaluate TEST... --gold GOLD...")
    gold_docs, test_docs = read_docs(tests, golds)
    s = score(gold_docs, test_docs)
    spread = intervals(gold_docs, test_docs)
    typer.echo(f"{'':10} {'strict':>11} {'lax':>11}")
    typer.echo(f"{'precision':10} {s.precision_strict:11.3f} {s.precision_lax:11.3f}")
    typer.echo(f"{'recall':10} {s.recall_strict:11.3f} {s.recall_lax:11.3f}")
    typer.echo(f"{'F1':10} {s.f1_strict:11.3f} {s.f1_lax:11.3f}")
    (s_lo, s_hi), (l_lo, l_hi) = spread["f1_strict"], spread["f1_lax"]
    typer.echo(f"{'F1 95%':10} {s_lo:.3f}-{s_hi:.3f} {l_lo:.3f}-{l_hi:.3f}  "
               "(bootstrap over blocks of 20 source sentences)")
    typer.echo(f"documents={len(tests)} test_beads={s.precision_counts.tp_strict + s.precision_counts.fp_strict} "
               f"gold_pairs={s.recall_counts.tp_strict + s.recall_counts.fp_strict} | {s.line()}")
