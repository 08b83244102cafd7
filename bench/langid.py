"""The QA's language flags on a held-out mixed-language set: precision, recall, time; and lingua's modes by length.

    python bench/langid.py                # test part (Text+Berg test0-6 + the test rows of the English/Italian set)
    python bench/langid.py --set dev      # dev part (Text+Berg dev + the dev rows)

The set is built from public text that is not the seeds: German-French sentence pairs of the
Text+Berg gold 1-1 beads (``../shared/benchmarks/textberg/``) and English and Italian sentences
written for this bench (``bench/data/mixed_en_it.tsv``). The pairs the QA checks (source German,
target French) are of four kinds:

* ``clean``: a gold pair (no language flag expected);
* ``tgt-other``: the target replaced by an English or Italian sentence (``other-language`` on the target);
* ``src-other``: the source replaced by one (``other-language`` on the source);
* ``untranslated``: the target replaced by the next German sentence (``untranslated``).

Only pairs whose tested side has the letters the check needs (``QAConfig.language_min_letters``)
count. Prints precision and recall of ``other-language`` and ``untranslated``, the outcome per kind,
the time of the QA stage on the set in this process (lingua's model loading included), and the
accuracy of lingua's top language in high- and low-accuracy mode over the ten default languages by
sentence length (why ``aligner.langid.LONG_TEXT`` is 120). Run it with ``PYTHONPATH`` pointing at an
older checkout to compare (the last line, ``SUMMARY``, has every figure).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "textberg"
MIXED = Path(__file__).resolve().parent / "data" / "mixed_en_it.tsv"
CODES = ("other-language", "untranslated")


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def parallel_pairs(names: list[str], data: Path) -> list[tuple[str, str]]:
    """(German, French) sentence pairs of the gold 1-1 beads of the Text+Berg documents ``names``."""
    from aligner.evaluate import read_beads

    out = []
    for name in names:
        de, fr = _lines(data / f"{name}.de"), _lines(data / f"{name}.fr")
        for src, tgt in read_beads(data / f"{name}.defr"):
            if len(src) == 1 and len(tgt) == 1:
                out.append((de[src[0]].strip(), fr[tgt[0]].strip()))
    return out


def foreign(split: str) -> list[tuple[str, str]]:
    """(language, sentence) rows of the English/Italian set for ``split``."""
    rows = []
    for line in MIXED.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            lang, part, text = line.split("\t")
            if part == split:
                rows.append((lang, text))
    return rows


def build_cases(pairs: list[tuple[str, str]], others: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(kind, source, target) cases (see the module docstring)."""
    cases = [("clean", de, fr) for de, fr in pairs]
    for k, (_, text) in enumerate(others):
        de, fr = pairs[(7 * k) % len(pairs)]
        cases.append(("tgt-other", de, text))
        cases.append(("src-other", text, fr))
    for k in range(0, len(pairs) - 1, 5):
        cases.append(("untranslated", pairs[k][0], pairs[k + 1][0]))
    return cases


def expected(kind: str) -> tuple[str, str] | None:
    return {"tgt-other": ("other-language", "tgt"), "src-other": ("other-language", "src"),
            "untranslated": ("untranslated", "tgt")}.get(kind)


def modes_by_length(texts: list[tuple[str, str]]) -> list[tuple[str, int, float, float]]:
    """(length bin, sentences, accuracy high, accuracy low) of lingua's top language over the defaults."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    from aligner.config import DEFAULT_LANGUAGES

    langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in DEFAULT_LANGUAGES]
    high = LanguageDetectorBuilder.from_languages(*langs).build()
    low = LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()
    bins = [("<60", 0, 60), ("60-119", 60, 120), ("120-199", 120, 200), (">=200", 200, 10 ** 9)]
    out = []
    for label, lo, hi in bins:
        chosen = [(lang, t) for lang, t in texts if lo <= len(t) < hi]
        if chosen:
            out.append((label, len(chosen), _accuracy(high, chosen), _accuracy(low, chosen)))
    return out


def _accuracy(detector, texts: list[tuple[str, str]]) -> float:  # type: ignore[no-untyped-def]
    got = [detector.detect_language_of(t) for _, t in texts]
    return sum(g is not None and g.iso_code_639_1.name.lower() == lang for g, (lang, _) in zip(got, texts)) / len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=("test", "dev"), default="test")
    parser.add_argument("--data", default=str(DATA))
    args = parser.parse_args()
    names = [f"test{k}" for k in range(7)] if args.set == "test" else ["dev"]
    pairs = parallel_pairs(names, Path(args.data))
    others = foreign(args.set)

    from aligner.langid import letters
    from aligner.qa import check_pairs
    from aligner.qa.checks import QAConfig
    from aligner.types import AlignedPair, Bead

    need = QAConfig().language_min_letters
    cases = [c for c in build_cases(pairs, others)
             if letters(c[2] if c[0] in ("tgt-other", "untranslated") else c[1]) >= need]
    batch = [AlignedPair(Bead((k,), (k,), 0.8), s, t) for k, (_, s, t) in enumerate(cases)]
    t0 = time.perf_counter()
    checked = check_pairs(batch, "de", "fr")
    elapsed = time.perf_counter() - t0

    tp = dict.fromkeys(CODES, 0)
    fp = dict.fromkeys(CODES, 0)
    fn = dict.fromkeys(CODES, 0)
    outcome: dict[str, dict[str, int]] = {}
    for (kind, _, _), pair in zip(cases, checked):
        flags = {(f.code, f.side) for f in pair.flags if f.code in CODES}
        want = expected(kind)
        for flag in flags:
            if flag == want:
                tp[flag[0]] += 1
            else:
                fp[flag[0]] += 1
        if want is not None and want not in flags:
            fn[want[0]] += 1
        row = outcome.setdefault(kind, {})
        key = ",".join(sorted(f"{c}@{s}" for c, s in flags)) or "none"
        row[key] = row.get(key, 0) + 1

    def pr(code: str) -> tuple[float, float]:
        return (tp[code] / max(tp[code] + fp[code], 1), tp[code] / max(tp[code] + fn[code], 1))

    print(f"set={args.set}: {len(cases)} pairs ({', '.join(f'{k} {sum(v.values())}' for k, v in outcome.items())})")
    for code in CODES:
        p, r = pr(code)
        print(f"  {code:15} precision {p:.3f} recall {r:.3f} (tp {tp[code]}, fp {fp[code]}, fn {fn[code]})")
    for kind, row in outcome.items():
        print(f"  {kind:13} " + ", ".join(f"{k} {v}" for k, v in sorted(row.items(), key=lambda kv: -kv[1])))
    print(f"QA stage on the set: {elapsed:.2f} s in this process ({len(cases)} pairs, lingua's models loaded "
          f"on first use)")

    singles = [("de", s) for s, _ in pairs] + [("fr", t) for _, t in pairs] + others
    table = modes_by_length(singles)
    print("lingua top language over the 10 default languages, by sentence length (characters):")
    for label, n, high, low in table:
        print(f"  {label:8} {n:5} sentences  high-accuracy {high:.3f}  low-accuracy {low:.3f}")
    print(f"SUMMARY set={args.set} pairs={len(cases)} "
          + " ".join(f"{c.split('-')[0]}_P={pr(c)[0]:.3f} {c.split('-')[0]}_R={pr(c)[1]:.3f}" for c in CODES)
          + f" qa_s={elapsed:.2f} "
          + " ".join(f"acc_{label}={high:.3f}/{low:.3f}" for label, _, high, low in table))


if __name__ == "__main__":
    main()
