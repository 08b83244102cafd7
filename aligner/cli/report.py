"""``aligner report``: align two documents and write the HTML review page."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from aligner.cli.app import command
from aligner.cli.core import (EncoderOpt, LanguagesOpt, PresplitOpt, SrcArg, SrcLangOpt, TgtArg, TgtLangOpt,
                              doc_config, warn_if_same)
from aligner.cli.knobs import align_config, align_knobs
from aligner.cli.outputs import ForceOpt, guard_output
from aligner.cli.progress import Progress, QuietOpt


@command("report")
@align_knobs()
def report_cmd(
    src: Path = SrcArg,
    tgt: Path = TgtArg,
    out: Path = typer.Option(..., "-o", "--output", metavar="FILE", help="The page to write (.html)."),
    encoder: str = EncoderOpt,
    src_lang: Optional[str] = SrcLangOpt,
    tgt_lang: Optional[str] = TgtLangOpt,
    presplit: bool = PresplitOpt,
    languages: str = LanguagesOpt,
    picture: bool = typer.Option(True, "--picture/--no-picture", help="Draw the similarity matrix."),
    force: bool = ForceOpt,
    quiet: bool = QuietOpt,
    knobs: dict[str, Any] = {},  # noqa: B006 - the alignment knob options, filled in by align_knobs
) -> None:
    """Align SRC and TGT and write a self-contained HTML page to review the alignment."""
    from aligner.export.html import counts, write_report
    from aligner.pipeline import align_files

    guard_output(out, (src, tgt), "html", force)
    warn_if_same(src, tgt)
    with Progress(quiet) as show:
        alignment = align_files(src, tgt, config=align_config(encoder, **knobs),
                                doc_config=doc_config(languages, presplit=presplit), src_lang=src_lang,
                                tgt_lang=tgt_lang, progress=show.step)
        show.step("writing the page")
        write_report(alignment, out, picture=picture)
        c = counts(alignment)
        show.info(f"{out}: {c.beads} beads, {c.flagged} flagged ({c.errors} with errors), {c.uncertain} uncertain")
