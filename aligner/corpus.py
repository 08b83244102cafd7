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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from aligner.config import AlignConfig, DocConfig
from aligner.document import make_document
from aligner.encoders import Encoder
from aligner.errors import InputError
from aligner.io import atomic_write_bytes, atomic_write_text, decode_text, read_bytes
from aligner.langid import letters
from aligner.types import Document

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
    similarity: float | None  # None: paired by a pairs file
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


def corpus_files(corpus_dir: str | os.PathLike[str]) -> list[Path]:
    """Every ``<lang>/*.txt`` under the corpus folder, sorted; refuses a file, a missing or an empty folder."""
    root = Path(corpus_dir)
    if root.is_file():
        raise InputError(f"{root}: is a file, not a corpus folder (<lang>/*.txt); to align two files: "
                         "aligner align SRC TGT -o OUT")
    if not root.is_dir():
        raise InputError(f"{root}: no such corpus folder (run 'aligner ingest FILE... --corpus {root}' first)")
    paths = sorted(root.glob("*/*.txt"))
    if not paths:
        raise InputError(f"{root}: no documents (expected {root}/<lang>/*.txt)")
    return paths


def corpus_documents(corpus_dir: str | os.PathLike[str], config: DocConfig = DocConfig()) -> list[Document]:
    """Every ``<lang>/*.txt`` under the corpus, read with its folder's language."""
    docs = []
    for path in corpus_files(corpus_dir):
        lang = path.parent.name
        text = decode_text(read_bytes(path), str(path))
        languages = config.languages if lang in config.languages else (*config.languages, lang)
        docs.append(make_document(text, f"{lang}/{path.stem}", replace(config, lang=lang, languages=languages),
                                  path=str(path)))
    return docs


def document_similarity(a: np.ndarray, b: np.ndarray) -> float:
    sims = a @ b.T
    return float((sims.max(axis=1).mean() + sims.max(axis=0).mean()) / 2.0)


def pair_documents(docs: Sequence[Document], encoder: Encoder,
                   min_similarity: float = 0.45) -> list[tuple[int, int, float]]:
    """(src index, tgt index, similarity) for every pair to align (maximum spanning forest)."""
    vecs = [encoder.encode(d.sentences) for d in docs]
    # only the edges that can be chosen are kept: memory grows with the related pairs, not with n^2
    edges = sorted((edge for edge in ((document_similarity(vecs[i], vecs[j]), i, j)
                                      for i in range(len(docs)) for j in range(i + 1, len(docs)))
                    if edge[0] >= min_similarity), reverse=True)
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
               progress: Callable[[int, int, str], None] | None = None, force: bool = False,
               **engine: Any) -> list[PairResult]:
    """Pair and align every document of the corpus; write one TSV per pair and a summary.

    With ``html``, also one review page per pair and ``index.html`` linking them (aligner/export/html.py).
    ``out_dir`` is locked for the run; a folder written with other settings is refused unless
    ``force`` (see the module docstring). ``engine``: ``workers=N`` or ``scheduler=ADDRESS``, ``redo``
    (aligner/engine.py); failed pairs are in the summary and ``failures.tsv``
    (``aligner.engine.build_corpus`` returns them).
    """
    from aligner.engine import build_corpus

    return build_corpus(out_dir, config, doc_config, corpus_dir=corpus_dir, workbooks=workbooks, html=html,
                        min_similarity=min_similarity, progress=progress, force=force, **engine).pairs


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the output folder's lock (``.aligner.lock``) for a run; refuses a folder another run holds."""
    from filelock import FileLock, Timeout

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
        yield
    finally:
        lock.release()


def previous_run(out: Path, signature: str, force: bool) -> list[str]:
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


def remove_stale(out: Path, old_files: Sequence[str], written: set[str]) -> None:
    """Remove the previous run's pair files (TSV, workbook, page) that this run did not write again."""
    for name in old_files:
        if name in written:
            continue
        for stale in {name, name.replace(".tsv", ".xlsx"), name.replace(".tsv", ".html")}:
            if "/" not in stale and (out / stale).is_file():
                (out / stale).unlink()
