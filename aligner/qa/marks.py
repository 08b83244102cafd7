"""What each ``?`` a lossy conversion left was: decided from evidence, or flagged with its candidates.

A ``?`` is read from, in this order of weight:

* the charset the document went through (``Profile.codec``, inferred from the
  non-ASCII characters that survived anywhere in it): only characters that
  charset cannot hold can have become ``?`` (umlauts intact and „ “ gone is
  Latin-1, so a ``?`` inside a word is an apostrophe or a dash, not a letter;
  „ intact is cp1252, so a ``?`` before a word is not a lost quote);
* its position: between digits, between a digit and a unit, between spaces,
  at a line start, at a word start, inside a word, at a word end, after
  punctuation, next to a guillemet;
* quote pairing in the segment: an opener needs a closer, nested quotes
  alternate, the house style the document kept intact (»…« or "…" surviving
  means a lost quote is the inner one);
* the aligned source segment: a ``?``, a dash, a bullet, ‰, ™ or … there;
* for a lost letter, the document's own words, then the language's word
  frequencies (``wordfreq``), then the source's words (names);
* a genuine question's signs: a sentence end (a capital or the end follows),
  the source asking too.

When the evidence leaves more than one reading, the damage is flagged with the
candidates and no repair.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from aligner.qa.charset import LOST, encodable
from aligner.qa.wordlist import _plain_in, best_fill, document_fill

NBSP, NNBSP = "\u00a0", "\u202f"
# house styles: (double open, double close, single open, single close), most usual first
STYLES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "de": (("„", "“", "‚", "‘"), ("»", "«", "›", "‹")),
    "fr": (("«", "»", "“", "”"), ("“", "”", "‘", "’")),
    "it": (("«", "»", "“", "”"), ("“", "”", "‘", "’")),
    "en": (("“", "”", "‘", "’"), ("‘", "’", "“", "”")),
}
DEFAULT_STYLE = (("“", "”", "‘", "’"),)
# letters a lossy conversion can take from each language
LETTERS = {
    "de": "äöüßÄÖÜéè",
    "fr": "éèêëàâîïôûùüçœæÉÈÊÀÂÎÔÇŒ",
    "it": "àèéìíòóùÀÈÉÌÒÙ",
    "en": "éèëïçñ",
    "es": "áéíóúñüÁÉÍÓÚÑ¿¡",
    "nl": "éëïöüè",
    "pt": "áâãàçéêíóôõúÁÉÍÓÚÇ",
}
# French and Italian elisions (l’homme, dell’anno), English and German clitics (don’t, geht’s)
ELIDED = {
    "fr": {"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu",
           "quelqu", "aujourd"},
    "it": {"l", "d", "dell", "all", "dall", "nell", "sull", "coll", "un", "quest", "quell", "c", "s", "m", "t",
           "v", "n", "po", "tutt", "bell", "sant", "mezz", "nessun", "alcun", "buon", "com", "dov", "anch"},
}
CLITICS = {"en": {"s", "t", "re", "ve", "ll", "d", "m"}, "de": {"s"}}
UNITS = re.compile(r"(?:k?m|cm|mm|kg|g|h|min|s|l|ml|Fr|CHF|EUR|km/h)\b")


@dataclass(frozen=True)
class Profile:
    """What a whole document says about its damage: the charset, and the typography that survived."""

    lang: str
    codec: str  # ascii | latin-1 | cp1252 (the narrowest charset that holds what survived)
    survived: frozenset[str]
    straight_quotes: bool  # '"' opens quotes somewhere: the house style is straight
    words: dict[str, int] = field(default_factory=dict)  # lower-cased intact words -> count
    spaced_questions: bool = False  # the document sets a space before its question marks (French)
    # how a word meets ; : ! in the document: "lost" (always through a '?': a no-break space the
    # conversion lost), "plain" (an ordinary space, kept), "" (not known)
    high_space: str = ""

    def lost(self, ch: str) -> bool:
        """Could ``ch`` have become ``?`` in this document's conversion?"""
        return not encodable(ch, self.codec) and ch not in self.survived

    @property
    def styles(self) -> tuple[tuple[str, str, str, str], ...]:
        styles = STYLES.get(self.lang, DEFAULT_STYLE)
        kept = [s for s in styles if s[0] in self.survived or s[1] in self.survived]
        return tuple(kept) or styles


def profile(text: str, lang: str) -> Profile:
    survived = frozenset(ch for ch in text if ord(ch) > 127 and ch.isprintable() and ch not in LOST)
    wide = [ch for ch in survived if not encodable(ch, "latin-1")]
    if wide:
        codec = "cp1252"
    elif any(not ch.isspace() for ch in survived):
        codec = "latin-1"
    else:
        codec = "ascii"
    straight = bool(re.search(r'(?:^|[\s(])"[^\W_]', text)) and text.count('"') >= 2
    words: dict[str, int] = {}
    for w in re.findall(r"(?<![?\ufffd\w])[^\W\d_]+(?![?\ufffd\w])", text):
        words[w.lower()] = words.get(w.lower(), 0) + 1
    spaced = re.search(r"[^\W\d_][ \u00a0\u202f]\?(?=[\s»\"]|$)", text, re.M) is not None
    lost_space = len(re.findall(r"[^\W\d_]\?[;:!]", text))
    plain = len(re.findall(r"[^\W\d_] [;:!]", text))
    glued = len(re.findall(r"[^\W\d_][;:!]", text))
    high = "lost" if lost_space >= 2 and not plain and glued < lost_space else \
        "plain" if plain >= 2 and not lost_space else ""
    # a document that spaces ; : ! spaces its question marks too
    return Profile(lang, codec, survived, straight, words, spaced_questions=spaced or bool(high), high_space=high)


# ---------------------------------------------------------------------------


@dataclass
class Reading:
    """The decision for one ``?``: the replacement (None: genuine), or candidates when undecided."""

    kind: str
    repl: str | None
    evidence: str
    candidates: tuple[str, ...] = ()
    span: tuple[int, int] | None = None  # the artifact to show (defaults to the word around the '?')
    pair: int | None = None  # a quote's other half
    lone: bool = False  # a quote whose other half is in another segment
    weight: float = 9.0  # a lost letter's word frequency (Zipf), to weigh it against other readings


def _is_lost(ch: str) -> bool:
    return ch in LOST


def _word_around(text: str, k: int) -> tuple[int, int]:
    s = k
    while s > 0 and (text[s - 1].isalnum() or text[s - 1] in LOST):
        s -= 1
    e = k + 1
    while e < len(text) and (text[e].isalnum() or text[e] in LOST):
        e += 1
    return s, e


def _source_has(source: str | None, chars: str) -> str | None:
    if not source:
        return None
    return next((c for c in chars if c in source), None)


@dataclass
class _Seg:
    text: str
    prof: Profile
    source: str | None
    out: dict[int, Reading] = field(default_factory=dict)
    ellipses: dict[int, int | None] = field(default_factory=dict)  # word-final '?' -> the source's … there
    dashes: dict[int, int | None] | None = None  # spaced '?' -> the source's dash or '?' there (_dash_evidence)

    def lost(self, ch: str) -> bool:
        return self.prof.lost(ch)


