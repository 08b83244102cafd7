"""The corpus: filing raw documents by language, pairing them, aligning every pair.

``ingest`` copies each raw file, byte for byte, to ``corpus/<lang>/<slug>.txt``
and writes text in another language that is at least a paragraph (the Italian
newswire chrome of 001) as a document of its own under its language, so it is
kept, not lost. ``run_corpus`` pairs the documents by content similarity
(translations across languages and versions within one) and aligns each pair.

Pairing: the similarity of two documents is the mean, over both sides, of each
sentence's best cosine on the other side. It is computed for the candidate pairs:
each document with its ``CANDIDATES`` nearest by document vector (the mean of its
sentence vectors; all pairs in a folder that small), found exactly with numpy up
to ``INDEX_ABOVE`` documents and with an HNSW index (usearch, ``aligner[index]``)
above, so a large folder costs documents × candidates, not documents². Documents
are linked by a maximum spanning forest over the pairs above ``min_similarity``:
every document that has a counterpart is aligned to its closest relative, and a family of three
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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from aligner.config import DocConfig
from aligner.document import make_document
from aligner.encoders import Encoder
from aligner.errors import InputError
from aligner.io import atomic_write_bytes, atomic_write_text, decode_text, read_bytes
from aligner.langid import letters
from aligner.types import Document

LOCK_NAME = ".aligner.lock"
MIN_EXCERPT_LETTERS = 30  # other-language text shorter than this is reported, not filed
CANDIDATES = 20  # pairing: the nearest documents (by document vector) each document is compared with
# pairing: more documents than this, and the nearest come from an HNSW index (usearch); below, the exact
# blocked product is cheaper (bench/corpus.py: 20,000 documents take 15 s of CPU exactly, 80 s with the index)
INDEX_ABOVE = 100_000


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


def document_vectors(vecs: Sequence[np.ndarray]) -> np.ndarray:
    """One unit vector per document: the mean of its sentence vectors (zeros for a document without any)."""
    dim = next((v.shape[1] for v in vecs if v.size), 1)
    out = np.zeros((len(vecs), dim), dtype=np.float32)
    for k, v in enumerate(vecs):
        if v.size:
            mean = v.mean(axis=0)
            norm = float(np.linalg.norm(mean))
            out[k] = mean / norm if norm else mean
    return out


def _exact_neighbours(doc_vecs: np.ndarray, k: int, block: int = 1024) -> np.ndarray:
    """Each document's ``k`` nearest others by cosine, computed exactly a block of rows at a time."""
    n = len(doc_vecs)
    out = np.empty((n, k), dtype=np.int64)
    for start in range(0, n, block):
        sims = doc_vecs[start:start + block] @ doc_vecs.T
        rows = np.arange(len(sims))
        sims[rows, rows + start] = -np.inf  # not itself
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        order = np.argsort(-sims[rows[:, None], top], axis=1, kind="stable")
        out[start:start + block] = np.take_along_axis(top, order, axis=1)
    return out


def _index_neighbours(doc_vecs: np.ndarray, k: int) -> np.ndarray | None:
    """The same from an HNSW index (usearch), or None when usearch is not installed."""
    try:
        from usearch.index import Index
    except ImportError:
        return None
    index = Index(ndim=doc_vecs.shape[1], metric="ip", dtype="f32", connectivity=32,
                  expansion_add=128, expansion_search=max(128, 4 * k))
    keys = np.arange(len(doc_vecs), dtype=np.uint64)
    index.add(keys, doc_vecs, threads=1)  # one thread: the same graph, so the same candidates, every run
    found = index.search(doc_vecs, k + 1, threads=1).keys.astype(np.int64)
    return found


def candidate_pairs(doc_vecs: np.ndarray, k: int = CANDIDATES, index_above: int = INDEX_ABOVE) -> list[tuple[int, int]]:
    """The document pairs worth comparing sentence by sentence: every pair of a folder of at most ``k + 1``
    documents; else each document with its ``k`` nearest by document vector, exactly (blocked numpy) up to
    ``index_above`` documents and from an HNSW index above that (when usearch is installed)."""
    n = len(doc_vecs)
    if n - 1 <= k:
        return [(i, j) for i in range(n) for j in range(i + 1, n)]
    near = _index_neighbours(doc_vecs, k) if n > index_above else None
    if near is None:
        near = _exact_neighbours(doc_vecs, k)
    pairs = {(min(i, int(j)), max(i, int(j))) for i in range(n) for j in near[i] if 0 <= j < n and j != i}
    return sorted(pairs)


def similar_pairs(vecs: Sequence[np.ndarray], min_similarity: float, k: int = CANDIDATES,
                  index_above: int = INDEX_ABOVE) -> list[tuple[float, int, int]]:
    """(similarity, i, j) of the candidate pairs at or above ``min_similarity``, most similar first.

    Time and memory grow with the documents times ``k``, not with their square.
    """
    edges = ((document_similarity(vecs[i], vecs[j]), i, j)
             for i, j in candidate_pairs(document_vectors(vecs), k, index_above))
    return sorted((edge for edge in edges if edge[0] >= min_similarity), reverse=True)


def pair_documents(docs: Sequence[Document], encoder: Encoder, min_similarity: float = 0.45, *,
                   k: int = CANDIDATES, index_above: int = INDEX_ABOVE) -> list[tuple[int, int, float]]:
    """(src index, tgt index, similarity) for every pair to align (maximum spanning forest)."""
    vecs = [encoder.encode(d.sentences) for d in docs]
    edges = similar_pairs(vecs, min_similarity, k, index_above)
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
        old_signature, files = summary_files(summary)
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


_PAIR_FILE = '      "file": '  # a pair's file name in summary.json as the run writes it (indent 2, one key a line)


def summary_files(summary: Path) -> tuple[str, list[str]]:
    """A ``summary.json``'s signature and its pairs' file names, read a line at a time (a run of millions
    of pairs has a summary far larger than the names); a file laid out otherwise is read whole."""
    with open(summary, encoding="utf-8") as fh:
        if fh.readline() != "{\n" or not (line := fh.readline()).startswith('  "signature": '):
            old = json.loads(summary.read_text(encoding="utf-8"))
            return str(old["signature"]), [str(p["file"]) for p in old.get("pairs", [])]
        signature = str(json.loads(line[len('  "signature": '):].rstrip().rstrip(",")))
        files = []
        for line in fh:
            if line.startswith(_PAIR_FILE):
                files.append(str(json.loads(line[len(_PAIR_FILE):].rstrip().rstrip(","))))
            elif line.startswith('  "') and not line.startswith('  "pairs"'):
                break  # the pairs' list is over
    return signature, files


def remove_stale(out: Path, old_files: Sequence[str], written: set[str]) -> None:
    """Remove the previous run's pair files (TSV, workbook, page) that this run did not write again."""
    for name in old_files:
        if name in written:
            continue
        for stale in {name, name.replace(".tsv", ".xlsx"), name.replace(".tsv", ".html")}:
            if "/" not in stale and (out / stale).is_file():
                (out / stale).unlink()
