"""Repair a damaged translation file: align it with its source, then repair it with that evidence.

This sits above the pipeline (it aligns) and below the CLI; the repair itself,
segment by segment with the aligned source as evidence, is
``aligner.qa.repair.repair_document``. The input file is never opened for
writing: the repaired copy goes to a new path (atomically), and a path that
resolves to an input is refused.
"""

from __future__ import annotations

import os

from aligner.config import AlignConfig, DocConfig
from aligner.io import atomic_write_text, check_output
from aligner.pipeline import align_files
from aligner.qa.repair import RepairResult, repair_document, write_report


def repair_file(path: str | os.PathLike[str], against: str | os.PathLike[str], out: str | os.PathLike[str], *,
                report: str | os.PathLike[str] | None = None, src_lang: str | None = None,
                tgt_lang: str | None = None, encoder: str | None = None, presplit: bool = False) -> RepairResult:
    """Align ``path`` (the damaged translation) with ``against`` (its source), repair it into ``out``.

    With ``presplit`` both files are one segment per line: the repaired copy has
    the same lines, and a line with no damage comes out byte for byte as it was.
    """
    check_output(out, (path, against))
    if report is not None:
        check_output(report, (path, against, out))
    config = AlignConfig().with_(encoder=encoder)
    alignment = align_files(against, path, config=config, doc_config=DocConfig(presplit=presplit),
                            src_lang=src_lang, tgt_lang=tgt_lang, qa=False)
    result = repair_document(alignment.tgt, alignment)
    atomic_write_text(out, result.text)
    if report is not None:
        write_report(result, report)
    return result
