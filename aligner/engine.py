"""Running a corpus job: many document pairs, in this process or on a Dask cluster, resumable.

A job is a list of ``Job``s (two document paths, their names and languages, an output stem).
``align_job`` does one: it reads both files, aligns them, writes the pair's TSV (and workbook)
atomically into OUT and returns a small JSON record. A bad document (empty, binary, no text in
a supported language) gives a ``failed`` record with its one-line reason instead of ending the
run. ``run_jobs`` runs the jobs in this process (the default) or on Dask workers (``workers=N``:
a LocalCluster on this machine; ``scheduler="tcp://HOST:8786"``: an existing cluster, whose
workers must see OUT and the inputs under the same paths, i.e. a shared file system).

Resuming: every finished pair is appended to ``OUT/manifest.jsonl`` (one JSON line, written with
one ``write`` and flushed, only after the pair's files are in place) with the SHA-256 of both
inputs and of its output files, and the run's signature. A rerun skips a pair whose last record is
``ok`` with the same signature, the same input digests and output files that still hold the
recorded bytes; everything else is aligned again. A kill (of the client or of a worker) loses at
most the pairs in flight: their files may be written, but without a record they are redone.

Dask is imported only when ``workers`` or ``scheduler`` is given (``pip install 'aligner[dask]'``).
Each worker process builds its encoder once (``get_encoder`` keeps one per process) and aligns
one pair at a time. The client keeps a bounded number of tasks submitted (a few per worker thread,
refilled as records come back), so a run of millions of pairs holds a few dozen futures, not millions;
on a long run a task aligns a few pairs, since Dask's own cost per task is otherwise paid per pair.

The client does not keep the records either: each goes to the manifest as it arrives, and the client
keeps where it starts (a few bytes a pair). The summaries, the index page and the corpus file are
written at the end in one streaming pass over the records read back from the manifest (``Records``),
and the report's pairs are read from it when they are used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import threading
import warnings
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from aligner.config import AlignConfig, DocConfig
from aligner.errors import AlignerError, InputError
from aligner.types import Document

if TYPE_CHECKING:
    from aligner.corpus import PairResult

MANIFEST = "manifest.jsonl"
FAILURES = "failures.tsv"
REVIEW_MAX_PAIRS = 200  # more pairs than this: no review.xlsx over all of them (each pair keeps its own)
Record = dict[str, Any]
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)  # slots: a run holds one per pair
class Side:
    path: str  # where the document is read from
    name: str  # its name in the summary and the TSV's first line
    lang: str | None = None  # None: detect
    extend_languages: bool = False  # add ``lang`` to the languages in play (corpus folders: the folder's language)


@dataclass(frozen=True, slots=True)  # slots: a run holds one per pair
class Job:
    src: Side
    tgt: Side
    stem: str  # the output file is ``{src_lang}-{tgt_lang}__{stem}.tsv``
    similarity: float | None = None  # the pairing's document similarity (folders), None for a manifest

    @property
    def key(self) -> tuple[str, str]:
        return (self.src.name, self.tgt.name)


@dataclass(frozen=True)
class Settings:
    """What every task needs besides its job (sent to the workers with each task)."""

    out: str
    config: AlignConfig = AlignConfig()
    doc_config: DocConfig = DocConfig()
    workbooks: bool = True
    html: bool = True  # a review page per pair (its index row comes back in the record)
    # BLAS threads for a pair's alignment: 1, so that its sums, and so its bytes, are the same in this
    # process and on any worker (BLAS splits a product differently for another thread count, which moves
    # a confidence's fourth decimal); a cluster runs pairs side by side instead
    threads: int = 1


class Records(Sequence[Any]):
    """Records of the manifest read back where they were written (by byte offset), in job order.

    The client keeps an offset per pair, not the pair's record, so its memory does not grow with the
    records' size; each record is read again (one ``seek`` and one line) when it is needed.
    """

    def __init__(self, manifest: Path, offsets: array[int], make: Callable[[Record], Any] = dict,
                 head: Sequence[Any] = ()) -> None:
        """``make`` turns a record into the item; ``head``: items (not in the manifest) before them."""
        self.manifest, self.offsets, self._make, self._head = manifest, offsets, make, list(head)

    def __len__(self) -> int:
        return len(self._head) + len(self.offsets)

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        k = range(len(self))[k]
        if k < len(self._head):
            return self._head[k]
        with open(self.manifest, "rb") as fh:
            return self._make(_record_at(fh, self.offsets[k - len(self._head)]))

    def __iter__(self) -> Iterator[Any]:
        yield from self._head
        if not self.offsets:
            return
        with open(self.manifest, "rb") as fh:
            for off in self.offsets:
                yield self._make(_record_at(fh, off))

    def view(self, make: Callable[[Record], Any], head: Sequence[Any] = ()) -> Records:
        """The same records made into other items (after ``head``)."""
        return Records(self.manifest, self.offsets, make, head)


def _record_at(fh: IO[bytes], offset: int) -> Record:
    fh.seek(offset)
    rec: Record = json.loads(fh.readline())
    return rec


@dataclass
class RunReport:
    ok: Records  # the records of the pairs aligned, in job order (this run's and those skipped)
    failed: Records  # the records of the pairs that failed, in job order
    skipped: int = 0  # pairs found complete and current in OUT
    signature: str = ""
    peak_in_flight: int = 0  # the most pairs submitted to a cluster and not yet back (0: in this process)


# --- reading the inputs -----------------------------------------------------------------------


def sha256_file(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def side_document(side: Side, data: bytes, config: DocConfig) -> Document:
    """The Document of one side, built from its bytes the way ``corpus_documents`` builds a folder's."""
    from aligner.document import make_document
    from aligner.io import decode_text

    text = decode_text(data, side.path)
    if side.lang:
        languages = config.languages
        if side.extend_languages and side.lang not in languages:
            languages = (*languages, side.lang)
        config = replace(config, lang=side.lang, languages=languages)
    doc = make_document(text, side.name, config, path=side.path)
    if not doc.segments:
        from aligner.errors import LanguageError

        raise LanguageError(f"{side.path}: no text in a supported language ({', '.join(config.languages)})")
    return doc


