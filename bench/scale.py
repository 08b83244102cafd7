"""How alignment cost grows with document length (banded / coarse-to-fine search).

    python bench/scale.py                       # 1k, 5k, 20k, 50k sentences per side
    python bench/scale.py --sizes 1000 5000

Long document pairs are built from real parallel text: the Text+Berg gold beads
(7 test documents + dev, German-French), cut into paragraph-sized blocks of
beads that are lightly shuffled (the same order on both sides, so the pair stays
parallel), repeated until the size is reached; then on the French side about 3%
of the 1-1 beads lose their target sentence (it is dropped) and about 3% of the
adjacent bead pairs have their French sentences merged into one line. The
construction also yields a gold alignment, so each size is scored as well.

Each size runs in a fresh process (so memory figures do not mix). For each
size: encoding time (each distinct sentence once; repeated sentences reuse
their vectors), alignment time (align_windows only; the best of 3 runs, or of as
many as fit in 60 s), peak memory = the
process's max RSS (model, texts and embeddings included) and the RSS growth
during the alignment,
strict/lax F1, and the ratio of the alignment time to the previous size's,
divided by the size ratio ("per-size linearity": 1.0 = linear), and that
excess per doubling of the size (ratio ** (1 / log2(size ratio))).
"""

from __future__ import annotations

import argparse
import math
import random
import resource
import sys
import time
import json
import subprocess
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aligner.align import Windows, align_windows
from aligner.config import AlignConfig
from aligner.encoders import get_encoder
from aligner.evaluate import read_beads, score

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "textberg"


def source_beads() -> list[tuple[list[str], list[str]]]:
    """Contiguous, non-null gold beads of every Text+Berg document, as text."""
    out = []
    for name in ["dev"] + [f"test{k}" for k in range(7)]:
        de = (DATA / f"{name}.de").read_text(encoding="utf-8").splitlines()
        fr = (DATA / f"{name}.fr").read_text(encoding="utf-8").splitlines()
        for s, t in read_beads(DATA / f"{name}.defr"):
            if s and t:
                out.append(([de[i] for i in sorted(s)], [fr[j] for j in sorted(t)]))
    return out


def build(n: int, seed: int = 0):
    """(src sentences, tgt sentences, gold beads) with about n source sentences."""
    rng = random.Random(seed)
    beads = source_beads()
    blocks = [beads[i:i + 8] for i in range(0, len(beads), 8)]  # "paragraphs"
    seq: list[tuple[list[str], list[str]]] = []
    count = 0
    while count < n:
        order = list(range(len(blocks)))
        for i in range(0, len(order) - 1, 2):  # light shuffle: swap neighbouring paragraphs at random
            if rng.random() < 0.5:
                order[i], order[i + 1] = order[i + 1], order[i]
        for b in order:
            for s, t in blocks[b]:
                if count >= n:
                    break
                seq.append((list(s), list(t)))
                count += len(s)
    src: list[str] = []
    tgt: list[str] = []
    gold = []
    k = 0
    while k < len(seq):
        s, t = seq[k]
        r = rng.random()
        si = tuple(range(len(src), len(src) + len(s)))
        src += s
        if r < 0.03 and len(s) == 1 and len(t) == 1:  # drop the translation
            gold.append((si, ()))
        elif r < 0.06 and k + 1 < len(seq):  # merge the French of this bead and the next into one line
            s2, t2 = seq[k + 1]
            si2 = tuple(range(len(src), len(src) + len(s2)))
            src += s2
            tgt.append(" ".join(t + t2))
            gold.append((si + si2, (len(tgt) - 1,)))
            k += 1
        else:
            tj = tuple(range(len(tgt), len(tgt) + len(t)))
            tgt += t
            gold.append((si, tj))
        k += 1
    return src, tgt, gold


def rss_now_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def one(n: int) -> dict:
    config = AlignConfig()
    enc = get_encoder(config.encoder)
    src, tgt, gold = build(n)
    t0 = time.perf_counter()
    sw = Windows.of(enc.encode_runs(src, config.max_merge), src)
    tw = Windows.of(enc.encode_runs(tgt, config.max_merge), tgt)
    t_enc = time.perf_counter() - t0
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # best of 3 runs, while they take under 60 s in all: a single run is at the mercy of whatever
    # else the machine does (20k sentences took 7.1 s in one run and 9.5 s in the next), and the
    # linearity ratio divides one size's time by another's (with a 25 s cap, 50k had 2 runs and
    # 20k 3, and the per-doubling figure came out 1.22 in one run and 0.98 in the next)
    t_align, spent = float("inf"), 0.0
    for _ in range(3):
        t1 = time.perf_counter()
        beads = align_windows(sw, tw, config)
        took = time.perf_counter() - t1
        t_align, spent = min(t_align, took), spent + took
        if spent > 60.0:
            break
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s = score([gold], [[(b.src, b.tgt) for b in beads]])
    return {"n": len(src), "m": len(tgt), "enc": t_enc, "align": t_align, "rss": rss,
            "growth": rss - before, "f1": s.f1_strict, "lax": s.f1_lax}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000, 50000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    rows = []
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], check=True, capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        prev = rows[-1] if rows else None
        r["lin"] = (r["align"] / prev["align"]) / (r["n"] / prev["n"]) if prev else float("nan")
        # the same excess over linear, per doubling of the size (the target is <= 1.2 per doubling)
        r["dbl"] = r["lin"] ** (1 / math.log2(r["n"] / prev["n"])) if prev else float("nan")
        rows.append(r)
        print(f"size {r['n']} x {r['m']}: encode {r['enc']:.1f} s, align {r['align']:.2f} s "
              f"({1e6 * r['align'] / r['n']:.0f} us/sentence), max RSS {r['rss']:.0f} MB "
              f"(+{r['growth']:.0f} MB during alignment), strict F1 {r['f1']:.3f}, lax F1 {r['lax']:.3f}, "
              f"(time ratio)/(size ratio) vs previous {r['lin']:.2f}, per doubling {r['dbl']:.2f}", flush=True)
    per = " ".join(f"{r['n']}:{r['align']:.2f}s/{r['rss']:.0f}MB" for r in rows)
    worst = max((r["lin"] for r in rows[1:]), default=float("nan"))
    worst_dbl = max((r["dbl"] for r in rows[1:]), default=float("nan"))
    print(f"SUMMARY sizes {per} worst_time_ratio_over_linear={worst:.2f} per_doubling={worst_dbl:.2f} "
          f"max_rss_MB={max(r['rss'] for r in rows):.0f} min_strict_F1={min(r['f1'] for r in rows):.3f}")


if __name__ == "__main__":
    main()