def _quote_events(seg: _Seg, positions: list[int], soft: frozenset[int] = frozenset()) -> dict[int, Reading]:
    """Pair lost opening and closing quotes in the segment (nested quotes alternate).

    ``soft``: openers that may be lost letters instead (?preuve: épreuve); they nest no quote inside them.
    """
    text, prof = seg.text, seg.prof
    # the house style: one whose double quotes survived (then the lost ones are its inner quotes), or
    # the one style of the language whose double quotes this charset loses; several such: undecided
    kept = [st for st in STYLES.get(prof.lang, DEFAULT_STYLE) if st[0] in prof.survived or st[1] in prof.survived]
    if prof.straight_quotes:
        kept = [('"', '"', "‘", "’")]
    losing = [st for st in STYLES.get(prof.lang, DEFAULT_STYLE) if prof.lost(st[0])
              and not (prof.lang == "fr" and st[0] == "«")]  # French « comes with its space: ``??``
    style = kept[0] if kept else (losing[0] if losing else STYLES.get(prof.lang, DEFAULT_STYLE)[0])
    double_kept = bool(kept)
    undecided = not kept and len({st[0] for st in losing}) > 1
    if undecided and seg.source and same_language(text, seg.source):  # a version of the text shows the style
        src = seg.source
        shown = [st for st in losing if st[0] in src and st[1] in src and src.index(st[0]) < src.index(st[1])
                 and st[0] != st[1]]
        if len({st[0] for st in shown}) == 1:
            style, undecided = shown[0], False
    out: dict[int, Reading] = {}
    events: list[tuple[int, str]] = []  # (pos, "open"|"close")
    for k in positions:
        before = text[k - 1] if k > 0 else " "
        after = text[k + 1] if k + 1 < len(text) else " "
        opens = before.isspace() or before in "([/—–-" or k == 0 or \
            (_is_lost(before) and (k < 2 or not text[k - 2].isalnum()))  # m??chap: no quote after m’
        if opens and (after.isalnum() or after in "¿¡"):
            events.append((k, "open"))
        elif before.isalnum() and after.isupper() and after.isalpha() and not _elision(text, k, prof.lang):
            events.append((k, "open-glued"))
        elif before.isalpha() and after.isalpha():
            events.append((k, "open-weak"))  # a quote only if a kept '"' closes it
        elif (before.isalnum() or before in ".,;:!?…)") and (after.isspace() or after in ".,;:!?)-" or
                                                              k + 1 >= len(text) or _is_lost(after)):
            events.append((k, "close"))
    # intact closers after a lost opener (the seed's conversion turned “ into ")
    if not prof.straight_quotes:
        for m in re.finditer(r'(?<=[\w.,!?])"', text):
            events.append((m.start(), "close-kept"))
    events.sort()
    events = [e for j, e in enumerate(events)
              if e[1] != "open-weak" or (j + 1 < len(events) and events[j + 1][1] == "close-kept")]
    stack: list[tuple[int, int]] = []  # (pos, depth)
    k = 0
    orphans: list[int] = []  # closers before any opener of the segment
    while k < len(events):
        pos, what = events[k]
        if what.startswith("open"):
            stack.append((pos, sum(p not in soft for p, _ in stack)))
            k += 1
            continue
        if not stack:
            if what == "close" and not any(w.startswith("open") for _, w in events[:k]):
                orphans.append(pos)
            k += 1
            continue
        # the close candidates up to the next opener: the last ones close, the earlier are something else
        run: list[tuple[int, str]] = []
        j = k
        while j < len(events) and not events[j][1].startswith("open"):
            if run and re.search(r"[“”«»‘’‹›„]", text[run[-1][0] + 1:events[j][0]]):
                break  # an intact quote between two candidates: the quote closed before it
            run.append(events[j])
            j += 1
        closing = run[-len(stack):] if len(run) >= len(stack) else run
        closed_there = [e for e in run if _version_closes(seg, e[0])]
        if len(run) > len(stack) and closed_there and len(closed_there) <= len(stack):
            closing = closed_there  # a version of the text in its language closes its quotes after these words
        elif len(run) > len(stack):
            # more candidates than openers: a '?' after a question mark, or one a question mark cannot be
            # (a lower-case word or a comma follows) closes; several that could each end a question, or
            # stand before another '?', leave the quote open
            firm = [e for e in run if e[1] == "close-kept" or text[e[0] - 1] in LOST or
                    not (_asks(text, e[0]) or _is_lost(text[e[0] + 1:e[0] + 2]))]
            upto = run[:run.index(firm[-1]) + 1] if firm else []
            if 0 < len(firm) < len(stack) and len(upto) == len(stack):
                firm = upto  # the last firm closer closes the outermost, the candidates before it the inner
            if len(firm) < len(stack):
                for opos, depth in stack:
                    o = style[0] if (depth + (1 if double_kept else 0)) % 2 == 0 else style[2]
                    out[opos] = Reading("lost-quote", None, "an opening quote's '?' with several '?' that "
                                        "could close it or end a question", (o,))
                stack.clear()
                k = j
                continue
            closing = firm[-len(stack):]
        for cpos, cwhat in closing:  # the first closes the innermost
            opos, depth = stack.pop()
            level = depth + (1 if double_kept else 0)
            o, c = (style[0], style[1]) if level % 2 == 0 else (style[2], style[3])
            version = _version_quotes(seg, opos, cpos, cwhat)
            if version is not None:  # a version of the text in its language quotes the same words so
                o, c = version
            if not seg.lost(o) and text[opos] in LOST:
                continue
            glue = " " if text[opos - 1:opos].isalnum() else ""
            if events_kind(events, opos) in ("open-glued", "open-weak"):
                glue = " "
            ev = "an opening quote's '?' paired with a closing one in the segment"
            if version is not None:
                ev = f"the same-language source quotes these words with {o}…{c}"
            elif undecided and cwhat != "close-kept":  # a kept '"' closer: the usual style's “ turned straight
                cands = " or ".join(sorted({st[0] + "…" + st[1] if level % 2 == 0 else st[2] + "…" + st[3]
                                            for st in losing}))
                out[opos] = Reading("lost-quote", None, ev + f"; the house style is not known: {cands}",
                                    (cands,), pair=cpos)
                out[cpos] = Reading("lost-quote", None, ev, (), pair=opos)
                if not stack:
                    break
                continue
            if cwhat == "close-kept":
                ev = f"opened by '?' glued to a word, closed by '{text[cpos]}'"
            out[opos] = Reading("lost-quote", glue + o, ev, pair=cpos)
            out[cpos] = Reading("lost-quote", c, ev, pair=opos)
            if not stack:
                break
        k = j
    for opos, depth in stack:
        # ?Der eigentliche … at a line start: a quotation that closes in a later segment (no question mark
        # starts a line, and no letter is lost before a capital), in the one style the charset loses
        if opos not in out and depth == 0 and not text[:opos].strip() and text[opos + 1:opos + 2].isupper() and \
                not undecided and not double_kept and seg.lost(style[0]) and not prof.straight_quotes:
            out[opos] = Reading("lost-quote", style[0], "a '?' glued to a capital at a line start opens a "
                                "quotation that closes in a later segment", lone=True)
    for cpos in orphans:
        # suchen.? Genau: after a full stop or comma no question mark stands, so a quotation opened in an
        # earlier segment closes here
        if text[cpos - 1:cpos] in ".,!" and re.match(r"\s+[A-ZÄÖÜ]|\s*$", text[cpos + 1:]) and \
                not undecided and not double_kept and seg.lost(style[1]) and not prof.straight_quotes:
            out[cpos] = Reading("lost-quote", style[1], "a '?' after a full stop or comma closes a quotation "
                                "opened in an earlier segment", lone=True)
    return out


