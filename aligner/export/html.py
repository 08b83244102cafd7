"""The HTML review page: one self-contained file to *look* at an alignment.

``write_report(alignment, "report.html")`` writes one page per document pair:

* a header with the two documents, the bead types, the flag counts and the
  text left out of the alignment;
* **the picture**: the sentence similarity matrix as a heat map (an inline PNG
  inside an inline SVG), the chosen path drawn on it, 1-0 / 0-1 beads marked
  red and uncertain beads orange; clicking anywhere on it jumps to the bead
  there;
* filters (all / flagged / errors / uncertain) and a print stylesheet (it prints
  the rows the filter shows, without the picture and the controls);
* **one row per bead**, side by side: ids, type, score, confidence as a bar,
  both texts with the word-level marks of ``aligner.export.wordiff`` (a token
  diff for versions of one text, numbers and names that do not match for
  translations, the words without counterpart where an omission, addition or
  low-similarity flag fires), the flags in their severity colour, and each
  suggested repair as a character diff (the damaged ``?`` struck, the restored
  character marked).

Everything is inline: no script, style, font or image is fetched, so the page
works from disk and offline. Every text is HTML-escaped (a document holding
``<script>`` shows it as text) and written with ``dir="auto"`` so right-to-left
text displays in its own direction. ``write_index`` writes the corpus's
``index.html``: the summary table with a small picture per pair.

Big pairs: bead rows are rendered lazily by the browser (``content-visibility``),
and the picture is downsampled to at most ``PICTURE_CELLS`` cells per side;
above ``EXACT_CELLS`` matrix cells it is computed from block means of the
sentence embeddings instead of every cosine (see ``bench/report.py``).
"""

from __future__ import annotations

import base64
import html
import json
import os
import struct
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from aligner.export.wordiff import (
    Marks,
    Span,
    document_names,
    flatten,
    name_marks,
    number_marks,
    orphan_marks,
    repair_diff,
    version_marks,
)
from aligner.errors import FormatError
from aligner.export.model import PairSet, WriteOptions, worst_severity
from aligner.io import atomic_write_text
from aligner.qa.checks import length_ratio
from aligner.types import AlignedPair, Alignment, Flag

if TYPE_CHECKING:
    from aligner.encoders import Encoder

PICTURE_CELLS = 320  # the heat map has at most this many cells per side (max-pooled blocks)
EXACT_CELLS = 4_000_000  # above this many sentence pairs the matrix comes from block means
MAX_ROWS = 10_000  # above this many beads only the rows with a warning or an error are written (bench/report.py)
ORPHAN_BEADS = 400  # at most this many flagged beads get the (encoder-based) orphan marks
_ORPHAN_CODES = ("omission", "addition", "low-similarity")
_NO_SPACE = {"zh", "ja"}


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


# --- the similarity matrix and its picture ---------------------------------------------------


