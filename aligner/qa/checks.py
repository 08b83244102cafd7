"""The QA stage: every aligned pair is checked and gets its flags.

Entry points: ``check_alignment(alignment)`` (what the pipeline calls) and
``check_pairs(pairs, ...)`` (the same checks on pairs built any other way).

Checks that need the whole document run here: the charset that damaged the
target is inferred from *all* its artifacts at once (one lost „ is weak
evidence, thirteen are not); the expected length ratio and the similarity
distribution are the document's own, so "much shorter than predicted" and
"diverges more than the other pairs" adapt to the language pair and to the
encoder. Checks that need the encoder (low similarity, a sentence swallowed
inside a merged bead) use the alignment's own encoder and are skipped when it
cannot be loaded.

When several repairs apply to one side of a pair, every repairing flag carries
the cumulative suggestion (all repairs applied), so ``AlignedPair.repair`` is
the fully repaired text.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from aligner.qa.catalogue import severity_of
from aligner.qa.encoding import (
    CharsetGuess,
    Damage,
    describe,
    detect_damage,
    document_vocabulary,
    infer_charset,
    repair_text,
)
from aligner.qa.numbers import compare_numbers
from aligner.qa.punctuation import apply_punctuation_repairs, check_punctuation
from aligner.types import AlignedPair, Alignment, Document, Flag, Side

if TYPE_CHECKING:
    from aligner.encoders import Encoder


@dataclass(frozen=True)
class QAConfig:
    """Thresholds of the checks (robust z-scores are in units of the document's own spread)."""

    # low-similarity: robust z-score of a pair's score below which it is flagged ...
    low_similarity_z: float = -3.0
    # ... and it must also be this far below the document's median score (absolute floor)
    low_similarity_gap: float = 0.2
    # omission/addition by length: |log(len ratio / document ratio)| above this ...
    length_log_ratio: float = math.log(2.2)
    # ... and the shorter side must be missing at least this many characters
    length_min_chars: int = 40
    # a segment inside a merged bead is swallowed when dropping it costs less than this similarity
    merge_drop_tolerance: float = 0.02
    # ... and its own similarity to the other side is this far below the document's median
    merge_segment_gap: float = 0.25
    # language checks: letters a segment needs, and lingua's confidence for the other language
    language_min_letters: int = 20
    language_min_confidence: float = 0.9
    # ... against the pair's languages, those of the documents and those the cheap first reading gave
    # more than this (bench/langid.py: fewer rivals inflate lingua's confidence in the one left; 0.05
    # lost precision on untranslated)
    language_rival: float = 0.0
    # uncertain-alignment: a bead whose confidence (aligner/confidence.py) is below this is more
    # likely cut wrong than right. Text+Berg: 10 of 435 dev beads flagged (half of them wrong),
    # 25 of 906 test beads (80% wrong); see bench/textberg.py.
    uncertain_below: float = 0.5


@dataclass(frozen=True)
class ExclusionFinding:
    """A finding about text the pipeline kept out of the alignment (not part of any pair)."""

    code: str
    side: Side
    text: str
    message: str

    @property
    def severity(self) -> str:
        return severity_of(self.code)


def _flag(code: str, message: str, side: Side, suggestion: str | None = None) -> Flag:
    return Flag(code=code, severity=severity_of(code), message=message, side=side, suggestion=suggestion)


def _short(text: str, n: int = 60) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= n else text[:n - 1] + "…"


# ---------------------------------------------------------------------------
# per side: encoding damage + punctuation (they share the cumulative suggestion)


def _side_flags(text: str, lang: str, side: Side, damages: Sequence[Damage], charset: CharsetGuess | None,
                raw: str | None) -> list[Flag]:
    """The encoding-damage and punctuation flags of one side (``damages``: ``detect_damage`` of it)."""
    if not text:
        return []
    repaired = repair_text(text, damages)
    issues = check_punctuation(repaired, lang, raw)
    final = apply_punctuation_repairs(repaired, issues)
    suggestion = final if final != text else None
    flags: list[Flag] = []
    for d in damages:
        flags.append(_flag("encoding-damage", describe(d, text, charset), side,
                           suggestion if d.repairable else None))
    for issue in issues:
        flags.append(_flag("punctuation", issue.message, side,
                           suggestion if issue.replacement is not None else None))
    return flags


def document_charset(doc: Document, other: Document | None = None) -> CharsetGuess:
    """The charset that damaged ``doc``, inferred from every artifact in its segments."""
    vocab = document_vocabulary(doc.text)
    lost: list[str] = []
    for seg in doc.segments:
        lost.extend(d.lost for d in detect_damage(seg.text, doc.lang, vocabulary=vocab) if d.repairable)
    return infer_charset(doc.text, lost)


# ---------------------------------------------------------------------------
# omission / addition


def length_ratio(pairs: Sequence[AlignedPair]) -> float:
    """The document's target/source length ratio (median over aligned pairs)."""
    ratios = [len(p.tgt) / len(p.src) for p in pairs if p.src and p.tgt and len(p.src) >= 20]
    return statistics.median(ratios) if ratios else 1.0


def _omission_flags(pair: AlignedPair, ratio: float, cfg: QAConfig) -> list[Flag]:
    if pair.src and not pair.tgt:
        return [_flag("omission", f"source '{_short(pair.src)}' has no counterpart in the target", "src")]
    if pair.tgt and not pair.src:
        return [_flag("addition", f"target '{_short(pair.tgt)}' has no counterpart in the source", "tgt")]
    if not pair.src or not pair.tgt:
        return []
    expected_tgt = len(pair.src) * ratio
    log_gap = math.log(len(pair.tgt) / expected_tgt)
    if log_gap < -cfg.length_log_ratio and expected_tgt - len(pair.tgt) >= cfg.length_min_chars:
        return [_flag("omission", f"target is {len(pair.tgt)} chars where the source predicts ~{expected_tgt:.0f}: "
                                  "part of the source is probably missing", "tgt")]
    if log_gap > cfg.length_log_ratio and len(pair.tgt) - expected_tgt >= cfg.length_min_chars:
        return [_flag("addition", f"target is {len(pair.tgt)} chars where the source predicts ~{expected_tgt:.0f}: "
                                  "it probably says more than the source", "tgt")]
    return []


def _merged_flags(src_texts: Sequence[str], tgt_texts: Sequence[str], encoder: Encoder,
                  median_score: float, cfg: QAConfig, joiner: tuple[str, str]) -> list[Flag]:
    """A sentence inside a merged bead whose removal does not lower the bead's similarity: it has no
    counterpart (the aligner merged it rather than leave it alone, e.g. a title or a "click here" line).

    The bead, each side without one of its sentences and each sentence alone are embedded as the
    aligner embeds a run of sentences (``encode_joined``: from the sentences' pooled token sums,
    which the alignment has already computed), or else by encoding the joined text.
    """
    flags: list[Flag] = []
    sides: tuple[tuple[Side, Sequence[str], Sequence[str], str, str], ...] = (
        ("src", src_texts, tgt_texts, joiner[0], joiner[1]), ("tgt", tgt_texts, src_texts, joiner[1], joiner[0]))
    for side, mine, other, sep, other_sep in sides:
        if len(mine) < 2 or not other:
            continue
        rest = [[t for j, t in enumerate(mine) if j != k] for k in range(len(mine))]
        vecs = _embed_groups(encoder, [list(other), list(mine), *rest, *([t] for t in mine)],
                             [other_sep] + [sep] * (1 + 2 * len(mine)))
        o = vecs[0]
        sim_full = float(vecs[1] @ o)
        for k in range(len(mine)):
            sim_rest = float(vecs[2 + k] @ o)
            sim_k = float(vecs[2 + len(mine) + k] @ o)
            if sim_rest >= sim_full - cfg.merge_drop_tolerance and sim_k < median_score - cfg.merge_segment_gap:
                code = "omission" if side == "src" else "addition"
                where = "target" if side == "src" else "source"
                flags.append(_flag(code, f"{'source' if side == 'src' else 'target'} '{_short(mine[k])}' has no "
                                         f"counterpart in the {where} (merged into this pair; similarity "
                                         f"{sim_k:.2f}, without it {sim_rest:.2f} vs {sim_full:.2f})",
                                   side))
    return flags


def _embed_groups(encoder: Encoder, groups: list[list[str]], seps: list[str]) -> Any:
    """Embeddings of each group of texts as one text (``seps[i]`` joins group i's texts where they
    are encoded as a joined text: an encoder with no ``encode_joined``, or one that cannot pool)."""
    joined = getattr(encoder, "encode_joined", None)
    if joined is not None:
        return joined(groups, seps)
    return encoder.encode([sep.join(g) for g, sep in zip(groups, seps)])


# ---------------------------------------------------------------------------
# language


def _document_language_flags(pairs: Sequence[AlignedPair], src_lang: str, tgt_lang: str,
                             languages: Sequence[str], cfg: QAConfig, present: Sequence[str]) -> list[list[Flag]]:
    """``_language_flags`` of every pair, the first reading of all their sides taken in one lingua batch."""
    from aligner.langid import confidences_of, letters

    wanted = {(k, side): text for k, p in enumerate(pairs) for side, text in (("src", p.src), ("tgt", p.tgt))
              if text and letters(text) >= cfg.language_min_letters}
    texts = list(dict.fromkeys(wanted.values()))
    read = dict(zip(texts, confidences_of(texts, _in_play(src_lang, tgt_lang, languages), low_accuracy=True)))
    return [_language_flags(p, src_lang, tgt_lang, languages, cfg, present,
                            {side: read[wanted[k, side]] for side in ("src", "tgt") if (k, side) in wanted})
            for k, p in enumerate(pairs)]


def _in_play(src_lang: str, tgt_lang: str, languages: Sequence[str]) -> tuple[str, ...]:
    from aligner.config import DEFAULT_LANGUAGES

    return tuple(dict.fromkeys((src_lang, tgt_lang, *(languages or DEFAULT_LANGUAGES))))


def _language_flags(pair: AlignedPair, src_lang: str, tgt_lang: str, languages: Sequence[str],
                    cfg: QAConfig, present: Sequence[str] = (),
                    screens: dict[str, dict[str, float]] | None = None) -> list[Flag]:
    """A side in another language than its document's, or a target left in the source language.

    Each side is first read in lingua's low-accuracy mode against every language in play
    (``languages``: cheap, it loads trigram models only); a side that reading finds in its own
    language is settled (a flag needs both readings). The others get lingua's verdict
    (high-accuracy mode below ``LONG_TEXT`` characters) against the pair's two languages, those its
    documents' paragraphs are in (``present``) and those the first reading gave more than
    ``language_rival``. ``screens``: the first reading of each side that has the letters the check
    needs, when it was taken already.
    """
    from aligner.langid import best_of, confidences, letters

    flags: list[Flag] = []
    if src_lang != tgt_lang and pair.src and pair.tgt:
        a = re.sub(r"\W+", " ", pair.src).strip().lower()
        b = re.sub(r"\W+", " ", pair.tgt).strip().lower()
        if a == b and letters(pair.tgt) >= 10:
            return [_flag("untranslated", f"target is the source text, unchanged ('{_short(pair.tgt)}')", "tgt")]
    in_play = _in_play(src_lang, tgt_lang, languages)
    for side, text, lang in (("src", pair.src, src_lang), ("tgt", pair.tgt, tgt_lang)):
        if screens is not None:
            if side not in screens:
                continue
            screen = screens[side]
        elif not text or letters(text) < cfg.language_min_letters:
            continue
        else:
            screen = confidences(text, in_play, low_accuracy=True)
        if best_of(screen)[0] == lang:
            continue  # settled: a flag needs both readings to find another language
        seen = [c for c in in_play if screen.get(c, 0.0) > cfg.language_rival]
        matter = tuple(dict.fromkeys((src_lang, tgt_lang, *present, *seen)))
        if len(matter) < 2:  # the document's language is the only one around
            continue
        found, conf = best_of(confidences(text, matter))
        if found == lang or conf < cfg.language_min_confidence:
            continue
        if side == "tgt" and found == src_lang and src_lang != tgt_lang:
            flags.append(_flag("untranslated", f"target is in {found}, the source language, not {lang} "
                                               f"(lingua {conf:.2f})", "tgt"))
        else:
            flags.append(_flag("other-language", f"{'source' if side == 'src' else 'target'} is in {found}, "
                                                 f"not {lang} (lingua {conf:.2f})", side))  # type: ignore[arg-type]
    return flags


def exclusion_findings(alignment: Alignment) -> list[ExclusionFinding]:
    """Text the pipeline excluded for being in another language: reported, never silently dropped."""
    out: list[ExclusionFinding] = []
    for side, doc, other in (("src", alignment.src, alignment.tgt), ("tgt", alignment.tgt, alignment.src)):
        for ex in doc.exclusions:
            if ex.reason != "other-language":
                continue
            untranslated = side == "tgt" and ex.lang == other.lang and other.lang != doc.lang
            code = "untranslated" if untranslated else "other-language"
            out.append(ExclusionFinding(code, side, ex.text,  # type: ignore[arg-type]
                                        f"{'source' if side == 'src' else 'target'} text in {ex.lang or '?'}, "
                                        f"not {doc.lang}, left out of the alignment: '{_short(ex.text)}'"))
    return out


# ---------------------------------------------------------------------------
# similarity


def _robust(values: Sequence[float]) -> tuple[float, float]:
    med = statistics.median(values)
    mad = statistics.median(abs(v - med) for v in values) * 1.4826
    return med, max(mad, 0.02)


def _low_similarity_flags(pairs: Sequence[AlignedPair], cfg: QAConfig) -> dict[int, Flag]:
    """Pairs whose score is an outlier of the document's own score distribution."""
    scored = [(k, p.bead.score) for k, p in enumerate(pairs) if p.src and p.tgt]
    if len(scored) < 5:
        return {}
    med, spread = _robust([s for _, s in scored])
    out: dict[int, Flag] = {}
    for k, s in scored:
        z = (s - med) / spread
        if z < cfg.low_similarity_z and s < med - cfg.low_similarity_gap:
            out[k] = _flag("low-similarity", f"similarity {s:.2f} against a document median of {med:.2f} "
                                             f"(z = {z:.1f}): loose or wrong translation?", "both")
    return out


def _uncertain_flags(pair: AlignedPair, cfg: QAConfig) -> list[Flag]:
    """A bead the aligner itself doubts: other ways of cutting this stretch scored almost as well."""
    sure = pair.bead.confidence
    if sure is None or sure >= cfg.uncertain_below:
        return []
    if pair.src and pair.tgt:
        what = f"this {pair.type} bead is more likely cut wrong than right"
    else:
        what = "this sentence may have a counterpart in a neighbouring row"
    return [_flag("uncertain-alignment", f"alignment confidence {sure:.2f}: {what}; "
                                         f"check it against the rows around it", "both")]


# ---------------------------------------------------------------------------
# orchestration


def _get_encoder(name: object) -> Encoder | None:
    if not isinstance(name, str) or not name:
        return None
    from aligner.encoders import get_encoder
    from aligner.errors import AlignerError

    try:
        return get_encoder(name)
    except AlignerError:
        return None


def check_pairs(pairs: Sequence[AlignedPair], src_lang: str, tgt_lang: str, *,
                src_doc: Document | None = None, tgt_doc: Document | None = None,
                encoder: Encoder | None = None, languages: Sequence[str] = (),
                config: QAConfig = QAConfig()) -> list[AlignedPair]:
    """``pairs`` with their flags filled (existing flags are replaced).

    The documents, when given, supply the raw text (doubled spaces), the
    segment texts of merged beads, the vocabulary for lost letters and the
    languages their paragraphs are in (the language checks weigh those); the
    encoder enables the merged-bead omission check. ``languages``: the languages
    in play (default ``DEFAULT_LANGUAGES``).
    """
    return _checked(pairs, src_lang, tgt_lang, src_doc, tgt_doc, encoder, languages, config)[0]


def _checked(pairs: Sequence[AlignedPair], src_lang: str, tgt_lang: str, src_doc: Document | None,
             tgt_doc: Document | None, encoder: Encoder | None, languages: Sequence[str],
             config: QAConfig) -> tuple[list[AlignedPair], dict[str, CharsetGuess | None]]:
    """``check_pairs``, and the charset inferred for each side.

    The language checks are lingua's work, which runs without the GIL: they run in the language
    thread (``aligner.langid.soon``) while this thread does the other checks.
    """
    from aligner.langid import soon

    language = soon(_document_language_flags, pairs, src_lang, tgt_lang, languages, config,
                    _document_languages(src_doc, tgt_doc))
    try:
        return _other_checks(pairs, src_lang, tgt_lang, src_doc, tgt_doc, encoder, config, language)
    finally:
        wait([language])  # (never left running: a process may fork next)


def _other_checks(pairs: Sequence[AlignedPair], src_lang: str, tgt_lang: str, src_doc: Document | None,
                  tgt_doc: Document | None, encoder: Encoder | None, config: QAConfig,
                  language: Future[list[list[Flag]]]) -> tuple[list[AlignedPair], dict[str, CharsetGuess | None]]:
    """Every check but the language ones, and the pairs with all their flags once ``language`` is done."""
    src_vocab = document_vocabulary(src_doc.text if src_doc else " ".join(p.src for p in pairs))
    tgt_vocab = document_vocabulary(tgt_doc.text if tgt_doc else " ".join(p.tgt for p in pairs))
    damages = {
        "src": [detect_damage(p.src, src_lang, source=p.tgt or None, vocabulary=src_vocab) if p.src else []
                for p in pairs],
        "tgt": [detect_damage(p.tgt, tgt_lang, source=p.src or None, vocabulary=tgt_vocab) if p.tgt else []
                for p in pairs],
    }
    charsets = {
        "src": _charset_of(pairs, "src", damages["src"], src_doc),
        "tgt": _charset_of(pairs, "tgt", damages["tgt"], tgt_doc),
    }
    ratio = length_ratio(pairs)
    scores = [p.bead.score for p in pairs if p.src and p.tgt]
    median_score = statistics.median(scores) if scores else 0.0
    low = _low_similarity_flags(pairs, config)
    joiner = (" " if src_lang not in ("zh", "ja") else "", " " if tgt_lang not in ("zh", "ja") else "")
    found: list[list[Flag]] = []
    for k, pair in enumerate(pairs):
        flags: list[Flag] = []
        src_raw = _raw(src_doc, pair.bead.src)
        tgt_raw = _raw(tgt_doc, pair.bead.tgt)
        flags += _side_flags(pair.tgt, tgt_lang, "tgt", damages["tgt"][k], charsets["tgt"], tgt_raw)
        flags += _side_flags(pair.src, src_lang, "src", damages["src"][k], charsets["src"], src_raw)
        if pair.src and pair.tgt:
            mismatch = compare_numbers(pair.src, pair.tgt, src_lang, tgt_lang)
            if mismatch is not None:
                flags.append(_flag("number-mismatch", mismatch.message(), "both"))
        flags += _omission_flags(pair, ratio, config)
        if encoder is not None and src_doc is not None and tgt_doc is not None and (
                len(pair.bead.src) > 1 or len(pair.bead.tgt) > 1):
            flags += _merged_flags([src_doc.segments[i].text for i in pair.bead.src],
                                   [tgt_doc.segments[j].text for j in pair.bead.tgt], encoder, median_score,
                                   config, joiner)
        found.append(flags)
    out: list[AlignedPair] = []
    for k, (pair, flags, in_language) in enumerate(zip(pairs, found, language.result())):
        flags += in_language
        if k in low:
            flags.append(low[k])
        flags += _uncertain_flags(pair, config)
        out.append(replace(pair, flags=tuple(flags)))
    return out, charsets


def _document_languages(*docs: Document | None) -> tuple[str, ...]:
    """The languages the documents' paragraphs were found in (their runs and exclusions)."""
    found: dict[str, None] = {}
    for doc in docs:
        if doc is not None:
            found.update(dict.fromkeys([doc.lang, *(r.lang for r in doc.runs),
                                        *(x.lang for x in doc.exclusions if x.lang)]))
    return tuple(found)


def _raw(doc: Document | None, ids: Sequence[int]) -> str | None:
    if doc is None or not ids:
        return None
    return "\n".join(doc.text[doc.segments[i].start:doc.segments[i].end] for i in ids)


def _charset_of(pairs: Sequence[AlignedPair], side: str, damages: Sequence[Sequence[Damage]],
                doc: Document | None) -> CharsetGuess | None:
    """The charset that damaged this side, from the artifacts of all its pairs (``damages``, one list a pair)."""
    lost = [d.lost for found in damages for d in found if d.repairable]
    if not lost:
        return None
    return infer_charset(doc.text if doc else " ".join(getattr(p, side) for p in pairs), lost)


def check_alignment(alignment: Alignment, *, encoder: Encoder | None = None,
                    config: QAConfig = QAConfig(), languages: Sequence[str] = ()) -> Alignment:
    """A copy of ``alignment`` with every pair's flags filled, and the QA summary in ``meta["qa"]``.

    ``languages``: the languages in play (default ``DEFAULT_LANGUAGES``), as the documents were read with.
    """
    enc = encoder or _get_encoder(alignment.meta.get("encoder"))
    pairs, charsets = _checked(alignment.pairs, alignment.src.lang, alignment.tgt.lang, alignment.src,
                               alignment.tgt, enc, languages, config)
    findings = exclusion_findings(alignment)
    meta: dict[str, Any] = dict(alignment.meta)
    counts: dict[str, int] = {}
    for p in pairs:
        for f in p.flags:
            counts[f.code] = counts.get(f.code, 0) + 1
    for x in findings:
        counts[x.code] = counts.get(x.code, 0) + 1
    charset = charsets["tgt"]
    meta["qa"] = {
        "counts": counts,
        "exclusions": [{"code": x.code, "side": x.side, "message": x.message} for x in findings],
        "tgt_charset": charset.name if charset else None,
    }
    return replace(alignment, pairs=tuple(pairs), meta=meta)


__all__ = ["QAConfig", "ExclusionFinding", "check_alignment", "check_pairs", "exclusion_findings",
           "document_charset", "Damage"]