_QUOTES = "„‚»›“‘«‹”’\"'"


def _version_quotes(seg: _Seg, o: int, c: int, cwhat: str) -> tuple[str, str] | None:
    """The quotes a same-language source (a version of the text) sets around the words between ``o``
    and ``c``, when it quotes them once and the conversion lost both."""
    src, text = seg.source, seg.text
    if not src or cwhat == "close-kept" or c - o < 3 or not same_language(text, src):
        return None
    inner = "".join("." if ch in LOST else re.escape(ch) for ch in text[o + 1:c])
    found = set(re.findall(f"([{_QUOTES}]){inner}([{_QUOTES}])", src))
    if len(found) != 1:
        return None
    q = found.pop()
    return q if seg.lost(q[0]) and seg.lost(q[1]) else None


def _version_closes(seg: _Seg, k: int) -> bool:
    """Whether a same-language source sets a closing quote right after the word that ends at ``k``."""
    src, text = seg.source, seg.text
    if not src or not text[k - 1:k].isalnum():
        return False
    s, _ = _word_around(text, k - 1)
    word = text[s:k]
    if any(ch in LOST for ch in word) or len(word) < 2 or not same_language(text, src):
        return False
    return re.search(rf"(?<![^\W_]){re.escape(word)}[“”»«‘’‹›\"']", src) is not None


def same_language(text: str, source: str) -> bool:
    """Whether ``source`` is a version of ``text`` in its language, not a translation: most of the
    words ``text`` writes intact are the source's words too (a translation's quotes are its own
    language's style, no evidence of this one's)."""
    mine = _intact_words(text)
    return bool(mine) and len(mine & _intact_words(source)) >= 0.5 * len(mine)


def _intact_words(text: str) -> set[str]:
    """The lower-cased words of three letters or more that ``text`` writes with no lost character in or next to them."""
    return {w.lower() for w in re.findall(rf"(?<![{LOST}\w])[^\W\d_]{{3,}}(?![{LOST}\w])", text)}


def _german_elided(text: str, s: int, word: str) -> bool:
    """``hab’``, ``würd’``, ``geh’``: a short verb form that lost its final e (the e-form is a word as
    frequent); a capital inside a sentence is a noun, not an elided verb."""
    from aligner.qa.wordlist import zipf

    if len(word) > 7 or (word[:1].isupper() and not (s == 0 or re.search(r"[.!?:]\s+$|^\W*$", text[:s]))):
        return False
    e_form = zipf(word + "e", "de")
    return e_form >= 3.5 and e_form >= zipf(word, "de") - 0.5


def _asks(text: str, k: int) -> bool:
    """Whether the ``?`` at ``k`` can be a genuine question mark: the text ends or a capital follows."""
    rest = text[k + 1:]
    if text[k - 1:k] in tuple(".,;:!"):
        return False  # 'Berg.?': no question mark follows a full stop
    return rest.strip() == "" or (rest[:1].isspace() and rest.lstrip()[:1].isupper())


_VOWEL_START = "aeiouyhéèêëàâîïôûùœæäöü" + LOST


def _elides(left: str, right: str, lang: str) -> bool:
    """``l’homme``, ``dell’anno``: an elided article or pronoun before a word that starts with a vowel or h
    (``s?racs`` and ``n?palaises`` lost a letter, not an apostrophe)."""
    return left.lower() in ELIDED.get(lang, ()) and right[:1].lower() in _VOWEL_START if lang in ELIDED \
        else left.lower() in ELIDED.get(lang, ())


def _elision(text: str, k: int, lang: str) -> bool:
    s, e = _word_around(text, k)
    left, right = text[s:k].lower(), text[k + 1:e].lower()
    return left in ELIDED.get(lang, ()) or (lang in CLITICS and right in CLITICS[lang])


def events_kind(events: list[tuple[int, str]], pos: int) -> str:
    return next((w for p, w in events if p == pos), "")


def _letter(seg: _Seg, k: int, kind_hint: str = "lost-letter") -> Reading | None:
    """The letter lost at ``k``, from the document, the word list, the source.

    The word is tried whole (``r?sum?``), then without a ``?`` at its edge that
    may be punctuation (``journ?e?;`` is journée and a lost space), then
    without an elided article (``m??chap``).
    """
    text = seg.text
    s0, e0 = _word_around(text, k)
    lang = seg.prof.lang
    rest = text[k + 1:e0]
    if k == s0 and rest[:1].isupper() and not (rest.isupper() and len(rest) >= 3):
        return None  # ?A l’ours: no letter is lost before a capital (unless the word is all capitals)
    starts = [s0]
    for j in range(s0 + 1, min(k, s0 + 8)):  # l?homme's apostrophe is not a letter of homme
        if text[j] == "?" and text[s0:j].lower() in ELIDED.get(lang, ()) and j + 1 < e0:
            starts.append(j + 1)
            break
    ends = [e0]
    while text[ends[-1] - 1] == "?" and ends[-1] - 1 > k:  # premi?re?? : the space and » are not letters
        ends.append(ends[-1] - 1)
    spans: list[tuple[int, int]] = []
    for st in starts:
        a = st
        while True:  # ??Malgr? : the quote and its space are not letters
            spans.extend((a, e) for e in ends)
            if not (a < k and text[a] == "?"):
                break
            a += 1
    spans = list(dict.fromkeys(sp for sp in spans if sp[0] <= k < sp[1]))
    all_letters = LETTERS.get(lang, "")
    letters = "".join(c for c in all_letters if seg.lost(c))
    for s, e in spans:
        word = text[s:e]
        if sum(ch in LOST for ch in word) > 4 or not word.strip("?"):
            continue
        # a word after a '?' starts no sentence here: that '?' may be a lost letter (mis ? ?quiper)
        starts_sentence = (s == 0 or re.search(r"[.!:…]\s+$|^\W*$", text[:s]) is not None) and \
            not re.search(r"\b(?:cf|vgl|bzw|ca|env|etc|resp|s|p|S)\.\s+$", text[:s], re.I)  # (Cf. ?galement
        capital = word[:1].isupper() and not starts_sentence
        # a word the document writes intact is evidence whatever the charset (Au?enminister, Außenministerium)
        fill = document_fill(word, all_letters, seg.prof.words)
        if fill is None and letters:
            fill = best_fill(word, letters, lang, seg.prof.words, seg.source, capital)
        if fill is None:
            continue
        filled, why, weight = fill
        if starts_sentence:
            filled = filled[:1].upper() + filled[1:]
        elif lang == "de" and text[s] in LOST and k == s and not filled[:1].isupper():
            # after an opening quote a title may start (die „Österreichische Himalaya-Gesellschaft“)
            case = None if text[s - 1:s] in LOST + "\"„»«“‚›‹'" and s > 0 else _german_case(text, s, e, filled)
            if case is None:
                return Reading(kind_hint, None, why + "; a noun (capital) or not is not settled",
                               (filled[:1].upper(), filled[:1]), span=(s, e), weight=weight)
            filled = (filled[:1].upper() if case else filled[:1]) + filled[1:]
        return Reading(kind_hint, filled[k - s], why, span=(s, e), weight=weight)
    return None