def similarity_picture(alignment: Alignment, encoder: Encoder | None = None,
                       cells: int = PICTURE_CELLS) -> tuple[np.ndarray, int, int] | None:
    """The sentence similarity matrix, max-pooled to at most ``cells`` per side, and the block sizes.

    Returns (matrix, rows per cell, columns per cell), or None when the
    encoder cannot be loaded. The sentence embeddings are the encoder's
    memoised ones (the aligner has just computed them).
    """
    enc = encoder or _encoder_of(alignment)
    src, tgt = alignment.src.sentences, alignment.tgt.sentences
    if enc is None or not src or not tgt:
        return None
    a, b = enc.encode(src), enc.encode(tgt)
    fy, fx = -(-len(src) // cells), -(-len(tgt) // cells)
    if len(src) * len(tgt) > EXACT_CELLS:
        return np.clip(_block_means(a, fy) @ _block_means(b, fx).T, 0, 1), fy, fx
    sims = np.clip(a @ b.T, 0, 1)
    return _max_pool(sims, fy, fx), fy, fx


def _block_means(e: np.ndarray, f: int) -> np.ndarray:
    count = -(-e.shape[0] // f)
    sums = np.add.reduceat(e, np.arange(0, e.shape[0], f), axis=0)[:count]
    means: np.ndarray = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)
    return means


def _max_pool(m: np.ndarray, fy: int, fx: int) -> np.ndarray:
    if fy == fx == 1:
        return m
    rows = np.maximum.reduceat(m, np.arange(0, m.shape[0], fy), axis=0)
    return np.maximum.reduceat(rows, np.arange(0, m.shape[1], fx), axis=1)


def _encoder_of(alignment: Alignment) -> Encoder | None:
    name = alignment.meta.get("encoder")
    if not isinstance(name, str):
        return None
    from aligner.encoders import get_encoder
    from aligner.errors import AlignerError

    try:
        return get_encoder(name)
    except AlignerError:
        return None


def _png(matrix: np.ndarray) -> bytes:
    """An RGB PNG of the matrix: white (cosine <= 0.1) to dark blue (>= 0.9)."""
    t = np.clip((matrix - 0.1) / 0.8, 0, 1)
    light, dark = np.array([255, 255, 255], float), np.array([8, 48, 107], float)
    rgb = (light + (dark - light) * t[..., None]).round().astype(np.uint8)
    h, w = matrix.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _picture_svg(alignment: Alignment, picture: tuple[np.ndarray, int, int] | None, width: int,
                 interactive: bool, link: str = "") -> str:
    """The heat map with the path, the 1-0/0-1 beads (red) and the uncertain beads (orange)."""
    n, m = len(alignment.src.segments), len(alignment.tgt.segments)
    if picture is None or not n or not m:
        return ""
    matrix, fy, fx = picture
    height = max(40, round(width * n / m)) if m else width
    if height > width * 1.6:  # a very tall pair: keep the picture on screen
        width, height = max(40, round(width * 1.6 * width / height)), round(width * 1.6)
    href = "data:image/png;base64," + base64.b64encode(_png(matrix)).decode("ascii")
    parts = [f'<svg class="matrix" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {m} {n}" width="{width}" '
             f'height="{height}" preserveAspectRatio="none" role="img" aria-label="similarity matrix">',
             f'<image href="{href}" x="0" y="0" width="{matrix.shape[1] * fx}" height="{matrix.shape[0] * fy}" '
             'preserveAspectRatio="none" style="image-rendering:pixelated"/>']
    path: list[str] = []
    marks: list[str] = []
    i = j = 0
    for k, p in enumerate(alignment.pairs):
        b = p.bead
        i0 = b.src[0] if b.src else i
        j0 = b.tgt[0] if b.tgt else j
        di, dj = len(b.src), len(b.tgt)
        if not path:
            path.append(f"{j0},{i0}")
        path.append(f"{j0 + dj},{i0 + di}")
        cls = "skip" if not (di and dj) else "unsure" if _uncertain(p) else ""
        if cls:
            w, h = max(dj, m / 40), max(di, n / 40)
            x = min(max(j0 - w / 2, 0), m - w) if not dj else j0  # a skip's bar stays inside the picture
            y = min(max(i0 - h / 2, 0), n - h) if not di else i0
            shape = (f'<rect class="{cls}" x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}">'
                     f'<title>{_e(_bead_label(p))}</title></rect>')
            marks.append(f'<a href="#b{k}">{shape}</a>' if interactive else shape)
        i, j = i0 + di, j0 + dj
    parts.append(f'<polyline class="path" points="{" ".join(path)}"/>')
    parts += marks
    parts.append("</svg>")
    svg = "".join(parts)
    return f'<a href="{_e(link)}">{svg}</a>' if link else svg


def _bead_label(p: AlignedPair) -> str:
    ids = f"source {_ids(p.bead.src)} / target {_ids(p.bead.tgt)}"
    return f"{p.type} {ids}" + (f": {', '.join(p.flag_codes)}" if p.flags else "")


def _ids(ids: Sequence[int]) -> str:
    return ",".join(map(str, ids)) or "-"


# --- the bead rows ----------------------------------------------------------------------------


def _uncertain(p: AlignedPair) -> bool:
    return any(f.code == "uncertain-alignment" for f in p.flags)


def bead_marks(p: AlignedPair, src_lang: str, tgt_lang: str, encoder: Encoder | None = None,
               ratio: float = 1.0, names: tuple[frozenset[str], frozenset[str]] | None = None) -> Marks:
    """The word-level marks of one bead (see ``aligner.export.wordiff``).

    ``names`` are the two documents' names (``document_names``); ``encoder``
    enables the orphan marks on beads flagged omission, addition or low-similarity.
    """
    if not p.src or not p.tgt:
        return Marks()
    if src_lang == tgt_lang:
        marks = version_marks(p.src, p.tgt)
    else:
        marks = number_marks(p.src, p.tgt, src_lang, tgt_lang) + name_marks(
            p.src, p.tgt, src_lang, tgt_lang, *(names or (None, None)))
        if encoder is not None and any(c in _ORPHAN_CODES for c in p.flag_codes):
            sep = ("" if src_lang in _NO_SPACE else " ", "" if tgt_lang in _NO_SPACE else " ")
            marks = orphan_marks(p.src, p.tgt, encoder, ratio, sep) + marks
    return marks


def _marked(text: str, spans: Sequence[Span]) -> str:
    out = []
    for piece, sp in flatten(text, spans):
        if sp is None:
            out.append(_e(piece))
        else:
            out.append(f'<mark class="w-{sp.kind}" title="{_e(sp.note)}">{_e(piece)}</mark>')
    return "".join(out)


def _repair_html(pieces: list[tuple[str, str]], context: int = 24) -> str:
    """The repair as a diff; unchanged stretches longer than twice ``context`` keep only their ends."""
    out = []
    for n, (kind, piece) in enumerate(pieces):
        if kind == "same":
            head = piece[:context] if n else ""
            tail = piece[-context:] if n < len(pieces) - 1 else ""
            if len(piece) > len(head) + len(tail) + 3:
                piece_html = _e(head) + '<span class="gap">…</span>' + _e(tail)
            else:
                piece_html = _e(piece)
            out.append(piece_html)
        elif kind == "del":
            out.append(f'<del title="damaged">{_e(piece)}</del>')
        else:
            out.append(f'<ins title="restored">{_e(piece)}</ins>')
    return "".join(out)


def _flag_items(flags: Sequence[Flag], shown: int = 2) -> str:
    """One item per flag; a code with more than ``shown`` flags shows its first and folds the rest."""
    groups: dict[str, list[Flag]] = {}
    for f in flags:
        groups.setdefault(f.code, []).append(f)
    out = []
    for code, group in groups.items():
        items = [f'<li class="flag {_e(f.severity)}"><b>{_e(code)}</b> {_e(f.message)}</li>' for f in group]
        if len(items) > shown:
            items = items[:1] + [f'<li class="more"><details><summary>{len(items) - 1} more {_e(code)}</summary>'
                                 f'<ul>{"".join(items[1:])}</ul></details></li>']
        out += items
    return "".join(out)


def _row(k: int, p: AlignedPair, marks: Marks, langs: tuple[str, str]) -> str:
    worst = worst_severity(p)
    classes = ["bead"] + (["flagged"] if p.flags else []) + ([f"sev-{worst}"] if worst else [])
    classes += ["uncertain"] if _uncertain(p) else []
    classes += ["skip"] if not (p.bead.src and p.bead.tgt) else []
    conf = p.bead.confidence
    bar = ("" if conf is None else
           f'<span class="conf" title="confidence {conf:.2f}"><span style="width:{conf * 100:.0f}%"></span></span>'
           f'<span class="num">{conf:.2f}</span>')
    flags = _flag_items(p.flags)
    repairs = []
    diffs = _repair_diffs(p)
    for side in ("tgt", "src"):
        if diffs[side]:
            label = "repair" if side == "tgt" else "source repair"
            repairs.append(f'<div class="repair"><span class="lbl">{label}</span> '
                           f'<span dir="auto">{_repair_html(diffs[side])}</span></div>')
    marks = marks + _damage_marks(diffs)
    src = _marked(p.src, marks.src) if p.src else '<span class="none">(nothing)</span>'
    tgt = _marked(p.tgt, marks.tgt) if p.tgt else '<span class="none">(nothing)</span>'
    return (f'<div class="{" ".join(classes)}" id="b{k}">'
            f'<div class="meta"><a class="k" href="#b{k}">{k + 1}</a>'
            f'<span class="ids">s{_ids(p.bead.src)}/t{_ids(p.bead.tgt)}</span>'
            f'<span class="type">{_e(p.type)}</span><span class="num">{p.bead.score:.2f}</span>{bar}</div>'
            f'<div class="text" lang="{_e(langs[0])}" dir="auto">{src}</div>'
            f'<div class="text" lang="{_e(langs[1])}" dir="auto">{tgt}</div>'
            f'<div class="flags">{"<ul>" + flags + "</ul>" if flags else ""}{"".join(repairs)}</div></div>')


def _repair_diffs(p: AlignedPair) -> dict[str, list[tuple[str, str]]]:
    """Per side, its text → its suggested repair as diff pieces (empty when there is no repair)."""
    out = {}
    for side, text in (("src", p.src), ("tgt", p.tgt)):
        suggestion = next((f.suggestion for f in reversed(p.flags) if f.suggestion is not None and f.side == side),
                          None)
        out[side] = repair_diff(text, suggestion) if suggestion is not None and suggestion != text else []
    return out


def _damage_marks(diffs: dict[str, list[tuple[str, str]]]) -> Marks:
    """The characters each side's suggested repair changes (the damaged ``?``, ``^``), as ``dmg`` spans."""
    found: dict[str, tuple[Span, ...]] = {}
    for side in ("src", "tgt"):
        spans = []
        pos = 0
        for kind, piece in diffs[side]:
            if kind == "del":
                spans.append(Span(pos, pos + len(piece), "dmg", "changed by the suggested repair"))
            if kind != "ins":
                pos += len(piece)
        found[side] = tuple(spans)
    return Marks(found["src"], found["tgt"])


# --- the page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageCounts:
    beads: int
    flagged: int
    errors: int
    uncertain: int


def counts(alignment: Alignment) -> PageCounts:
    ps = alignment.pairs
    return PageCounts(len(ps), sum(1 for p in ps if p.flags), sum(1 for p in ps if worst_severity(p) == "error"),
                      sum(1 for p in ps if _uncertain(p)))


def build_report(alignment: Alignment, *, encoder: Encoder | None = None, picture: bool = True,
                 max_rows: int = MAX_ROWS) -> str:
    """The review page of one alignment, as an HTML string.

    A pair of more than ``max_rows`` beads gets rows only for its beads with a warning or an error
    (the page says so): a reviewer of a book reads those, and the picture still shows the whole pair.
    """
    enc = encoder or _encoder_of(alignment)
    src, tgt = alignment.src, alignment.tgt
    langs = (src.lang, tgt.lang)
    ratio = length_ratio(alignment.pairs)
    names = (document_names(src.sentences, src.lang), document_names(tgt.sentences, tgt.lang))
    rows = []
    orphans_left = ORPHAN_BEADS
    every = len(alignment.pairs) <= max_rows
    for k, p in enumerate(alignment.pairs):
        if not (every or worst_severity(p) in ("error", "warning")):
            continue
        use = enc if orphans_left > 0 else None
        if use is not None and any(c in _ORPHAN_CODES for c in p.flag_codes):
            orphans_left -= 1
        rows.append(_row(k, p, bead_marks(p, src.lang, tgt.lang, use, ratio, names), langs))
    c = counts(alignment)
    types = Counter(p.type for p in alignment.pairs)
    flag_counts = Counter(code for p in alignment.pairs for code in p.flag_codes)
    pic = similarity_picture(alignment, enc) if picture else None
    svg = _picture_svg(alignment, pic, 360, interactive=True)
    spans = json.dumps([[_first(p.bead.src), len(p.bead.src), _first(p.bead.tgt), len(p.bead.tgt)]
                        for p in alignment.pairs], separators=(",", ":"))
    title = f"{src.name} ↔ {tgt.name}"
    kinds = ("same language: token diff" if src.lang == tgt.lang
             else "translation: numbers and names that do not match; words without counterpart")
    excluded = [(side, e) for side, doc in (("source", src), ("target", tgt)) for e in doc.exclusions]
    summary = [
        f'<h1 dir="auto">{_e(src.name)} <span class="arrow">↔</span> {_e(tgt.name)}</h1>',
        f'<p class="sub">{_e(src.lang)} → {_e(tgt.lang)} · {len(src.segments)} ↔ {len(tgt.segments)} segments · '
        f'{c.beads} beads ({_e(", ".join(f"{t} {n}" for t, n in sorted(types.items())))}) · {_e(kinds)}</p>',
        '<div class="top">' + ("".join(_picture_block(svg)) if svg else '<div class="side">')
        + '<table class="counts"><tr><th>flag</th><th>beads</th></tr>'
        + "".join(f'<tr><td>{_e(code)}</td><td class="num">{n}</td></tr>' for code, n in sorted(flag_counts.items()))
        + "</table>",
        '<p class="legend marks">marks: <mark class="w-del">only in source</mark> <mark class="w-ins">only in '
        'target</mark> <mark class="w-num">number</mark> <mark class="w-name">name</mark> <mark class="w-orphan">'
        'no counterpart</mark> · repair: <del>damaged</del><ins>restored</ins></p>',
        f'<p class="sig">{_e(alignment.signature)}</p></div></div>',
    ]
    if not every:
        kept = sum(1 for p in alignment.pairs if worst_severity(p) in ("error", "warning"))
        summary.append(f'<p class="note">Only the {kept} beads with a warning or an error of this {c.beads}-bead '
                       'pair have a row (the others are in the alignment TSV); the picture shows them all.</p>')
    if excluded:
        summary.append('<details class="excluded"><summary>Left out of the alignment '
                       f'({len(excluded)})</summary><ul>'
                       + "".join(f'<li><b>{side}</b> {_e(e.reason)} {_e(e.lang or "")}: '
                                 f'<span dir="auto">{_e(e.text)}</span></li>' for side, e in excluded)
                       + "</ul></details>")
    filters = ('<form class="filters" aria-label="show">'
               + "".join(f'<label><input type="radio" name="show" value="{v}"{" checked" if v == "all" else ""}> '
                         f'{label} <span class="num">({n})</span></label>'
                         for v, label, n in (("all", "all", c.beads), ("flagged", "flagged", c.flagged),
                                             ("errors", "errors", c.errors), ("uncertain", "uncertain", c.uncertain)))
               + "</form>")
    head = (f'<div class="bead head"><div class="meta">bead · type · score · confidence</div>'
            f'<div class="text">source ({_e(src.lang)})</div><div class="text">target ({_e(tgt.lang)})</div>'
            f'<div class="flags">flags and repairs</div></div>')
    return _page(title, "".join(summary) + filters + '<div class="beads">' + head + "".join(rows) + "</div>",
                 script=_SCRIPT.replace("__SPANS__", spans))


def _picture_block(svg: str) -> tuple[str, str]:
    """The picture with its legend, and the side column's start: how to read it."""
    return ('<div class="pic">' + svg
            + '<p class="legend"><span class="lg path"></span> chosen path <span class="lg skip"></span> 1-0 / 0-1 '
              '<span class="lg unsure"></span> uncertain · rows: source, columns: target · click to jump</p></div>',
            '<div class="side"><p class="how">Each cell is the cosine similarity of a source sentence (row) '
            'and a target sentence (column), dark where they are alike. The red line is the alignment; red bars '
            'are sentences with no counterpart (1-0 down, 0-1 across), orange boxes the beads the aligner doubts. '
            'A translation or a close version shows a dark diagonal; a dark cell off the line is a sentence that '
            'may belong elsewhere.</p>')


def _first(ids: Sequence[int]) -> int:
    return ids[0] if ids else -1


def _page(title: str, body: str, script: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="generator" content="aligner">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head>"
            f'<body data-show="all">{body}'
            + (f"<script>{script}</script>" if script else "") + "</body></html>\n")


def write_report(alignment: Alignment, path: str | os.PathLike[str], *, encoder: Encoder | None = None,
                 picture: bool = True) -> Path:
    """Write the review page of ``alignment`` to ``path`` (atomically)."""
    atomic_write_text(path, build_report(alignment, encoder=encoder, picture=picture))
    return Path(path)


def write(sets: Sequence[PairSet], path: Path, options: WriteOptions) -> list[Path]:
    """The ``html`` format of the export registry: the page of one Alignment (it draws on the documents)."""
    source = options.sources
    if not isinstance(source, Alignment):
        raise FormatError("html: the review page needs the alignment's documents; make it with "
                          "'aligner align SRC TGT -o OUT.html' or 'aligner report'")
    return [write_report(source, path)]


# --- the corpus index -------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexEntry:
    """One pair on the corpus index: its alignment, its page (relative link) and its document similarity."""

    alignment: Alignment
    page: str
    similarity: float | None  # None: paired by a pairs file


def index_row(entry: IndexEntry, encoder: Encoder | None = None) -> str:
    """One pair's row on the corpus index: its counts, flags and a small picture (a worker can make it)."""
    e = entry
    a = e.alignment
    c = counts(a)
    types = Counter(p.type for p in a.pairs)
    flags = Counter(code for p in a.pairs for code in p.flag_codes)
    scores = [p.bead.score for p in a.pairs if p.bead.src and p.bead.tgt]
    pic = _picture_svg(a, similarity_picture(a, encoder, cells=80), 120, interactive=False, link=e.page)
    sim = "" if e.similarity is None else f"{e.similarity:.3f}"
    return (f'<tr><td>{pic}</td><td><a href="{_e(e.page)}" dir="auto">{_e(a.src.name)}<br>↔ {_e(a.tgt.name)}</a>'
            f'</td><td>{_e(a.src.lang)}→{_e(a.tgt.lang)}</td><td class="num">{sim}</td>'
            f'<td class="num">{c.beads}</td><td>{_e(", ".join(f"{t} {n}" for t, n in sorted(types.items())))}</td>'
            f'<td class="num">{(sum(scores) / len(scores)) if scores else 0:.3f}</td>'
            f'<td class="num">{c.flagged}</td><td class="num err">{c.errors}</td><td class="num">{c.uncertain}</td>'
            f'<td>{_e(", ".join(f"{k} {n}" for k, n in sorted(flags.items())))}</td></tr>')


def index_page(rows: Sequence[str], *, title: str = "alignments", signature: str = "") -> str:
    """The corpus index page from its rows (``index_row``)."""
    head, tail = index_page_parts(len(rows), title=title, signature=signature)
    return head + "".join(rows) + tail


def index_page_parts(count: int, *, title: str = "alignments", signature: str = "") -> tuple[str, str]:
    """The index page of ``count`` rows as the text before its rows and the text after them."""
    body = (f"<h1>{_e(title)}</h1><p class=\"sub\">{count} document pairs · {_e(signature)}</p>"
            '<table class="index"><thead><tr><th>picture</th><th>pair</th><th>languages</th><th>doc similarity</th>'
            "<th>beads</th><th>types</th><th>mean score</th><th>flagged</th><th>errors</th><th>uncertain</th>"
            "<th>flags</th></tr></thead><tbody>")
    head, _, tail = _page(title, body + "\x00").rpartition("\x00")
    return head, "</tbody></table>" + tail


def build_index(entries: Sequence[IndexEntry], *, title: str = "alignments", encoder: Encoder | None = None,
                signature: str = "") -> str:
    """The corpus index page: one row per pair with its counts, flags and a small picture."""
    return index_page([index_row(e, encoder) for e in entries], title=title, signature=signature)


def write_index(path: str | os.PathLike[str], entries: Sequence[IndexEntry], **options: object) -> Path:
    """Write the corpus index page (see ``build_index``) atomically."""
    atomic_write_text(path, build_index(entries, **options))  # type: ignore[arg-type]
    return Path(path)


def write_corpus_pages(out_dir: str | os.PathLike[str], items: Sequence[tuple[Alignment, str, float]],
                       encoder: Encoder | None = None, signature: str = "") -> list[Path]:
    """One page per (alignment, its TSV's file name, document similarity), then ``index.html`` linking them."""
    out = Path(out_dir)
    entries = []
    for alignment, tsv, similarity in items:
        page = Path(tsv).with_suffix(".html").name
        write_report(alignment, out / page, encoder=encoder)
        entries.append(IndexEntry(alignment, page, similarity))
    write_index(out / "index.html", entries, encoder=encoder, signature=signature)
    return [out / e.page for e in entries] + [out / "index.html"]


_CSS = """
:root{--err:#c62828;--warn:#e08a00;--info:#1565c0;--line:#ddd;--muted:#666}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0 auto;
 padding:12px 20px;max-width:1600px;color:#222;background:#fff}
h1{font-size:18px;margin:4px 0}.arrow{color:var(--muted)}.sub,.sig{color:var(--muted);margin:2px 0 8px}
.sig{font:11px monospace;word-break:break-all}
.top{display:flex;gap:24px;align-items:flex-start;flex-wrap:wrap}.side{flex:1;min-width:280px}
svg.matrix{border:1px solid #bbb;cursor:crosshair;display:block;background:#fff}
svg .path{fill:none;stroke:#e53935;stroke-width:1.6;vector-effect:non-scaling-stroke;opacity:.85}
svg .skip{fill:#d50000;opacity:.9}svg .unsure{fill:none;stroke:#ff9800;stroke-width:3;vector-effect:non-scaling-stroke}
.how{max-width:640px;margin:0 0 8px;color:#444}
.legend{font-size:12px;color:var(--muted);margin:4px 0}
.lg{display:inline-block;width:14px;height:8px;vertical-align:middle;margin-left:6px}
.lg.path{border-top:2px solid #e53935;height:0}.lg.skip{background:#d50000}.lg.unsure{border:2px solid #ff9800}
table.counts{border-collapse:collapse;font-size:13px}table.counts td,table.counts th{padding:1px 10px 1px 0;
 text-align:left}
.num{font-variant-numeric:tabular-nums}
.filters{position:sticky;top:0;background:#fff;padding:8px 0;border-bottom:2px solid #333;z-index:2;margin-top:8px}
.filters label{margin-right:18px;cursor:pointer}
.bead{display:grid;grid-template-columns:150px 1fr 1fr 300px;gap:12px;padding:6px 8px;border-bottom:1px solid
 var(--line);border-left:5px solid transparent;content-visibility:auto;contain-intrinsic-size:auto 60px;
 scroll-margin-top:56px}
.bead.head{font-weight:600;color:var(--muted);font-size:12px;content-visibility:visible}
.bead.sev-error{border-left-color:var(--err)}.bead.sev-warning{border-left-color:var(--warn)}
.bead.sev-info{border-left-color:var(--info)}.bead.skip .text{background:#fff5f5}
.bead:target,.bead.hit{background:#fff8c4;outline:2px solid #f9a825}
.meta{font-size:12px;color:var(--muted);display:flex;flex-wrap:wrap;gap:2px 8px;align-content:flex-start}
.meta .k{font-weight:700;color:#222;text-decoration:none;min-width:2.2em}.ids{font-family:monospace}
.type{font-weight:600;color:#333}
.conf{display:inline-block;width:60px;height:7px;background:#eee;border-radius:4px;overflow:hidden;
 vertical-align:middle;margin-top:6px}
.conf span{display:block;height:100%;background:#43a047}.uncertain .conf span{background:#ff9800}
.gap{color:var(--muted);padding:0 2px}
.text{white-space:pre-wrap;overflow-wrap:anywhere}.none{color:#aaa;font-style:italic}
.flags ul{margin:0;padding:0;list-style:none}.flag{font-size:12px;padding:2px 6px;margin:0 0 3px;border-radius:3px}
.flag b{font-weight:600}.more{font-size:12px;color:var(--muted);margin:0 0 3px 6px}
.more summary{cursor:pointer}
.flag.error{background:#fdecea;color:#8e0000}.flag.warning{background:#fff4e0;color:#7a4a00}
.flag.info{background:#e8f0fe;color:#0d3c8c}
.repair{font-size:13px;padding:2px 6px;background:#f5f5f5;border-radius:3px;margin-top:3px}
.repair .lbl{font-size:11px;color:var(--muted);text-transform:uppercase}
del{background:#ffcdd2;color:#b71c1c;text-decoration:line-through 2px}
ins{background:#c8e6c9;color:#1b5e20;text-decoration:none;font-weight:700;outline:1px solid #66bb6a}
mark{border-radius:2px;padding:0 1px;color:inherit}
mark.w-del{background:#ffd7d7;text-decoration:line-through #c62828}mark.w-ins{background:#d4f5d4}
mark.w-num{background:#ffe082;outline:1px solid #f57f17;font-weight:600}
mark.w-name{background:none;border-bottom:2px dotted #6a1b9a}
mark.w-dmg{background:#ffcdd2;color:#b71c1c;font-weight:700;outline:1px solid #e57373}
mark.w-orphan{background:#e1bee7;text-decoration:underline wavy #8e24aa}
.note{background:#fff4e0;padding:4px 8px;border-radius:3px}
details.excluded{margin:6px 0;font-size:13px}
body[data-show=flagged] .bead:not(.flagged):not(.head),body[data-show=errors] .bead:not(.sev-error):not(.head),
body[data-show=uncertain] .bead:not(.uncertain):not(.head){display:none}
table.index{border-collapse:collapse}table.index td,table.index th{border-bottom:1px solid var(--line);
 padding:6px 10px;text-align:left;vertical-align:middle}.err{color:var(--err);font-weight:600}
@media print{
 body{max-width:none;padding:0;font-size:10pt}.filters,.legend,.how,svg.matrix{display:none}
 .top{display:block}.bead{grid-template-columns:90px 1fr 1fr 200px;break-inside:avoid;content-visibility:visible;
  padding:3px 0}
 .bead:target,.bead.hit{background:none;outline:none}
 mark,del,ins,.flag,.conf,.conf span,.bead{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 a{color:inherit;text-decoration:none}
}
"""

# Filters, and a click on the picture jumps to the bead under the pointer (or the nearest one).
_SCRIPT = """
(function(){
var spans=__SPANS__;
document.querySelectorAll('.filters input').forEach(function(r){
 r.addEventListener('change',function(){document.body.dataset.show=r.value;});});
var svg=document.querySelector('svg.matrix');if(!svg)return;
svg.addEventListener('click',function(ev){
 if(ev.target.closest('a'))return;
 var pt=svg.createSVGPoint();pt.x=ev.clientX;pt.y=ev.clientY;
 var p=pt.matrixTransform(svg.getScreenCTM().inverse()),best=-1,bd=1e18;
 for(var k=0;k<spans.length;k++){var s=spans[k],d=0;
  if(s[0]>=0){d+=Math.max(0,s[0]-p.y,p.y-(s[0]+s[1]));}
  if(s[2]>=0){d+=Math.max(0,s[2]-p.x,p.x-(s[2]+s[3]));}
  if(s[0]<0||s[2]<0)d+=0.5;
  if(d<bd){bd=d;best=k;}}
 if(best>=0){location.hash='#b'+best;}
});
window.addEventListener('hashchange',function(){
 var row=document.getElementById(location.hash.slice(1));if(!row)return;
 if(getComputedStyle(row).display==='none'){document.querySelector('.filters input[value=all]').click();}
 row.scrollIntoView({block:'center'});});
})();
"""

__all__ = ["IndexEntry", "PageCounts", "bead_marks", "build_index", "build_report", "counts",
           "similarity_picture", "write_corpus_pages", "write_index", "write_report"]