def read_manifest_tsv(path: str | os.PathLike[str]) -> list[Job]:
    """Jobs from a pairs file: ``src_path<TAB>tgt_path[<TAB>src_lang<TAB>tgt_lang]`` per line.

    Relative paths are relative to the pairs file's folder; ``#`` lines and blank lines are
    skipped. Output stems are the two file stems, numbered when two lines would share one.
    """
    from aligner.corpus import slugify
    from aligner.io import read_text

    p = Path(path)
    jobs: list[Job] = []
    stems: Counter[str] = Counter()
    seen: dict[tuple[str, str], int] = {}
    for lineno, line in enumerate(read_text(p).splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) not in (2, 4) or not all(fields):
            raise InputError(f"{p}:{lineno}: expected src_path<TAB>tgt_path[<TAB>src_lang<TAB>tgt_lang], "
                             f"got {len(fields)} field(s)")
        src, tgt = fields[0], fields[1]
        if (src, tgt) in seen:
            raise InputError(f"{p}:{lineno}: the pair {src} {tgt} is listed twice (first on line {seen[src, tgt]})")
        seen[src, tgt] = lineno
        langs = (sys.intern(fields[2].lower()), sys.intern(fields[3].lower())) if len(fields) == 4 else (None, None)
        base = f"{slugify(Path(src).stem, 12)}__{slugify(Path(tgt).stem, 12)}"
        stems[base] += 1
        stem = base if stems[base] == 1 else f"{base}-{stems[base]}"
        jobs.append(Job(Side(str(_under(p.parent, src)), src, langs[0]),
                        Side(str(_under(p.parent, tgt)), tgt, langs[1]), stem))
    if not jobs:
        raise InputError(f"{p}: no pairs in it (one line per pair: src_path<TAB>tgt_path)")
    return jobs