_DETERMINERS = frozenset(
    "der die das den dem des ein eine einer eines einem einen kein keine keiner keinem keinen keines zum zur "
    "im am vom beim ins ans mein meine meinem meinen meiner sein seine seinem seinen seiner ihr ihre ihrem "
    "ihren ihrer unser unsere unserem unseren unserer dieser diese dieses diesem diesen jeder jede jedes "
    "jedem jeden alle".split())


_ADJECTIVE = re.compile(r"(?:lich|isch|ig|sam|bar|haft)(?:e|en|er|es|em)?$")
_NOUN = re.compile(r"(?:ung|heit|keit|schaft|tion|ität|nis|tum|ling)(?:en|s|se|sen)?$")
# German words that are never nouns, and words after which a noun is rare (a participle, an infinitive follows)
_NOT_NOUNS = frozenset("über übers überm übrigens überhaupt überall überdies äußerst äusserst ähnlich öfter öfters "
                       "ebenso".split())
_BEFORE_VERB = frozenset("zu nicht sich ist sind war waren wird wurde wurden hat hatte hatten haben sehr ganz "
                         "davon".split())
_AFTER_VERB = frozenset("sich er es wir ihr man".split())


def _german_case(text: str, s: int, e: int, filled: str | None = None) -> bool | None:
    """Whether a German word whose first letter was lost is a noun (True: capital), from its neighbours.

    Before a capitalised word or an article it is an adjective or a preposition (die ?sterreichische
    Regierung, ?ber den Berg); after an article, with neither following, a noun (die ?sterreicher waren).
    """
    prev = re.findall(r"[^\W\d_]+", text[:s])[-1:]
    nxt = re.match(r"\s*([^\W\d_]+)", text[e:])
    if _ADJECTIVE.search(text[s:e]) or (filled or "").lower() in _NOT_NOUNS:
        return False  # der ?stliche und der westliche Grat: an adjective, its noun left out
    if _NOUN.search(text[s:e]):
        return True  # ?hnlichkeit, ?bersetzung
    if prev and prev[0].lower() in _BEFORE_VERB or nxt and nxt.group(1) in _AFTER_VERB:
        return False  # nicht ?bertrieben, zu ?berschreiten, ?nderte sich
    if nxt and (nxt.group(1)[:1].isupper() or nxt.group(1).lower() in _DETERMINERS):
        return False
    if prev and prev[0].lower() in _DETERMINERS and re.match(r"\s", text[s - 1:s]):
        return True
    return None


def _word_weight(seg: _Seg, word: str) -> float:
    from aligner.qa.wordlist import zipf

    if len(word) < 2:
        return 0.0
    return max(zipf(word, seg.prof.lang), 4.0 if seg.prof.words.get(word.lower(), 0) > 1 else 0.0)


def _bare_weight(seg: _Seg, k: int) -> float:
    """How much of a word the word around ``k`` is without its ``?`` (Der in ?Der, Throne in Throne?)."""
    from aligner.qa.wordlist import zipf

    s, e = _word_around(seg.text, k)
    bare = seg.text[s:e].replace("?", "")
    if len(bare) < 2:
        return 0.0
    return max(zipf(bare, seg.prof.lang), 4.0 if seg.prof.words.get(bare.lower(), 0) > 1 else 0.0)


def read_marks(text: str, lang: str, source: str | None, prof: Profile,
               free: Callable[[int, int], bool]) -> dict[int, Reading]:
    """A reading for every free ``?`` of ``text``."""
    seg = _Seg(text, prof, source)
    positions = [m.start() for m in re.finditer(r"\?", text) if free(m.start(), m.start() + 1)]
    if not positions:
        return {}
    if source and prof.lost("…"):
        marks = [m.start() for m in re.finditer(r"…|\.\.\.|(?<=[^\W\d_])\.\.(?!\.)", source)]
        slots = [m.start() for m in re.finditer(r"(?<=[^\W\d_])\?(?=\s|$)", text)]
        seg.ellipses = align_marks(text, slots, source, marks) if marks else {}
    ellipsis = {k for k, j in seg.ellipses.items() if j is not None}
    out: dict[int, Reading] = _guillemet_runs(seg, positions) if lang == "fr" else {}
    # a '?' starting a word that reads as a lost letter (?blicherweise) opens no quote
    initial, soft = set(), set()
    for k in positions:
        if k not in out and (k == 0 or not text[k - 1].isalnum()) and text[k + 1:k + 2].isalpha():
            r = _letter(seg, k)
            if r is not None and r.repl is not None and _bare_weight(seg, k) < r.weight:
                initial.add(k)
            elif r is not None:
                soft.add(k)
        elif k not in out and text[k - 1:k].isalpha() and not text[k + 1:k + 2].isalnum():
            # ais?. : aisé (the word without its '?' is none), so no quote closes there
            r = _letter(seg, k)
            if r is not None and r.repl is not None and r.weight >= 3.0 and _bare_weight(seg, k) < 2.0:
                initial.add(k)
    quotes = _quote_events(seg, [k for k in positions if k not in out and k not in initial and k not in ellipsis],
                           frozenset(soft))
    for k in positions:
        if k in out:
            continue
        r = _classify(seg, k, quotes)
        if r is not None:
            out[k] = r
    for k, r in quotes.items():  # closers kept intact (a straight '"')
        if k not in out and r.pair is not None and out.get(r.pair) is quotes.get(r.pair):
            out[k] = r
    return out


def _space(prof: Profile) -> str:
    """The no-break space French sets inside guillemets and before ; : ! ? (narrow when it was lost)."""
    return NNBSP if prof.lost(NNBSP) else NBSP


def _guillemet_runs(seg: _Seg, positions: list[int]) -> dict[int, Reading]:
    """ASCII French: ``??Mot`` is « and its space, ``mot??`` a space and » (or a space and a question mark)."""
    text, prof = seg.text, seg.prof
    out: dict[int, Reading] = {}
    if not prof.lost("«"):
        return out
    opened: list[int] = []
    ev = "French guillemets with their no-break spaces"
    for m in re.finditer(r"\?+", text):
        a, b = m.span()
        before, after = text[a - 1:a], text[b:b + 1]
        if b - a == 3 and before.isalnum() and after.isalnum() and a in positions and prof.lost("’") and \
                text[:a].rstrip(LOST)[-2:-1] in ("", " "):
            # l???homme: an elided article, then « and its space (l’« homme)
            out[a] = Reading("lost-apostrophe", "’", "an elision before French guillemets")
            a, before = a + 1, " "
        elif b - a != 2 or a not in positions:
            continue
        if (before == "" or before.isspace() or before in "([") and (after.isalnum() or after in "¿"):
            out[a + 1] = Reading("lost-space", _space(prof), ev)
            opened.append(a)
        elif opened and (before.isalnum() or before in ".,!?…") and (after == "" or after.isspace() or
                                                                   after in ".,;:)") and \
                not _source_near(seg, a, "™"):  # AlpinePro?? : ™ and a space
            o = opened.pop()
            out[o] = Reading("lost-quote", "«", ev, pair=a + 1)
            out[a], out[a + 1] = Reading("lost-space", _space(prof), ev), Reading("lost-quote", "»", ev, pair=o)
    for o in opened:  # closed in another segment: the space is still a space
        out[o] = Reading("lost-quote", None, ev + "; not closed in this segment", ("«",))
    return out


