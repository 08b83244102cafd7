"""The corpus: filing raw documents by language, pairing them, aligning every pair.

``ingest`` copies each raw file, byte for byte, to ``corpus/<lang>/<slug>.txt``
and writes text in another language that is at least a paragraph (the Italian
newswire chrome of 001) as a document of its own under its language, so it is
kept, not lost. ``run_corpus`` pairs the documents by content similarity
(translations across languages and versions within one) and aligns each pair.

Pairing: the similarity of two documents is the mean, over both sides, of each
sentence's best cosine on the other side. Documents are linked by a maximum
spanning forest over the pairs above ``min_similarity``: every document that
has a counterpart is aligned to its closest relative, and a family of three
versions (001 English, 003 its German translation, 000 an English rewrite)
gives two alignments, not three redundant ones.

An output folder holds one run: ``run_corpus`` locks it (``.aligner.lock``, a
``filelock`` lock the operating system releases when the process dies, so a
killed run never blocks the next) and refuses a second run into it while the
first is writing; and it refuses to write into a folder whose ``summary.json``
was made with other settings (another signature) unless ``force``, which
replaces that run and removes its pair files this run does not write again, so
a folder never mixes two runs.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from aligner.config import AlignConfig, DocConfig
from aligner.document import make_document
from aligner.encoders import Encoder, get_encoder
from aligner.errors import InputError
from aligner.io import atomic_open, atomic_write_bytes, atomic_write_text, decode_text, read_bytes
from aligner.langid import letters
from aligner.types import Alignment, Document

LOCK_NAME = ".aligner.lock"
MIN_EXCERPT_LETTERS = 30  # other-language text shorter than this is reported, not filed


@dataclass(frozen=True)
class Filed:
    source: str  # the input path
    path: str  # where it was filed
    lang: str
    kind: str  # "document" | "excerpt"
    exclusions: tuple[tuple[str, str, int, int, str], ...] = ()  # (reason, lang, start, end, text)


@dataclass(frozen=True)
class PairResult:
    src: str
    tgt: str
    similarity: float
    tsv: str
    counts: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    mean_score: float = 0.0


def slugify(text: str, max_words: int = 6) -> str:
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", norm)
    return "-".join(words[:max_words]) or "document"


def document_slug(path: Path, doc: Document) -> str:
    """``001-cgtn-the-innovation-mosaic-mapping``: the file's leading number (if any) and its first words."""
    number = re.match(r"\d+", path.stem)
    head = slugify(doc.segments[0].text if doc.segments else path.stem)
    return f"{number.group()}-{head}" if number else head


def ingest(paths: Sequence[str | os.PathLike[str]], corpus_dir: str | os.PathLike[str],
           config: DocConfig = DocConfig()) -> list[Filed]:
    """File raw documents under ``corpus_dir/<lang>/`` (see the module docstring)."""
    root = Path(corpus_dir)
    filed: list[Filed] = []
    for p in map(Path, paths):
        data = read_bytes(p)
        doc = make_document(decode_text(data, str(p)), p.stem, config, path=str(p))
        slug = document_slug(p, doc)
        target = root / doc.lang / f"{slug}.txt"
        atomic_write_bytes(target, data)
        excl = tuple((e.reason, e.lang or "", e.start, e.end, e.text) for e in doc.exclusions)
        filed.append(Filed(str(p), str(target), doc.lang, "document", excl))
        by_lang: dict[str, list[str]] = {}
        for e in doc.exclusions:
            if e.reason == "other-language" and e.lang:
                by_lang.setdefault(e.lang, []).append(doc.text[e.start:e.end])
        for lang, parts in by_lang.items():
            if sum(letters(t) for t in parts) >= MIN_EXCERPT_LETTERS:
                excerpt = root / lang / f"{slug}.{lang}-excerpt.txt"
                atomic_write_text(excerpt, "\n\n".join(parts) + "\n")
                filed.append(Filed(str(p), str(excerpt), lang, "excerpt"))
    return filed