def _under(base: Path, path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else base / p


# --- one pair -----------------------------------------------------------------------------------

_ONE_AT_A_TIME = threading.Lock()  # a worker with several threads still aligns one pair at a time


def align_job(job: Job, settings: Settings, docs: dict[str, Document] | None = None) -> Record:
    """Align one pair and write its files into ``settings.out``; a record whatever happens.

    ``docs``: Documents already built by the caller, by name (the in-process path reuses the
    pairing's). Any exception becomes a ``failed`` record: one pair's trouble is never the run's.
    """
    from threadpoolctl import threadpool_limits

    with _ONE_AT_A_TIME, threadpool_limits(limits=settings.threads, user_api="blas"):
        return _align_job(job, settings, docs or {})


def _align_job(job: Job, settings: Settings, docs: dict[str, Document]) -> Record:
    from aligner.encoders import get_encoder
    from aligner.io import read_bytes

    record: Record = {"src": job.src.name, "tgt": job.tgt.name, "status": "failed"}
    try:
        encoder = get_encoder(settings.config.encoder)
        getattr(encoder, "forget", lambda: None)()  # the same vectors whatever this process aligned before
        record["signature"] = run_signature(settings.config, encoder, settings.doc_config)
        sides = []
        for side, tag in ((job.src, "src"), (job.tgt, "tgt")):
            data = read_bytes(side.path)
            record[f"{tag}_sha256"] = hashlib.sha256(data).hexdigest()
            try:
                sides.append(docs.get(side.name) or side_document(side, data, settings.doc_config))
            except AlignerError as err:  # the failure line names the file at fault
                raise (err if side.path in str(err) else type(err)(f"{side.path}: {err}")) from None
        record.update(_align_and_write(job, sides[0], sides[1], settings, encoder))
        record["status"] = "ok"
    except AlignerError as err:
        record["error"] = str(err)
    except Exception as err:  # noqa: BLE001 - a bug on one document must not end a run of thousands
        record["error"] = f"internal error: {type(err).__name__}: {err}"
    return record


def _align_and_write(job: Job, src: Document, tgt: Document, settings: Settings, encoder: Any) -> Record:
    import numpy as np

    from aligner.export.tsv import write_tsv
    from aligner.pipeline import align_documents

    out = Path(settings.out)
    alignment = align_documents(src, tgt, settings.config, encoder,
                                languages=tuple(settings.doc_config.languages), doc_config=settings.doc_config)
    name = f"{src.lang}-{tgt.lang}__{job.stem}.tsv"
    write_tsv(alignment, out / name)
    outputs = [name]
    if settings.workbooks and write_workbook(alignment, out / name.replace(".tsv", ".xlsx")):
        outputs.append(name.replace(".tsv", ".xlsx"))
    row: Record = {}
    if settings.html:
        from aligner.export.html import IndexEntry, index_row, write_report

        page = name.replace(".tsv", ".html")
        write_report(alignment, out / page, encoder=encoder)
        outputs.append(page)
        similarity = None if job.similarity is None else round(job.similarity, 4)
        row["index_row"] = index_row(IndexEntry(alignment, page, similarity), encoder)
    scores = [p.bead.score for p in alignment.pairs if p.bead.src and p.bead.tgt]
    flags = Counter(code for p in alignment.pairs for code in p.flag_codes)
    return {
        "src_lang": src.lang, "tgt_lang": tgt.lang, "file": name,
        "similarity": None if job.similarity is None else round(job.similarity, 4),
        "bead_types": dict(sorted(Counter(p.type for p in alignment.pairs).items())),
        "flags": dict(sorted(flags.items())),
        "mean_score": round(float(np.mean(scores)) if scores else 0.0, 4),
        "outputs": {n: sha256_file(out / n) for n in outputs},
        "exclusions": exclusions(src) + exclusions(tgt),
        **row,
    }


EXCLUSION_KEYS = ("document", "reason", "lang", "start", "end", "text")


def exclusions(doc: Document) -> list[Record]:
    return [dict(zip(EXCLUSION_KEYS, (doc.name, e.reason, e.lang, e.start, e.end, e.text))) for e in doc.exclusions]


def write_workbook(alignments: Any, path: Path) -> bool:
    """The review workbook (True: written; a missing openpyxl is a MissingDependencyError naming it)."""
    from aligner.export.xlsx import write_workbook as write

    write(alignments, path, document_paths=False)
    return True


def run_signature(config: AlignConfig, encoder: Any, doc_config: DocConfig) -> str:
    from aligner.pipeline import signature

    return signature(config, encoder, doc_config=doc_config)


def worker_signature(config: AlignConfig, doc_config: DocConfig) -> str:
    """The run's signature as a worker computes it (the client need not load the encoder)."""
    from aligner.encoders import get_encoder

    return run_signature(config, get_encoder(config.encoder), doc_config)


def encoder_builds() -> int:
    """How many encoders this process has built (a worker builds one per encoder name, once)."""
    from aligner.encoders.registry import encoder_builds as builds

    return builds()


# --- the manifest of finished pairs -------------------------------------------------------------


def pair_key(src: str, tgt: str) -> bytes:
    """A pair's 16-byte key in the manifest index (a digest: the same size whatever the names' length)."""
    return hashlib.blake2b(f"{src}\x1f{tgt}".encode(), digest_size=16).digest()


def manifest_index(out: Path) -> dict[bytes, int]:
    """Where the last record of every pair in ``OUT/manifest.jsonl`` starts (a torn last line is ignored)."""
    path = out / MANIFEST
    last: dict[bytes, int] = {}
    if not path.is_file():
        return last
    with open(path, "rb") as fh:
        offset = 0
        for line in fh:
            try:
                rec = json.loads(line)
                last[pair_key(rec["src"], rec["tgt"])] = offset
            except (ValueError, KeyError, TypeError):
                pass
            offset += len(line)
    return last


def is_current(rec: Record | None, job: Job, signature: str, out: Path, html: bool = False) -> bool:
    """Whether a pair's record says its outputs are complete and were made from these inputs this way
    (with ``html``, also its review page and index row)."""
    if not rec or rec.get("status") != "ok" or rec.get("signature") != signature:
        return False
    if html and "index_row" not in rec:
        return False
    try:
        if sha256_file(job.src.path) != rec.get("src_sha256") or sha256_file(job.tgt.path) != rec.get("tgt_sha256"):
            return False
        outputs = rec.get("outputs") or {}
        return bool(outputs) and all(sha256_file(out / n) == d for n, d in outputs.items())
    except OSError:
        return False


class Appender:
    """Appends records to the manifest, one ``write`` per line, flushed and synced."""

    def __init__(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        path = out / MANIFEST
        torn = False
        if path.is_file() and path.stat().st_size:
            with open(path, "rb") as fh:
                fh.seek(-1, os.SEEK_END)
                torn = fh.read(1) != b"\n"
        self._fh = open(path, "ab")
        if torn:  # a killed run's half line: end it, so the next record starts on its own line
            self._fh.write(b"\n")

    def add(self, rec: Record) -> int:
        """Append ``rec``; where its line starts."""
        offset = self._fh.tell()
        self._fh.write((json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
        self._fh.flush()
        os.fsync(self._fh.fileno())
        return offset

    def close(self) -> None:
        self._fh.close()


# --- running many pairs -------------------------------------------------------------------------


def run_jobs(jobs: Sequence[Job], settings: Settings, *, workers: int | None = None, scheduler: str | None = None,
             docs: dict[str, Document] | None = None, progress: Progress | None = None,
             redo: bool = False, check: Callable[[str], None] | None = None) -> RunReport:
    """Run every job that is not already complete and current in OUT (every job with ``redo``); the report's
    records are in job order. ``redo`` is for a changed pipeline whose signature is the same (the code, not
    its knobs). ``check`` is called with the run's signature before any pair is aligned (it may refuse the run)."""
    out = Path(settings.out)
    if workers or scheduler:
        with _DaskClient(workers, scheduler) as client:
            signature = client.submit(worker_signature, settings.config, settings.doc_config, pure=False).result()
            if check:
                check(signature)
            return _run(jobs, settings, signature, out, progress,
                        lambda todo, report: _dask_map(client, todo, settings, report), redo)
    from aligner.encoders import get_encoder

    signature = run_signature(settings.config, get_encoder(settings.config.encoder), settings.doc_config)
    if check:
        check(signature)
    return _run(jobs, settings, signature, out, progress,
                lambda todo, _: ((i, align_job(job, settings, docs)) for i, job in todo), redo)


Mapper = Callable[[list[tuple[int, Job]], RunReport], Iterable[tuple[int, Record]]]


def _run(jobs: Sequence[Job], settings: Settings, signature: str, out: Path, progress: Progress | None,
         mapper: Mapper, redo: bool) -> RunReport:
    """Every record goes to the manifest as it arrives; the client keeps its offset and whether it is ``ok``."""
    out.mkdir(parents=True, exist_ok=True)
    previous = {} if redo else manifest_index(out)
    offsets = array("q", bytes(8 * len(jobs)))  # where each job's record starts in the manifest
    state = bytearray(len(jobs))  # 0: no record yet, 1: ok, 2: failed
    todo = []
    skipped = 0
    with open(out / MANIFEST, "ab+") as fh:  # "a": created when missing, never truncated
        for i, job in enumerate(jobs):
            at = previous.get(pair_key(*job.key))
            if at is not None and is_current(_record_at(fh, at), job, signature, out, settings.html):
                offsets[i], state[i] = at, 1
                skipped += 1
            else:
                todo.append((i, job))
    del previous
    manifest = out / MANIFEST
    report = RunReport(Records(manifest, array("q")), Records(manifest, array("q")), skipped, signature)
    done, failed = skipped, 0
    if progress:
        progress(done, len(jobs), "aligning pairs")
    appender = Appender(out)
    try:
        for i, rec in mapper(todo, report):
            offsets[i] = appender.add(rec)
            state[i] = 1 if rec["status"] == "ok" else 2
            done += 1
            failed += state[i] == 2
            if progress:
                progress(done, len(jobs), f"aligning pairs ({failed} failed)" if failed else "aligning pairs")
    finally:
        appender.close()
    for i, off in enumerate(offsets):
        if state[i]:
            (report.ok if state[i] == 1 else report.failed).offsets.append(off)
    return report


# A LocalCluster's workers run one long task at a time, where Dask's defaults suit many short ones and
# cost every pair CPU: the nanny starts workers with MALLOC_TRIM_THRESHOLD_, which also fixes glibc's mmap
# threshold, so every large numpy temporary is a fresh mapping whose pages are faulted in again (the
# worker's system time); the statistical profiler samples the task's thread; the event loops tick and
# poll memory many times a second. A cluster given by --scheduler keeps its own settings (README).
LOCAL_CLUSTER_CONFIG: dict[str, object] = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,  # None: not set for the workers
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}
IN_FLIGHT_PER_THREAD = 4  # tasks submitted and not yet back, per worker thread (so a worker never waits)
PAIRS_PER_TASK = 4  # the most pairs one task aligns (``pairs_per_task``) ...
TASK_ROUNDS = 8  # ... and tasks of several pairs only when every submitted slot is refilled this often
MIN_IN_FLIGHT = 8  # ... and at least this many (a cluster that is still starting its workers)


class _DaskClient:
    """A Dask Client on a LocalCluster of ``workers`` processes, or on the cluster at ``scheduler``."""

    def __init__(self, workers: int | None, scheduler: str | None) -> None:
        try:
            import dask
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise InputError("--workers and --scheduler need Dask: pip install 'aligner[dask]'") from None
        self._cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="30s")
            else:
                one = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                        "ALIGNER_ENCODER_THREADS")}
                with warnings.catch_warnings(), dask.config.set(LOCAL_CLUSTER_CONFIG):
                    # its HTTP server moves off a busy port 8787: nothing to tell
                    warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
                    self._cluster = LocalCluster(
                        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, env=one,
                        silence_logs=logging.ERROR)
                self.client = Client(self._cluster)
        except OSError as err:
            raise InputError(f"cannot reach the Dask scheduler {scheduler or '(local)'}: {err}") from None

    def __enter__(self) -> Any:
        return self.client

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def in_flight_bound(client: Any) -> int:
    """How many pairs to keep submitted: enough to keep every worker thread busy, few enough that a run
    of millions of pairs never holds millions of futures (the cluster's threads are counted again as
    the run goes, so workers that join later get work too)."""
    threads: int = sum(client.nthreads().values())
    return max(MIN_IN_FLIGHT, IN_FLIGHT_PER_THREAD * threads)