def _source_sign(source: str, number: str) -> str | None:
    """The currency sign ``source`` writes before or after ``number``'s digits."""
    digits = re.sub(r"\D", "", number).lstrip("0")
    for m in re.finditer(r"([€£¥$])\s?(\d[\d.,]*)|(\d[\d.,]*)\s?([€£¥$])", source):
        if re.sub(r"\D", "", m.group(2) or m.group(3)).lstrip("0") == digits:
            return m.group(1) or m.group(4)
    return None


def _quote_open(text: str, k: int) -> bool:
    """Whether a quote opens before ``k`` that nothing closes: a '?' or an opener before a word."""
    head = text[:k]
    opened = len(re.findall(r"(?:^|(?<=[\s(]))[?«“‘„‚»›](?=[^\W\d_])", head))
    closed = len(re.findall(r"(?<=[^\W\d_.,!?…])[?»”’“‘«‹](?=[\s.,;:!?]|$)", head))
    return opened > closed


def _src_count(source: str | None, ch: str) -> int:
    return source.count(ch) if source else 0


def _classify(seg: _Seg, k: int, quotes: dict[int, Reading]) -> Reading | None:
    from aligner.qa.wordlist import zipf

    text, prof, lang = seg.text, seg.prof, seg.prof.lang
    before = text[k - 1] if k > 0 else ""
    after = text[k + 1] if k + 1 < len(text) else ""
    src = seg.source
    if before.isalnum() and src and "™" in src and prof.lost("™"):
        s, _ = _word_around(text, k - 1)
        name = text[s:k].lstrip(LOST)  # ?AlpinePro?: the quote before it is no part of the name
        if name and re.search(rf"\b{re.escape(name)}\s*™", src):
            return Reading("lost-symbol", "™", f"the source writes {name}™")
    # ?12 per person: a sign before an amount, the one the source writes with the same amount
    amount = re.match(r"\d[\d.,]*", text[k + 1:]) if not before.isalnum() and src else None
    if amount is not None and src:
        sign = _source_sign(src, amount.group())
        if sign is not None and prof.lost(sign):
            return Reading("lost-sign", sign, f"the source writes {sign} with this amount")
    # n? 212: the numero sign (n°) before a number
    if before and before in "nN" and (k < 2 or not text[k - 2].isalnum()) and \
            re.match(r" ?(?:\d|[IVX]+\b)", text[k + 1:]) and prof.lost("°") and \
            (lang in ("fr", "it", "es", "pt") or (src is not None and re.search(r"\b[nN]°", src) is not None)):
        return Reading("lost-symbol", "°", f"'{before}°' before a number is the numero sign")
    # 1? Comment … at a line start or after a full stop: a French or Italian enumeration (1°, 2°)
    if lang in ("fr", "it") and prof.lost("°") and re.search(r"(?:^|[.:;]\s)\s*\d{1,2}$", text[:k]) and \
            re.match(r" [A-ZÀ-Ý]", text[k + 1:]):
        return Reading("lost-symbol", "°", "a number opening a sentence before a capital: an enumeration (1°)")
    # an elided article before a word that lost a letter: m??chap is m’échap
    if lang in ELIDED and before.isalpha() and after == "?" and prof.lost("’"):
        s, _ = _word_around(text, k)
        whole = _letter(seg, k)  # d??us: déçus, a word whole
        if text[s:k].lower() in ELIDED[lang] and (s == 0 or not text[s - 1].isalnum()) and \
                not (whole is not None and whole.repl is not None and whole.weight >= 3.0):
            return Reading("lost-apostrophe", "’", f"'{text[s:k]}’' is an elision")
    # a letter when the word around is a known word with letters filled in (ASCII: f?r, caf?) and the
    # word without the '?' is not one (so ?Der stays a quote, ?tre becomes être)
    if seg.ellipses.get(k) is not None:
        return Reading("lost-ellipsis", "…", "the source writes an ellipsis at this place")
    if lang in ELIDED and after != "" and after in "«“‘\"" and prof.lost("’") and \
            text[:k].lower().rsplit(None, 1)[-1:] and text[:k].lower().rsplit(None, 1)[-1] in ELIDED[lang]:
        return Reading("lost-apostrophe", "’", "an elided word glued to an opening quote (d’« …)")
    if lang == "fr" and prof.high_space == "lost" and after != "" and after in ";:!" and prof.lost(_space(prof)) \
            and (before.isalnum() or _is_lost(before)):
        # bas?; is bas and its space, not basé: this document meets ; : ! through a '?' everywhere
        return Reading("lost-space", _space(prof), "the document sets a lost no-break space before every ; : !")
    s0, e0 = _word_around(text, k)
    shouted = text[s0:e0].replace("?", "").isupper() and e0 - s0 > 3  # NACHTR?GEN: no quote opens before M
    if (before.isalpha() or after.isalpha()) and (shouted or not (after.isupper() and before.isalpha())):
        r = _letter(seg, k)
        if r is not None and r.repl is not None and prof.lost("’") and before.isalpha() and after.isalpha():
            s, e = _word_around(text, k)
            left, right = text[s:k], text[k + 1:e]
            if _elides(left, right, lang) and "?" not in right and zipf(right, lang) >= 3.0:
                # l?a: là, or l’a? both read
                return Reading("lost-char", None, f"'{left}’{right}' or a lost letter", ("’", r.repl), span=(s, e))
            if left.lower() in ELIDED.get(lang, ()) and "?" in right and (s == 0 or not text[s - 1].isalnum()):
                later = _letter(seg, k + 1 + right.index("?"))  # d?o?: d’où, not a rare déo
                if later is not None and later.repl is not None and later.weight > r.weight:
                    return Reading("lost-apostrophe", "’", f"'{left}’' is an elision before a word that reads")
        if r is not None and r.repl is not None and not (before.isalnum() and after.isalnum()):
            bare = _bare_weight(seg, k)
            if seg.ellipses and k not in seg.ellipses and not after.isalnum() and bare >= 3.0:
                # da? schneite: daß, or da… (the source writes an ellipsis its alignment does not place)
                return Reading("lost-char", None, "a lost letter, or the ellipsis the source writes nearby",
                               ("…", r.repl), span=r.span)
            if before.isalnum() and bare >= 4.0 and r.weight < 3.5 and k not in quotes:
                # puis? il: a rare puisé, or the frequent puis and a lost … or ’
                return Reading("lost-char", None, "a rare word with a lost letter, or a frequent one and a mark",
                               (r.repl, "…", "’"), span=r.span)
            if not before.isalnum() and bare >= 3.0 and (r.weight >= 3.0 and k in quotes or
                                                         bare >= max(3.0, r.weight + 1.5)):
                # ?preuve: épreuve or a quoted preuve; ?Der: a rare Öder, or a quote before Der
                return Reading("lost-char", None, "a lost letter, or a mark before a word that reads without it",
                               (r.repl, "“"), span=r.span)
        if r is not None and (k not in quotes or _bare_weight(seg, k) < r.weight):
            return r
    if k in quotes:
        return quotes[k]
    # next to a guillemet, or before French high punctuation: a lost (narrow) no-break space
    if lang == "fr" and prof.lost(_space(prof)) and prof.high_space != "plain":
        rest = text[k + 2:k + 3]
        # (déjà??»: the '?' before » is its space, so the one before that is something else)
        if ((after != "" and after in "»;:!") or (after == "?" and (rest == "" or rest.isspace() or
                                                                  rest in ")\"")) or
                (before == "«" and (after.isalnum() or after == "?"))) and \
                (before.isalnum() or (before != "" and before in "«».,!?)…") or _is_lost(before)):
            return Reading("lost-space", _space(prof), "French sets a no-break space here")
    # between digits: a range dash
    if before.isdigit() and after.isdigit():
        if prof.lost("–"):
            return Reading("lost-dash", "–", "a '?' between two digits is a lost range dash")
        return None
    # a digit and a unit: a lost no-break space
    if before.isdigit() and UNITS.match(text, k + 1) and prof.lost(NBSP):
        return Reading("lost-space", NBSP, "a '?' between a number and its unit is a lost no-break space")
    at_start = k == 0 or text[:k].strip() == ""
    spaced_after = after.isspace()
    if at_start and spaced_after:
        bullet = _source_has(src.lstrip()[:1] if src else None, "•")
        dash = _source_has(src.lstrip()[:1] if src else None, "–—-")
        if bullet and prof.lost("•"):
            return Reading("lost-bullet", "•", "the source starts with a bullet")
        if dash and prof.lost("–"):
            return Reading("lost-dash", dash if dash != "-" else "–", "the source starts with a dialogue dash")
        if src and re.match(r"[\s„“”«»‚‘’›‹\"']*(?:…|\.\.\.)", src) and prof.lost("…"):
            return Reading("lost-ellipsis", "…", "the source starts with an ellipsis")
        if _italian_e(seg, k):
            return Reading("lost-letter", "È", "a '?' starting an Italian line before a lower-case word, the "
                           "source starting with a word: the verb È")
        return Reading("lost-char", None, "a '?' starting a line", ("•", "–", "…") if prof.lost("…") else ("•", "–"))
    if (before.isspace() or at_start) and (spaced_after or after == ""):
        return _spaced(seg, k)
    if before.isalpha() and after.isalpha():
        return _inner(seg, k)
    if before.isalnum() or before in ".,;:!)…":
        return _final(seg, k)
    if lang == "fr" and _is_lost(before) and text[max(0, k - 6):k - 1].lower().endswith("qu") and \
            prof.lost("à") and (after.isspace() or after == ""):
        return Reading("lost-letter", "à", "jusqu’à, lorsqu’à: à after an elided qu")
    if _is_lost(before) or _is_lost(after):
        return None
    if after in ")]" and (before.isspace() or before in "(["):
        return None  # "(?)", "(trop ?)": a question mark in brackets
    if before != "" and before in "„“«»‚‘›‹\"" and re.match(r" [^\W\d_]", text[k + 1:]) and prof.lost("…") and \
            (k < 2 or text[k - 2].isspace()):
        # »? wir gelangten: a quotation that starts with an ellipsis (no question mark opens a quote)
        if src and re.match(r"[\s„“”«»‚‘’›‹\"']*(?:…|\.\.\.)", src):
            return Reading("lost-ellipsis", "…", "a '?' opening a quotation where the source starts with an ellipsis")
        if _italian_e(seg, k):
            return Reading("lost-letter", "È", "a '?' opening an Italian quotation before a lower-case word: È")
        return Reading("lost-char", None, "a '?' opening a quotation", ("…", "–"))
    if lang == "fr" and before == "(" and re.match(r" [a-zà-ÿ]", text[k + 1:]) and prof.lost("à"):
        return Reading("lost-letter", "à", "'(? droite)': no question mark opens a bracket before a word; à")
    return Reading("lost-char", None, "a '?' in no position a question mark takes", ())