def corpus_documents(corpus_dir: str | os.PathLike[str], config: DocConfig = DocConfig()) -> list[Document]:
    """Every ``<lang>/*.txt`` under the corpus, read with its folder's language."""
    root = Path(corpus_dir)
    if root.is_file():
        raise InputError(f"{root}: is a file, not a corpus folder (<lang>/*.txt); to align two files: "
                         "aligner align SRC TGT -o OUT")
    if not root.is_dir():
        raise InputError(f"{root}: no such corpus folder (run 'aligner ingest FILE... --corpus {root}' first)")
    docs = []
    for path in sorted(root.glob("*/*.txt")):
        lang = path.parent.name
        text = decode_text(read_bytes(path), str(path))
        languages = config.languages if lang in config.languages else (*config.languages, lang)
        docs.append(make_document(text, f"{lang}/{path.stem}", replace(config, lang=lang, languages=languages),
                                  path=str(path)))
    if not docs:
        raise InputError(f"{root}: no documents (expected {root}/<lang>/*.txt)")
    return docs


def document_similarity(a: np.ndarray, b: np.ndarray) -> float:
    sims = a @ b.T
    return float((sims.max(axis=1).mean() + sims.max(axis=0).mean()) / 2.0)


def pair_documents(docs: Sequence[Document], encoder: Encoder,
                   min_similarity: float = 0.45) -> list[tuple[int, int, float]]:
    """(src index, tgt index, similarity) for every pair to align (maximum spanning forest)."""
    vecs = [encoder.encode(d.sentences) for d in docs]
    edges = sorted(((document_similarity(vecs[i], vecs[j]), i, j)
                    for i in range(len(docs)) for j in range(i + 1, len(docs))), reverse=True)
    parent = list(range(len(docs)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    lang_count = Counter(d.lang for d in docs)
    chosen = []
    for sim, i, j in edges:
        if sim < min_similarity:
            break
        if find(i) != find(j):
            parent[find(i)] = find(j)
            # source: the corpus's main language first, then the fuller version
            i, j = sorted((i, j), key=lambda k: (-lang_count[docs[k].lang], -len(docs[k].segments), docs[k].name))
            chosen.append((i, j, sim))
    return sorted(chosen, key=lambda t: (docs[t[0]].name, docs[t[1]].name))


def pair_file_name(src: Document, tgt: Document) -> str:
    return f"{src.lang}-{tgt.lang}__{src.name.split('/')[-1]}__{tgt.name.split('/')[-1]}.tsv"


def run_corpus(corpus_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str],
               config: AlignConfig = AlignConfig(), doc_config: DocConfig = DocConfig(), *,
               workbooks: bool = True, min_similarity: float = 0.45, html: bool = True,
               progress: Callable[[int, int, str], None] | None = None, force: bool = False) -> list[PairResult]:
    """Pair and align every document of the corpus; write one TSV per pair and a summary.

    With ``html``, also one review page per pair and ``index.html`` linking them (aligner/export/html.py).
    ``out_dir`` is locked for the run; a folder written with other settings is refused unless
    ``force`` (see the module docstring).
    """
    from filelock import FileLock, Timeout

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{out}: cannot create folder ({err.strerror or err})") from None
    lock = FileLock(str(out / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise InputError(f"{out}: another 'aligner corpus' run is writing into this folder; "
                         "wait for it to finish or choose another --out") from None
    except OSError as err:
        raise InputError(f"{out}: cannot lock the folder ({err.strerror or err})") from None
    try:
        return _run_locked(corpus_dir, out, config, doc_config, workbooks, html, min_similarity, progress, force)
    finally:
        lock.release()


def _previous_run(out: Path, signature: str, force: bool) -> list[str]:
    """The files of the run already in ``out``, to remove where this run does not write them again.

    Refuses a run with other settings (signature) unless ``force``.
    """
    summary = out / "summary.json"
    if not summary.is_file():
        return []
    try:
        old = json.loads(summary.read_text(encoding="utf-8"))
        old_signature = str(old["signature"])
        files = [str(p["file"]) for p in old.get("pairs", [])]
    except (OSError, ValueError, KeyError, TypeError):
        if not force:
            raise InputError(f"{summary}: cannot be read, so the run in {out} is unknown; "
                             "use --force to replace it, or choose another --out") from None
        return []
    if old_signature == signature:
        return files
    files.append("review.xlsx")
    if not force:
        new_parts, old_parts = signature.split("|"), old_signature.split("|")
        differ = [f"{o} -> {n}" for o, n in zip(old_parts, new_parts) if o != n] or [old_signature]
        raise InputError(f"{out}: written by a run with other settings ({'; '.join(differ[:4])}); "
                         "use --force to replace it, or choose another --out")
    return files


def _run_locked(corpus_dir: str | os.PathLike[str], out: Path, config: AlignConfig, doc_config: DocConfig,
                workbooks: bool, html: bool, min_similarity: float, progress: Callable[[int, int, str], None] | None,
                force: bool) -> list[PairResult]:
    from aligner.export.tsv import write_tsv
    from aligner.pipeline import align_documents, signature

    encoder = get_encoder(config.encoder)  # its model loads in the background while the documents are read
    old_files = _previous_run(out, signature(config, encoder), force)
    if progress:
        progress(0, 0, "reading documents")  # total 0: not known yet
    docs = corpus_documents(corpus_dir, doc_config)
    if progress:
        progress(0, 0, "pairing documents")
    pairs = pair_documents(docs, encoder, min_similarity)
    results: list[PairResult] = []
    alignments: list[Alignment] = []
    for done, (i, j, sim) in enumerate(pairs):
        if progress:
            progress(done, len(pairs), f"{docs[i].name} -> {docs[j].name}")
        alignment = align_documents(docs[i], docs[j], config, encoder, languages=tuple(doc_config.languages))
        alignments.append(alignment)
        name = pair_file_name(docs[i], docs[j])
        write_tsv(alignment, out / name)
        if workbooks:
            _write_workbook(alignment, out / name.replace(".tsv", ".xlsx"))
        scores = [p.bead.score for p in alignment.pairs if p.bead.src and p.bead.tgt]
        flags = Counter(code for p in alignment.pairs for code in p.flag_codes)
        results.append(PairResult(docs[i].name, docs[j].name, round(sim, 4), name,
                                  dict(sorted(Counter(p.type for p in alignment.pairs).items())),
                                  dict(sorted(flags.items())),
                                  round(float(np.mean(scores)) if scores else 0.0, 4)))
    if workbooks and len(alignments) > 1:
        _write_workbook(alignments, out / "review.xlsx")  # every pair in one workbook, one filter
    _write_summary(out, docs, results, config, encoder)
    if html:
        from aligner.export.html import write_corpus_pages

        write_corpus_pages(out, [(a, r.tsv, r.similarity) for a, r in zip(alignments, results)], encoder,
                           signature(config, encoder))
    # the previous run's pair files that this run did not write again (see _previous_run)
    written = {r.tsv for r in results} | ({"review.xlsx"} if workbooks and len(alignments) > 1 else set())
    for name in old_files:
        if name in written:
            continue
        for stale in {name, name.replace(".tsv", ".xlsx"), name.replace(".tsv", ".html")}:
            if "/" not in stale and (out / stale).is_file():
                (out / stale).unlink()
    if progress:
        progress(len(pairs), len(pairs), "done")
    return results


def _write_workbook(alignment: Alignment | list[Alignment], path: Path) -> None:
    try:
        from aligner.export.xlsx import write_workbook  # type: ignore[import-not-found]
    except ImportError:
        return
    write_workbook(alignment, path, document_paths=False)


def _write_summary(out: Path, docs: Sequence[Document], results: Sequence[PairResult],
                   config: AlignConfig, encoder: Encoder) -> None:
    from aligner.pipeline import signature

    with atomic_open(out / "summary.tsv") as fh:
        fh.write("src\ttgt\tsimilarity\tbeads\tmean_score\tbead_types\tflags\tfile\n")
        for r in results:
            types = ";".join(f"{k}={v}" for k, v in r.counts.items())
            flags = ";".join(f"{k}={v}" for k, v in r.flags.items())
            fh.write(f"{r.src}\t{r.tgt}\t{r.similarity:.4f}\t{sum(r.counts.values())}\t{r.mean_score:.4f}"
                     f"\t{types}\t{flags}\t{r.tsv}\n")
    unpaired = sorted({d.name for d in docs} - {r.src for r in results} - {r.tgt for r in results})
    summary = {
        "signature": signature(config, encoder),
        "pairs": [{"src": r.src, "tgt": r.tgt, "src_lang": r.src.split("/")[0], "tgt_lang": r.tgt.split("/")[0],
                   "similarity": r.similarity, "file": r.tsv, "bead_types": r.counts, "flags": r.flags,
                   "mean_score": r.mean_score} for r in results],
        "unpaired": unpaired,
        "exclusions": [{"document": d.name, "reason": e.reason, "lang": e.lang, "start": e.start, "end": e.end,
                        "text": e.text} for d in docs for e in d.exclusions],
    }
    atomic_write_text(out / "summary.json", json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
