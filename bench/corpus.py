"""Corpus building at scale: pairs/s in-process and on a Dask LocalCluster, peak memory per worker.

Builds document pairs from the Text+Berg gold alignments (../shared/benchmarks/textberg/, never the
seeds): each document pair is a run of consecutive gold beads of one yearbook article, German and
French, one sentence per line, so every pair is a real translation with a known answer. Then runs
``aligner corpus --pairs`` in a fresh process in-process, with ``--workers 1`` and ``--workers 2``,
checks that every output file is the same bytes in all three runs, and prints pairs/s, the speedup
of 2 workers over 1, the overhead of 1 worker over the in-process path, the peak RSS of the
processes (client and workers, from /proc), and a SUMMARY line.

    PYTHONPATH=. python bench/corpus.py [--pairs 120] [--min-beads 20] [--max-beads 60]

The articles hold about 3,500 gold beads, so with many pairs the runs overlap (a sentence occurs in
several pairs); the per-process encoder memo then helps the in-process run more than N workers.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEXTBERG = REPO.parent / "shared" / "benchmarks" / "textberg"
_BEAD = re.compile(r"^\[([\d, ]*)\]:\[([\d, ]*)\]")


def gold_beads(doc: str) -> tuple[list[str], list[str], list[tuple[list[int], list[int]]]]:
    de = (TEXTBERG / f"{doc}.de").read_text(encoding="utf-8").splitlines()
    fr = (TEXTBERG / f"{doc}.fr").read_text(encoding="utf-8").splitlines()
    beads = []
    for line in (TEXTBERG / f"{doc}.defr").read_text(encoding="utf-8").splitlines():
        m = _BEAD.match(line.strip())
        if m:
            beads.append(tuple([int(x) for x in g.split(",") if x.strip()] for g in m.groups()))
    return de, fr, beads  # type: ignore[return-value]


def build_pairs(folder: Path, n_pairs: int, min_beads: int = 20, max_beads: int = 60, seed: int = 0,
                docs: tuple[str, ...] = ("test0", "test1", "test2", "test3", "test4", "test5", "test6")) -> Path:
    """``n_pairs`` German-French document pairs under ``folder`` and their ``pairs.tsv`` (returned)."""
    rng = random.Random(seed)
    articles = [gold_beads(d) for d in docs]
    lines = []
    for k in range(n_pairs):
        de, fr, beads = articles[k % len(articles)]
        size = min(rng.randint(min_beads, max_beads), len(beads))
        start = rng.randint(0, len(beads) - size)
        run = beads[start:start + size]
        src = [de[i] for b in run for i in b[0]]
        tgt = [fr[j] for b in run for j in b[1]]
        for lang, sents in (("de", src), ("fr", tgt)):
            (folder / lang).mkdir(parents=True, exist_ok=True)
            (folder / lang / f"doc{k:05d}.txt").write_text("\n".join(sents) + "\n", encoding="utf-8")
        lines.append(f"de/doc{k:05d}.txt\tfr/doc{k:05d}.txt\tde\tfr\n")
    manifest = folder / "pairs.tsv"
    manifest.write_text("".join(lines), encoding="utf-8")
    return manifest


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    out = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):  # children started by any thread (Dask's nannies)
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for c in children:
            out += _tree(int(c))
    return out


def run(manifest: Path, out: Path, extra: list[str]) -> tuple[float, dict[int, int]]:
    """Wall seconds of one ``aligner corpus --pairs`` and the peak RSS (kB) of each process of its tree."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-c", "from aligner.cli import main; main()", "corpus", "--pairs", str(manifest),
           "--out", str(out), "--no-xlsx", "--languages", "de,fr", "-q", *extra]
    peaks: dict[int, int] = {}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for pid in _tree(proc.pid):
                peaks[pid] = max(peaks.get(pid, 0), _rss_kb(pid))
            stop.wait(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    code = proc.wait()
    wall = time.perf_counter() - start
    stop.set()
    t.join()
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} exited with {code}")
    return wall, peaks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=120)
    ap.add_argument("--min-beads", type=int, default=20)
    ap.add_argument("--max-beads", type=int, default=60)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="aligner-bench-corpus-") as tmp:
        root = Path(tmp)
        manifest = build_pairs(root / "in", args.pairs, args.min_beads, args.max_beads)
        sents = sum(1 for p in (root / "in" / "de").glob("*.txt") for _ in p.open(encoding="utf-8"))
        print(f"{args.pairs} pairs, {sents} German sentences ({sents / args.pairs:.0f} per document)")
        figures = {}
        for label, extra in (("in-process", []), ("1 worker", ["--workers", "1"]), ("2 workers", ["--workers", "2"])):
            wall, peaks = run(manifest, root / label.replace(" ", "-"), extra)
            rates = args.pairs / wall
            peak = max(peaks.values()) / 1024 if peaks else 0.0
            figures[label] = (wall, rates, peak)
            print(f"{label:>10}: {wall:6.1f} s  {rates:5.2f} pairs/s  peak RSS of one process {peak:5.0f} MB "
                  f"({len(peaks)} processes)")
        outs = [root / k.replace(" ", "-") for k in figures]
        names = sorted(p.name for p in outs[0].iterdir() if p.name != "manifest.jsonl")
        differ = sorted({n for o in outs[1:] for n in names
                         if not (o / n).is_file() or (o / n).read_bytes() != (outs[0] / n).read_bytes()})
        same = not differ
        print(f"same output bytes in all three runs: {same} ({len(names)} files; differ: {', '.join(differ[:5])})")
        speedup = figures["1 worker"][0] / figures["2 workers"][0]
        overhead = figures["1 worker"][0] / figures["in-process"][0] - 1
        print(f"SUMMARY pairs={args.pairs} inproc_pairs_s={figures['in-process'][1]:.2f} "
              f"w1_pairs_s={figures['1 worker'][1]:.2f} w2_pairs_s={figures['2 workers'][1]:.2f} "
              f"speedup_2_over_1={speedup:.2f} overhead_1w={overhead * 100:.0f}% "
              f"peak_mb={max(f[2] for f in figures.values()):.0f} identical={same}")


if __name__ == "__main__":
    main()