# words French never puts after à (à le is au, à les is aux) or that cannot follow it (conjunctions)
_NOT_AFTER_A = frozenset("le les et ou mais donc ni car puis est sont était étaient fut que".split())
# words that follow à more often than a dash (a translation may set à where its source has a dash)
_AFTER_A = frozenset("la l ses son sa leur leurs un une ce cet cette ces mon ma mes ton ta tes notre nos votre vos "
                     "de part peine partir travers cause moins propos pied bord côté nouveau condition".split())
_NUMBER_WORDS = frozenset("deux trois quatre cinq six sept huit neuf dix onze douze quinze vingt trente quarante "
                          "cinquante soixante cent mille".split())
# the fixed phrases à nouveau, à proximité, à droite …: after a spaced '?' the word à, whatever the source
_A_PHRASES = frozenset("nouveau proximité droite gauche peine travers cause propos partir côté condition pied "
                       "moins jamais mesure présent peu".split())


def _source_near(seg: _Seg, k: int, chars: str, tol: float = 0.25) -> str | None:
    """One of ``chars`` the source writes at about the same relative place as ``k`` in the segment."""
    src = seg.source
    if not src or not seg.text:
        return None
    here = k / len(seg.text)
    for j, ch in enumerate(src):
        if ch in chars and abs(j / len(src) - here) <= tol:
            return ch
    return None


def _source_nearest(seg: _Seg, k: int, groups: tuple[str, ...]) -> str | None:
    """Of ``groups`` of characters, the one the source writes nearest ``k``'s relative place (within 0.25)."""
    src = seg.source
    if not src or not seg.text:
        return None
    here = k / len(seg.text)
    best: tuple[float, str] | None = None
    for j, ch in enumerate(src):
        for g in groups:
            if ch in g and abs(j / len(src) - here) <= 0.25 and (best is None or abs(j / len(src) - here) < best[0]):
                best = (abs(j / len(src) - here), g)
    return best[1] if best else None


# numbers, words, a sentence's full stop (not an ordinal's or an initial's), ; : ( )
_ANCHOR = re.compile(r"\d+|[^\W\d_]{3,}|(?<!\b[A-ZÀ-Ý])(?<!\d)\.(?=\s*(?![a-zà-ÿ\d\s]))|[;:()]")


def _skeleton(text: str, marks: list[int], words: set[str]) -> list[tuple[int, str]]:
    """``text`` as (position, key): its numbers, the ``words`` both sides write, . ; : ( ), and ``marks``."""
    toks = [(m.start(), m.group().lower()) for m in _ANCHOR.finditer(text)
            if not m.group()[:1].isalpha() or (m.group().lower() in words and
                                               text[m.start() - 1:m.start()] not in LOST and
                                               text[m.end():m.end() + 1] not in LOST)]
    toks = [t for t in toks if not any(t[0] <= j < t[0] + len(t[1]) for j in marks)]
    return sorted(toks + [(j, "\x00") for j in marks])