def align_jobs(jobs: Sequence[Job], settings: Settings) -> list[Record]:
    """``align_job`` of each of ``jobs``, in order: one Dask task for a few pairs (see ``pairs_per_task``)."""
    return [align_job(job, settings) for job in jobs]


def pairs_per_task(pairs: int, bound: int) -> int:
    """How many pairs one Dask task aligns: one while the run is short (every pair its own task, so
    progress and a worker's loss are per pair), up to ``PAIRS_PER_TASK`` on a long run, where Dask's
    own cost per task (a few milliseconds of scheduler, client and worker time) would otherwise be
    paid for every pair; always few enough that every submitted task is refilled several times."""
    return max(1, min(PAIRS_PER_TASK, pairs // (bound * TASK_ROUNDS)))


def _dask_map(client: Any, todo: list[tuple[int, Job]], settings: Settings,
              report: RunReport) -> Iterator[tuple[int, Record]]:
    """The records of ``todo``'s pairs as workers finish them, with at most ``in_flight_bound`` tasks
    (of ``pairs_per_task`` pairs each) submitted."""
    from dask.distributed import as_completed

    bound, returned = in_flight_bound(client), 0
    size = pairs_per_task(len(todo), bound)
    pending = iter([todo[k:k + size] for k in range(0, len(todo), size)])
    futures: dict[Any, list[tuple[int, Job]]] = {}
    running = as_completed()

    def submit() -> None:
        while len(futures) < bound:
            chunk = next(pending, None)
            if chunk is None:
                return
            future = client.submit(align_jobs, [job for _, job in chunk], settings, pure=False)
            futures[future] = chunk
            running.add(future)
        report.peak_in_flight = max(report.peak_in_flight, len(futures))

    submit()
    for future in running:
        chunk = futures.pop(future)
        try:
            recs = future.result()
        except Exception as err:  # noqa: BLE001 - a worker that died on these pairs every time they were tried
            recs = [{"src": job.src.name, "tgt": job.tgt.name, "status": "failed",
                     "error": f"{type(err).__name__}: {err}"} for _, job in chunk]
        future.release()
        returned += 1
        if returned % bound == 0:
            bound = in_flight_bound(client)
        submit()
        for (i, _), rec in zip(chunk, recs):
            yield i, rec


# --- a corpus: a folder or a pairs file -----------------------------------------------------------


@dataclass(frozen=True)
class CorpusFile:
    """What ``--bitext`` / ``--parquet`` ask for: one training corpus over every pair (aligner/export/corpusfile.py)."""

    bitext: str | None = None  # a file; gzip when it ends in .gz
    parquet: str | None = None  # a folder of Parquet parts
    keep: str = "clean"  # as ``aligner export --keep``
    min_score: float | None = None  # as ``aligner export --min-score``


@dataclass
class CorpusReport:
    pairs: Sequence[Any]  # PairResult of every aligned pair, in job order (read from the manifest when used)
    failed: Sequence[Record]  # {"src", "tgt", "error"}: pairs (or folder documents) that could not be aligned
    skipped: int  # pairs already complete and current in OUT
    total: int  # pairs in the job
    corpus_files: dict[str, Any] = field(default_factory=dict)  # path -> CorpusFileReport (rows, duplicates)
    peak_in_flight: int = 0  # the most pairs submitted to a cluster and not yet back (0: in this process)


def build_corpus(out_dir: str | os.PathLike[str], config: AlignConfig = AlignConfig(),
                 doc_config: DocConfig = DocConfig(), *, corpus_dir: str | os.PathLike[str] | None = None,
                 pairs_file: str | os.PathLike[str] | None = None, workbooks: bool = True, html: bool = True,
                 min_similarity: float = 0.45, workers: int | None = None, scheduler: str | None = None,
                 progress: Progress | None = None, redo: bool = False, force: bool = False,
                 corpus_file: CorpusFile = CorpusFile()) -> CorpusReport:
    """Align a corpus folder (documents paired by similarity) or the pairs of a pairs file into OUT.

    Writes one TSV (and workbook and review page) per pair, ``review.xlsx`` over all pairs,
    ``index.html``, ``summary.tsv``, ``summary.json``, the manifest, and ``failures.tsv`` when some
    pair failed; with ``corpus_file``, also one training corpus over every pair, from the pairs' tables.
    OUT is locked for the run, and a run with other settings in it is refused unless ``force``
    (aligner/corpus.py).
    """
    from aligner.corpus import locked

    out = Path(out_dir)
    _check_corpus_file(corpus_file, out)
    with locked(out):
        report = _build_locked(out, config, doc_config, corpus_dir, pairs_file, workbooks, html, min_similarity,
                               workers, scheduler, progress, redo, force)
        if corpus_file.bitext or corpus_file.parquet:
            if progress:
                progress(0, 0, "writing the corpus file")
            report.corpus_files = write_corpus_files(out, corpus_file, report.pairs)
        return report


def _check_corpus_file(spec: CorpusFile, out: Path) -> None:
    """Refuse a corpus file the run could not write, before any pair is aligned."""
    from aligner.export.model import KEEP_CHOICES

    if spec.keep not in KEEP_CHOICES:
        raise InputError(f"bad --keep {spec.keep!r} (expected {', '.join(KEEP_CHOICES)})")
    if spec.parquet:
        from aligner.export.corpusfile import require_pyarrow

        require_pyarrow()
        if Path(spec.parquet).is_file():
            raise InputError(f"{spec.parquet}: is a file; --parquet takes a folder")
    if spec.bitext:
        bitext = Path(spec.bitext)
        if bitext.is_dir():
            raise InputError(f"{bitext}: is a folder; --bitext takes a file name (corpus.tsv.gz)")
        reserved = {MANIFEST, FAILURES, "summary.tsv", "summary.json", "index.html", "review.xlsx"}
        if bitext.resolve().parent == out.resolve() and (bitext.name in reserved or "__" in bitext.name):
            raise InputError(f"{bitext}: is the name of one of the run's own files; choose another --bitext name")


def write_corpus_files(out: Path, spec: CorpusFile, pairs: Iterable[PairResult] | None = None) -> dict[str, Any]:
    """The ``--bitext`` / ``--parquet`` corpus from the aligned ``pairs``' tables in OUT, in their order
    (by default the pairs ``OUT/summary.json`` lists)."""
    from aligner.export.corpusfile import PairFile, write_bitext_corpus, write_parquet_corpus

    def files() -> Iterator[PairFile]:
        if pairs is None:
            summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
            return (PairFile(p["src"], p["tgt"], out / p["file"]) for p in summary["pairs"])
        return (PairFile(p.src, p.tgt, out / p.tsv) for p in pairs)

    keep: Any = spec.keep
    written: dict[str, Any] = {}
    if spec.bitext:
        written[spec.bitext] = write_bitext_corpus(files(), spec.bitext, keep, spec.min_score)
    if spec.parquet:
        written[spec.parquet] = write_parquet_corpus(files(), spec.parquet, keep, spec.min_score)
    return written


def _build_locked(out: Path, config: AlignConfig, doc_config: DocConfig,
                  corpus_dir: str | os.PathLike[str] | None, pairs_file: str | os.PathLike[str] | None,
                  workbooks: bool, html: bool, min_similarity: float, workers: int | None, scheduler: str | None,
                  progress: Progress | None, redo: bool, force: bool) -> CorpusReport:
    from aligner.corpus import previous_run, remove_stale

    unreadable: list[Record] = []  # a folder's documents that could not be read (not pairs: not in the manifest)
    docs: dict[str, Document] = {}
    if pairs_file is not None:
        jobs = read_manifest_tsv(pairs_file)
    else:
        jobs, docs, unreadable = _folder_jobs(Path(corpus_dir or "corpus"), config, doc_config, min_similarity,
                                              in_process=not (workers or scheduler), progress=progress)
    old_files: list[str] = []
    settings = Settings(str(out), config, doc_config, workbooks, html)
    run = run_jobs(jobs, settings, workers=workers, scheduler=scheduler, docs=docs, progress=progress, redo=redo,
                   check=lambda signature: old_files.extend(previous_run(out, signature, force)))
    del jobs
    failed = run.failed.view(_failure, unreadable)
    review = workbooks and 1 < len(run.ok) <= REVIEW_MAX_PAIRS
    if review:
        write_review(out, [r["file"] for r in run.ok])
    excluded = None if pairs_file is not None else [e for doc in docs.values() for e in exclusions(doc)]
    written = _write_summary(out, run.ok, failed, docs, excluded, run.signature, html)
    remove_stale(out, old_files, written | ({"review.xlsx"} if review else set()))
    return CorpusReport(run.ok.view(_pair_result), failed, run.skipped, len(run.ok) + len(run.failed),
                        peak_in_flight=run.peak_in_flight)


def _failure(rec: Record) -> Record:
    return {"src": rec["src"], "tgt": rec["tgt"], "error": rec.get("error", "")}


def _pair_result(rec: Record) -> PairResult:
    from aligner.corpus import PairResult

    return PairResult(rec["src"], rec["tgt"], rec["similarity"], rec["file"], rec["bead_types"], rec["flags"],
                      rec["mean_score"])


def write_review(out: Path, files: Sequence[str]) -> None:
    """``review.xlsx``: every pair in one workbook, one filter; built from the pairs' own workbooks (their
    snapshots keep every bead and flag; pairs skipped on a rerun are not in memory)."""
    from aligner.review import load_review_workbook, read_snapshot

    sets = []
    for name in files:
        path = out / name.replace(".tsv", ".xlsx")
        sets += read_snapshot(load_review_workbook(path), path) or []
    write_workbook(sets, out / "review.xlsx")


def _folder_jobs(root: Path, config: AlignConfig, doc_config: DocConfig, min_similarity: float, *,
                 in_process: bool, progress: Progress | None) -> tuple[list[Job], dict[str, Document], list[Record]]:
    """Read and pair a corpus folder's documents; a document that cannot be read is a failure."""
    from aligner.corpus import corpus_files, pair_documents, pair_file_name
    from aligner.encoders import get_encoder
    from aligner.io import read_bytes

    encoder = get_encoder(config.encoder)  # its model loads in the background while the documents are read
    if progress:
        progress(0, 0, "reading documents")  # total 0: not known yet
    docs: list[Document] = []
    failed: list[Record] = []
    for path in corpus_files(root):
        side = Side(str(path), f"{path.parent.name}/{path.stem}", path.parent.name, True)
        try:
            docs.append(side_document(side, read_bytes(path), doc_config))
        except AlignerError as err:
            failed.append({"src": side.name, "tgt": "", "error": str(err)})
    if progress:
        progress(0, 0, "pairing documents")
    jobs = []
    for i, j, sim in pair_documents(docs, encoder, min_similarity):
        a, b = docs[i], docs[j]
        stem = pair_file_name(a, b)[len(f"{a.lang}-{b.lang}__"):-len(".tsv")]
        jobs.append(Job(Side(a.path or "", a.name, a.lang, True), Side(b.path or "", b.name, b.lang, True),
                        stem, sim))
    return jobs, {d.name: d for d in docs}, failed


def _write_summary(out: Path, ok: Records, failed: Sequence[Record], docs: dict[str, Document],
                   excluded: list[Record] | None, signature: str, html: bool) -> set[str]:
    """``summary.tsv``, ``summary.json``, ``index.html`` and ``failures.tsv`` in one pass over the records;
    the pairs' file names. ``excluded``: the exclusions of a folder's documents; None: those the pairs'
    records hold, each document's once. What ``summary.json`` lists after the pairs goes to a spool file
    on the way, so nothing grows with the pairs but the file names (and the names of a folder's documents)."""
    import tempfile

    from aligner.export.tsv import clean_field
    from aligner.io import atomic_open

    files: set[str] = set()
    names: set[str] = set()  # a folder's: the documents in some pair
    documents: set[bytes] = set()  # a pairs file's: documents whose exclusions are listed
    with (atomic_open(out / "summary.tsv") as tsv, atomic_open(out / "summary.json") as js,
          tempfile.TemporaryFile("w+", encoding="utf-8", dir=out, prefix=".exclusions.") as spool,
          _index_page(out, len(ok), signature, html) as index):
        tsv.write("src\ttgt\tsimilarity\tbeads\tmean_score\tbead_types\tflags\tfile\n")
        js.write("{\n  \"signature\": " + json.dumps(signature, ensure_ascii=False) + ",\n")
        pairs = _JsonList(js, "pairs")
        spooled = _JsonList(spool, "exclusions")
        for r in ok:
            types = ";".join(f"{k}={v}" for k, v in r["bead_types"].items())
            flags = ";".join(f"{k}={v}" for k, v in r["flags"].items())
            sim = "" if r["similarity"] is None else f"{r['similarity']:.4f}"
            tsv.write(f"{r['src']}\t{r['tgt']}\t{sim}\t{sum(r['bead_types'].values())}\t{r['mean_score']:.4f}"
                      f"\t{types}\t{flags}\t{r['file']}\n")
            pairs.add({k: r[k] for k in ("src", "tgt", "src_lang", "tgt_lang", "similarity", "file", "bead_types",
                                         "flags", "mean_score")})
            if index is not None:
                index.write(r["index_row"])
            files.add(r["file"])
            if excluded is None:  # a document in several pairs: its exclusions once
                mine: dict[str, list[Record]] = {}
                for e in r["exclusions"]:
                    mine.setdefault(e["document"], []).append(e)
                for name, es in mine.items():
                    key = pair_key(name, "")
                    if key not in documents:
                        documents.add(key)
                        for e in es:
                            spooled.add({k: e[k] for k in EXCLUSION_KEYS})  # a read-back record's keys are sorted
            else:
                names.update((r["src"], r["tgt"]))
        pairs.end(",\n")
        for e in excluded or ():
            spooled.add({k: e[k] for k in EXCLUSION_KEYS})
        failed_names = set() if excluded is None else {n for f in failed for n in (f["src"], f["tgt"])}
        unpaired = sorted(set(docs) - names - failed_names)
        _JsonList(js, "unpaired", unpaired).end(",\n")
        spooled.end(",\n" if failed else "\n")
        spool.seek(0)
        for block in iter(lambda: spool.read(1 << 16), ""):
            js.write(block)
        if failed:
            _JsonList(js, "failed", failed).end("\n")
        js.write("}\n")
    if failed:
        with atomic_open(out / FAILURES) as fh:
            fh.write("src\ttgt\terror\n")
            for f in failed:
                fh.write(f"{f['src']}\t{f['tgt']}\t{clean_field(f['error'])}\n")
    else:
        (out / FAILURES).unlink(missing_ok=True)
    return files


class _JsonList:
    """``  "key": [...]`` written an item at a time, as ``json.dumps(..., indent=2)`` writes a top-level key's list."""

    def __init__(self, fh: IO[str], key: str, items: Iterable[Any] = ()) -> None:
        self._fh, self._n = fh, 0
        fh.write(f"  {json.dumps(key)}: [")
        for item in items:
            self.add(item)

    def add(self, item: Any) -> None:
        self._fh.write(("," if self._n else "") + "\n    "
                       + json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n    "))
        self._n += 1

    def end(self, after: str) -> None:
        self._fh.write(("\n  ]" if self._n else "]") + after)


@contextmanager
def _index_page(out: Path, count: int, signature: str, html: bool) -> Iterator[IO[str] | None]:
    """``index.html`` opened for its rows (written between its head and its tail); None without ``html``."""
    if not html:
        yield None
        return
    from aligner.export.html import index_page_parts
    from aligner.io import atomic_open

    head, tail = index_page_parts(count, signature=signature)
    with atomic_open(out / "index.html") as fh:
        fh.write(head)
        yield fh
        fh.write(tail)


def run_corpus(corpus_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str],
               config: AlignConfig = AlignConfig(), doc_config: DocConfig = DocConfig(), *,
               workbooks: bool = True, min_similarity: float = 0.45, html: bool = True,
               progress: Callable[[int, int, str], None] | None = None, force: bool = False,
               **engine: Any) -> Sequence[PairResult]:
    """Pair and align every document of the corpus; write one TSV per pair and a summary (the pairs
    returned are read from ``OUT/manifest.jsonl`` when used).

    With ``html``, also one review page per pair and ``index.html`` linking them (aligner/export/html.py).
    ``out_dir`` is locked for the run; a folder written with other settings is refused unless
    ``force`` (see aligner/corpus.py's docstring). ``engine``: ``workers=N`` or ``scheduler=ADDRESS``, ``redo``
    (aligner/engine.py); failed pairs are in the summary and ``failures.tsv``
    (``build_corpus`` returns them).
    """
    return build_corpus(out_dir, config, doc_config, corpus_dir=corpus_dir, workbooks=workbooks, html=html,
                        min_similarity=min_similarity, progress=progress, force=force, **engine).pairs
