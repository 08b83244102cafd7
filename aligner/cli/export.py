"""``aligner export`` (alignment file -> tsv, bitext, moses, tmx, jsonl, xlsx) and ``aligner review apply``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from aligner.cli.app import command, subcommands
from aligner.cli.outputs import ForceOpt, guard_moses, guard_output

review_app = subcommands("review", "Apply a reviewed workbook: decisions, corrections, audit.")


@command("export")
def export_cmd(
    alignments: list[Path] = typer.Argument(..., metavar="ALIGNMENTS",
                                            help="Alignment file(s): the TSV table (or our JSONL)."),
    out: Path = typer.Option(..., "-o", "--output", metavar="OUT",
                             help="Output file; for moses a prefix (OUT.en, OUT.de)."),
    fmt: Optional[str] = typer.Option(None, "--format", metavar="FORMAT",
                                      help="tsv | bitext | moses | tmx | jsonl | xlsx (default: from -o's extension)."),
    bitext: bool = typer.Option(False, "--bitext", help="With tsv: the plain two-column src<TAB>tgt corpus."),
    keep: str = typer.Option("all", "--keep", metavar="WHICH",
                             help="Corpus formats: all | clean (no flag, or reviewer-accepted) | accepted "
                                  "(reviewer accepted or fixed). Rejected and one-sided pairs are always left out."),
    min_score: Optional[float] = typer.Option(None, "--min-score", metavar="X",
                                              help="Corpus formats: least similarity kept."),
    src_lang: Optional[str] = typer.Option(None, "--src-lang", metavar="LANG",
                                           help="Source language (default: the table's first line, or its name)."),
    tgt_lang: Optional[str] = typer.Option(None, "--tgt-lang", metavar="LANG",
                                           help="Target language (default: the table's first line, or its name)."),
    force: bool = ForceOpt,
) -> None:
    """Convert an alignment to a corpus (bitext, Moses, TMX), JSONL, or a review workbook."""
    from aligner.errors import FormatError
    from aligner.export.moses import moses_paths
    from aligner.export.read import read_alignment
    from aligner.export.registry import FORMATS, export, guess_format

    fmt = (fmt or ("bitext" if bitext else guess_format(out)) or "").lower() or None
    if bitext:
        if fmt not in (None, "tsv", "bitext"):
            raise FormatError("--bitext goes with --format tsv")
        fmt = "bitext"
    if fmt is None:
        raise FormatError(f"{out}: cannot tell the format from the extension; pass --format "
                          f"({', '.join(FORMATS)})")
    if fmt != "moses":
        guard_output(out, alignments, fmt, force)
    sets = [ps for a in alignments for ps in read_alignment(a, src_lang=src_lang and src_lang.lower(),
                                                            tgt_lang=tgt_lang and tgt_lang.lower())]
    if fmt == "moses":
        langs = {(ps.src_lang, ps.tgt_lang) for ps in sets}
        sl, tl = next(iter(langs)) if len(langs) == 1 else (None, None)
        guard_moses(list(moses_paths(out, sl, tl)), alignments, force)
    written = export(sets, out, fmt, keep=keep, min_score=min_score)  # type: ignore[arg-type]
    n = sum(len(ps.pairs) for ps in sets)
    typer.echo(f"{', '.join(map(str, written))}: {fmt} from {n} beads", err=True)


@command(group=review_app, name="apply")
def review_apply_cmd(
    workbook: Path = typer.Argument(..., metavar="WORKBOOK",
                                    help="The reviewed .xlsx (saved by Excel or LibreOffice)."),
    out: Path = typer.Option(..., "-o", "--output", metavar="OUT",
                             help="The final corpus (.tsv table; or .jsonl/.tmx)."),
    fmt: Optional[str] = typer.Option(None, "--format", metavar="FORMAT",
                                      help="tsv | bitext | moses | tmx | jsonl (default: tsv)."),
    audit: Optional[Path] = typer.Option(None, "--audit", metavar="FILE",
                                         help="Audit file (default: OUT's stem + .audit.tsv)."),
    alignment: Optional[list[Path]] = typer.Option(
        None, "--alignment", metavar="FILE", help="Alignment file(s) to check the workbook against "
                                                  "(default: the one it was exported from, if still there)."),
    force: bool = ForceOpt,
) -> None:
    """Apply the reviewer's decisions and corrections; refuse a workbook that no longer matches its alignment."""
    from aligner.export.moses import moses_paths
    from aligner.export.registry import export, guess_format
    from aligner.export.tsv import write_table
    from aligner.review import apply_review, audit_path, write_audit

    fmt = (fmt or guess_format(out) or "tsv").lower()
    audit_file = audit or audit_path(out)
    result = apply_review(workbook, alignment or None)
    inputs: list[str | os.PathLike[str]] = [workbook, *(alignment or []),
                                            *(ps.source for ps in result.sets if ps.source)]
    guard_output(audit_file, [*inputs, out], "audit", force)
    if fmt == "moses":
        langs = {(ps.src_lang, ps.tgt_lang) for ps in result.sets}
        sl, tl = next(iter(langs)) if len(langs) == 1 else (None, None)
        guard_moses(list(moses_paths(out, sl, tl)), inputs, force)
    else:
        guard_output(out, inputs, fmt, force)
    if fmt == "tsv":
        write_table(result.sets, out, review_columns=True)
        written = [out]
    else:
        written = export(result.sets, out, fmt)
    write_audit(result.audit, audit_file)
    c = result.counts
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    typer.echo(f"{', '.join(map(str, written))}: {c['kept']} of {c['beads']} beads kept "
               f"(accept {c['accept']}, fix {c['fix']}, reject {c['reject']}, undecided {c['undecided']}); "
               f"audit: {audit_file} ({len(result.audit)} entries)", err=True)