def align_marks(text: str, slots: list[int], source: str, marks: list[int]) -> dict[int, int | None]:
    """The ``slots`` of ``text`` (its ``?``) paired with the ``marks`` of the parallel ``source``.

    Both are reduced to skeletons (numbers, the words both write, names mostly, and the strong
    punctuation . ; : ( )) and aligned with difflib. Between two anchors that align, the slots and
    the marks pair in order when there are as many of each; a slot whose stretch of the source
    holds no mark maps to None (the source writes none there) when every mark found its slot; a
    slot in a stretch with a different number of marks is left out (the translation moved or
    dropped one).
    """
    shared = _intact_words(text) & _intact_words(source)
    a, b = _skeleton(text, [], shared), _skeleton(source, [], shared)
    sm = difflib.SequenceMatcher(None, [t[1] for t in a], [t[1] for t in b], autojunk=False)
    # the aligned anchors' positions, as fences: (text position, source position)
    fences = [(-1, -1)] + [(a[i + d][0], b[j + d][0]) for i, j, n in sm.get_matching_blocks()
                           for d in range(n)] + [(len(text), len(source))]
    out: dict[int, int | None] = {}
    bare: list[int] = []
    for (ta, sa), (tb, sb) in zip(fences, fences[1:]):
        mine = [k for k in slots if ta < k < tb]
        theirs = [j for j in marks if sa < j < sb]
        if not theirs:
            bare.extend(mine)
        elif len(mine) == len(theirs):
            # ... at about the same place in the stretch (one dash each side, but at its two ends, is no pair)
            span_t, span_s = max(1, tb - ta), max(1, sb - sa)
            if all(abs((k - ta) / span_t - (j - sa) / span_s) <= 0.25 for k, j in zip(mine, theirs)):
                out.update(zip(mine, theirs))
    if len(set(out.values())) == len(marks):  # every mark has its slot: the rest have none (not a reordering)
        out.update((k, None) for k in bare)
    return out


def _spaced_slots(text: str) -> list[int]:
    """The ``?`` standing between spaces after the line start: where a dash (or à, è) can stand."""
    return [m.start() for m in re.finditer(r"(?<=\s)\?(?=\s)", text) if text[:m.start()].strip()]


def _source_dashes(source: str) -> list[int]:
    """The source's dashes and question marks after its line start (what a spaced ``?`` can be)."""
    return [m.start() for m in re.finditer(r"(?<=\s)[–—](?=\s)|(?<=[^\W\d_.])—(?=[^\W\d_])|(?<=[.!?…”’»)])—|\?",
                                           source) if source[:m.start()].strip()]


def _dash_evidence(seg: _Seg, k: int) -> str | bool | None:
    """What the source writes where the spaced ``?`` at ``k`` stands (``align_marks``).

    Its dash or question mark; False when it writes neither there; None when that is not known
    (a stretch with a different number of them, or no source).
    """
    src = seg.source
    if not src:
        return None
    if seg.dashes is None:  # one alignment for all the segment's spaced '?'
        seg.dashes = align_marks(seg.text, _spaced_slots(seg.text), src, _source_dashes(src))
    mapped = seg.dashes
    if k not in mapped:
        return None
    j = mapped[k]
    return False if j is None else src[j]


def _italian_e(seg: _Seg, k: int) -> bool:
    """Whether a ``?`` opening an Italian line or quotation before a lower-case word is the verb È: the
    charset lost È, and the source has no dash, bullet or ellipsis at its start or anywhere."""
    src = seg.source
    return seg.prof.lang == "it" and seg.prof.lost("È") and re.match(r" [a-zà-ù]", seg.text[k + 1:]) is not None \
        and bool(src) and not re.search(r"[–—•…]|\.\.\.|^\W*-", src or "")


def _paired_dash(seg: _Seg, k: int) -> bool:
    """Whether the spaced ``?`` at ``k`` and another one enclose a clause (… ? indépendamment des Français ?
    Toni …): a lower-case word after the first, one to twelve words and no sentence end between them,
    and the letter a lone '?' can be (à, è) kept by the charset."""
    text, prof = seg.text, seg.prof
    if any(prof.lost(c) for c in {"fr": "à", "it": "è"}.get(prof.lang, "")):
        return False
    slots = _spaced_slots(text)
    for a, b in zip(slots, slots[1:]):
        if k in (a, b):
            inner = text[a + 1:b]
            return re.match(r"\s[^\W\d_A-ZÀ-Ý]", inner) is not None and re.search(r"[.!?;:…]", inner) is None \
                and 1 <= len(inner.split()) <= 12
    return False


def _opened_by_comma(text: str, k: int) -> bool:
    """A comma or stop glued to a word a few words before ``k`` (OCR's low opening quote: ``die,Yeti ?``)."""
    return re.search(r"(?:^|(?<=[\s(])|(?<=[^\W\d_]))[,.][^\W\d_]\S*(?:\s+\S+){0,2}\s+$", text[:k]) is not None


def _spaced(seg: _Seg, k: int) -> Reading | None:
    """`` ? `` between words: a dash, French à / Italian è in ASCII, or a French question mark."""
    text, prof, lang, src = seg.text, seg.prof, seg.prof.lang, seg.source
    nxt = text[k + 1:].lstrip()[:1]
    src_dash = _source_has(src, "–—")
    if nxt == "" or nxt in "»«\"”“’)]":
        return None  # a question mark before a closing quote or bracket
    if _opened_by_comma(text, k) and prof.lost("’"):
        return Reading("lost-char", None, "a spaced '?' after a quote a glued comma opened", ("’", "–"))
    dash_here = _dash_evidence(seg, k)
    if dash_here == "?":
        return None  # the source asks at this place
    if dash_here is None and prof.lost("–") and _paired_dash(seg, k):
        dash = src_dash or "–"
        return Reading("lost-dash", dash, "two spaced '?' around a clause with no sentence end: a pair of dashes")
    if lang == "fr":
        asks = _src_count(src, "?") > 0 if src else nxt.isupper()
        if not dash_here and (asks or nxt.isupper()) and _source_nearest(seg, k, ("?", "–—")) != "–—":
            return None  # French sets a space before its question mark (unless the source has a dash here)
        prev = text[:k].split()[-3:]
        nw = re.match(r"\s*([^\W\d_]+)", text[k + 1:])
        no_a = nw is not None and nw.group(1).lower() in _NOT_AFTER_A
        if dash_here and prof.lost("à") and nw is not None and (nw.group(1).lower() in _AFTER_A or
                                                                re.search(r"..(?:er|ir|re|oir)$", nw.group(1))):
            return Reading("lost-char", None, f"the source has a dash here, but 'à {nw.group(1)}' reads too",
                           ("à", "–"))
        ranged = nxt.isdigit() and any(w.lower() in ("de", "du", "des") for w in prev)  # de 3 à 5
        # à 2621 m, à 4 roupies: a number with its unit or noun (a year between dashes has none); cinq à dix
        ranged |= re.match(r"\s\d[\d.,]*(?:\?| |\u00a0)?(?:%|[a-zé]{1,12}\b)", text[k + 1:]) is not None
        ranged |= bool(prev) and prev[-1].lower() in _NUMBER_WORDS and nw is not None and \
            nw.group(1).lower() in _NUMBER_WORDS
        if prof.lost("à") and nw is not None and nw.group(1).lower() in _A_PHRASES and not dash_here:
            return Reading("lost-letter", "à", f"'à {nw.group(1)}' is a fixed phrase")
        if prof.lost("à") and not no_a and (ranged or not nxt.isdigit()) and \
                (ranged or dash_here is False or (dash_here is None and not src)):  # Alpes ? 1957 ?: dashes
            return Reading("lost-letter", "à", "a lone '?' in ASCII French is the word à")
        if not dash_here and not (no_a and prof.lost("–") and (dash_here is False or not src)):
            cands = ("à", "–") if prof.lost("à") else ("?", "–")
            return Reading("lost-char", None, "a spaced '?' in French, the source's dashes do not settle it", cands)
    if lang == "it" and prof.lost("è"):
        if re.match(r"\s*(?:e|ed|o|od|ma)\b", text[k + 1:]):  # è e, è o: no verb stands before and/or
            return Reading("lost-char", None, "a spaced '?' before a conjunction is no è", ("–", "?"))
        if dash_here is False or (dash_here is None and not src):
            e = "È" if not text[:k].strip() or re.search(r"[.!:…]\s+$", text[:k]) else "è"
            return Reading("lost-letter", e, "a lone '?' in ASCII Italian is the word è")
        if not dash_here:
            return Reading("lost-char", None, "a spaced '?' in Italian, the source's dashes do not settle it",
                           ("è", "–"))
    if not prof.lost("–"):
        return None
    if re.match(r"\s\d+\s+[a-zäöü]", text[k + 1:]) and dash_here is False and not src_dash and \
            not text[:k].rstrip()[-1:].isdigit():  # ? 11 und ? 13: § before a number, no dash pair around it
        return Reading("lost-char", None, "a spaced '?' before a number the source writes no dash at", ("–", "§"))
    dash = dash_here if isinstance(dash_here, str) else src_dash or "–"
    ev = f"the source uses '{dash}' here" if isinstance(dash_here, str) else \
        "a '?' standing between words is a lost dash"
    return Reading("lost-dash", dash, ev)


def _inner(seg: _Seg, k: int) -> Reading | None:
    """A ``?`` between letters: an elision apostrophe, an unspaced dash, or a lost letter."""
    text, prof, lang = seg.text, seg.prof, seg.prof.lang
    s, e = _word_around(text, k)
    left, right = text[s:k].lstrip(LOST), text[k + 1:e]  # ?C?est: the quote before C is no part of c’
    if "?" not in right and _plain_in(f"{left}?{right}".lower(), seg.source):
        # S?a where the source names Sia: a letter of a name, its accent not known
        return Reading("lost-char", None, f"the source writes '{left}…{right}' with a letter here", ("a letter",))
    # M?hlebach inside a sentence: a capital before a '?' and no word after it is a name, not m’
    named = left[:1].isupper() and not re.search(r"[.!?:…]\s+$|^\W*$", text[:s]) and len(right) > 2 and \
        _word_weight(seg, right) < 2.0
    if prof.lost("’") and not named:
        if _elides(left, right, lang) or (lang in CLITICS and right.lower() in CLITICS[lang]):
            return Reading("lost-apostrophe", "’", f"'{left}’{right}' is an elision")
        if lang in ("fr", "it") and len(left) <= 5 and right[:1].lower() in "aeiouhéèàìòù" and \
                left.lower().endswith(tuple("ltdnsmc")) and left.lower() in ELIDED.get(lang, ()):
            return Reading("lost-apostrophe", "’", f"'{left}’{right}' is an elision")
    if prof.lost("—") and lang == "en" and _word_weight(seg, left) >= 3 and _word_weight(seg, right) >= 3:
        return Reading("lost-dash", "—", f"'{left}' and '{right}' are both words: an unspaced dash")
    cands = [c for c in ("’", "—") if prof.lost(c)]
    if any(prof.lost(c) for c in LETTERS.get(lang, "")):
        cands.append("a letter")
    if not cands:
        return None
    return Reading("lost-char", None, "a '?' inside a word", tuple(cands))


def _final(seg: _Seg, k: int) -> Reading | None:
    """A ``?`` at a word's end that closes no quote: a question mark, an apostrophe, … or ™."""
    text, prof, lang, src = seg.text, seg.prof, seg.prof.lang, seg.source
    before = text[k - 1]
    rest = text[k + 1:]
    nxt = rest.lstrip()[:1]
    end = rest.strip() == ""
    s, _ = _word_around(text, k - 1)
    word = text[s:k]
    if src and "™" in src and re.search(rf"{re.escape(word)}\s*™", src) and prof.lost("™"):
        return Reading("lost-symbol", "™", f"the source writes {word}™")
    if rest[:1] == "?" and before.isalpha() and any(prof.lost(c) for c in LETTERS.get(lang, "")):
        return Reading("lost-letter", None, f"'{word}?' before a question mark: a lost letter", ("a letter",))
    if src and prof.lost("…") and ("…" in src or "..." in src) and before.isalnum() and \
            _source_nearest(seg, k, ("…", "?")) == "…":
        return Reading("lost-ellipsis", "…", "the source has an ellipsis here")
    if lang == "fr" and before.isalpha() and (end or nxt in "»\"”"):  # French spaces its question mark
        cands = tuple(c for c in ("…", "”", "’") if prof.lost(c))
        if end and prof.spaced_questions and prof.lost("…") and not _src_count(src, "?") and \
                not _quote_open(text, k):
            return Reading("lost-ellipsis", "…", "a '?' glued to the end: this document spaces its question "
                           "marks, no quote is open here and the source does not ask")
        return Reading("lost-char", None, "a '?' glued to a French word", cands) if cands else None
    if before in ".,;:!)":
        if before == ":" or (before == ")" and not rest.strip()):
            return None  # no quote closes after a colon: a question mark (OCR's "Literatur:?")
        return Reading("lost-char", None, "a '?' after punctuation", tuple(c for c in "“”’»«" if prof.lost(c)))
    if nxt.isupper() or end or nxt in "\"“”»«’)":
        return None  # a sentence ends here: a question mark
    if _src_count(src, "?"):
        return None  # the source asks too
    if rest[:1].isspace() and nxt.islower() and prof.lost("’") and lang in ("de", "en", "it") and before.isalpha():
        if lang == "en" and before.lower() == "s" or lang == "de" and _german_elided(text, s, word) or \
                lang == "it" and word.lower() in ("po",):
            return Reading("lost-apostrophe", "’", f"'{word}’' before a lower-case word is an elision")
    if src and _src_count(src, "?"):
        return None
    cands = tuple(c for c in ("’", "”", "…") if prof.lost(c))
    if not cands:
        return None
    if nxt and nxt.islower():
        return Reading("lost-char", None, "a '?' ending a word before a lower-case word", cands)
    return None


