"""Corpus building at scale: pairs/s in-process and on a Dask LocalCluster, memory, F1, pairing time.

Builds document pairs from the Text+Berg gold alignments (../shared/benchmarks/textberg/, never the
seeds): each document pair is a run of consecutive gold beads of one yearbook article, German and
French, one sentence per line, so every pair is a real translation with a known answer. Then runs
``aligner corpus --pairs`` (with ``--bitext``, no workbooks and, unless ``--html``, no review pages: the
way a training corpus is built) in a fresh process four times: in-process as by default (its encoder
runs a thread per core), in-process with ``ALIGNER_ENCODER_THREADS=1``, with ``--workers 1`` and with
``--workers 2`` (each worker has one encoder and BLAS thread). For each it prints the wall time, pairs/s,
the CPU time of the whole process tree and the peak RSS of each process (client and workers, from
/proc); then the speedup of 2 workers over 1, and the overhead of 1 worker over in-process twice:

- against the one-thread in-process run: both use one core, so the difference is the engine's cost
  (process start, Dask's scheduler and event loops, sending jobs and records). The target (<= 10 %)
  is judged on this one;
- against the default in-process run, which encodes on every core while the one worker uses one: this
  measures the cores, not the engine; 2 workers are compared with it too (both on every core).

Also a byte comparison of every output file of the four runs; strict F1 of a sample of pairs against
their gold beads; the time to pair a folder of 1k/5k/20k documents (synthetic document vectors:
pairing only) on the exact and the index path; the CPU time of the seed corpus in-process against the
commit before the engine; the load average; a SUMMARY line.

    PYTHONPATH=. python bench/corpus.py [--pairs 1000] [--pairing-sizes 1000,5000,20000] [--no-seeds] [--html]
    PYTHONPATH=. python bench/corpus.py --client-memory 1000,10000

``--client-memory``: the client's memory against the number of pairs, from resuming a finished run of
N tiny pairs (``finished_run``: real-sized records, no encoding), tracemalloc and the CLI's peak RSS.

The articles hold about 3,500 gold beads, so with many pairs the runs overlap (a sentence occurs in
several pairs); the per-process encoder memo is cleared before each pair, so this does not favour
one path. Wall figures need a quiet machine; CPU times and the byte comparison hold under load.
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
sys.path.insert(0, str(REPO))
from aligner.evaluate import format_beads, read_beads, score  # noqa: E402
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
        (folder / "gold").mkdir(exist_ok=True)  # the run's gold beads, numbered from the document's first line
        (folder / "gold" / f"doc{k:05d}.beads").write_text(format_beads(_rebased(run)), encoding="utf-8")
        lines.append(f"de/doc{k:05d}.txt\tfr/doc{k:05d}.txt\tde\tfr\n")
    manifest = folder / "pairs.tsv"
    manifest.write_text("".join(lines), encoding="utf-8")
    return manifest


def _rebased(run: list[tuple[list[int], list[int]]]) -> list[tuple[list[int], list[int]]]:
    out, i, j = [], 0, 0
    for src, tgt in run:
        out.append((list(range(i, i + len(src))), list(range(j, j + len(tgt)))))
        i, j = i + len(src), j + len(tgt)
    return out


def _line_beads(tsv: Path, src_lines: list[str], tgt_lines: list[str]) -> list[tuple[list[int], list[int]]] | None:
    """The TSV's beads in line numbers: a bead covers the lines its text overlaps (whitespace aside; text
    the run excluded, e.g. a line in another language, is skipped); None when a bead's text is not found."""
    from aligner.export.tsv import read_tsv

    pairs = read_tsv(tsv)
    sides = []
    for lines, texts in ((src_lines, [p.src for p in pairs]), (tgt_lines, [p.tgt for p in pairs])):
        starts, ends, pos = [], [], 0
        for line in lines:
            starts.append(pos)
            pos += len("".join(line.split()))
            ends.append(pos)
        whole = "".join("".join(line.split()) for line in lines)
        spans, pos = [], 0
        for text in texts:
            bare = "".join(text.split())
            at = whole.find(bare, pos) if bare else pos
            if at < 0:
                return None
            spans.append([k for k, (a, b) in enumerate(zip(starts, ends)) if b > at and a < at + len(bare)]
                         if bare else [])
            pos = at + len(bare)
        sides.append(spans)
    return list(zip(sides[0], sides[1]))


def strict_f1(folder: Path, out: Path, n: int) -> tuple[float, int]:
    """Strict F1 (aligner.evaluate) of the first ``n`` pairs of a run against their gold beads."""
    gold, test = [], []
    for k in range(n):
        tsv = out / f"de-fr__doc{k:05d}__doc{k:05d}.tsv"
        src = (folder / "de" / f"doc{k:05d}.txt").read_text(encoding="utf-8").splitlines()
        tgt = (folder / "fr" / f"doc{k:05d}.txt").read_text(encoding="utf-8").splitlines()
        beads = _line_beads(tsv, src, tgt) if tsv.is_file() else None
        if beads is not None:
            test.append(beads)
            gold.append(read_beads(folder / "gold" / f"doc{k:05d}.beads"))
    return score(gold, test).f1_strict, len(test)


def finished_run(root: Path, n_pairs: int, template: dict) -> Path:
    """A pairs file of ``n_pairs`` tiny pairs under ``root/in`` and ``root/out`` holding a finished run of
    them: each pair's TSV and a manifest line made from ``template`` (a real pair's record, so each line
    has a real record's size), with the pair's names, file and digests. A run of the pairs file into
    ``root/out`` (same settings as the template's run) skips every pair: it costs the client's
    bookkeeping (the manifest, the summaries, the index) and no encoding."""
    import copy
    import hashlib
    import json

    src, out = root / "in", root / "out"
    for lang in ("de", "fr"):
        (src / lang).mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    body = (Path(template["_out"]) / template["file"]).read_bytes()
    old_stem = template["file"].split("__", 1)[1][:-len(".tsv")]
    lines, records = [], []
    for k in range(n_pairs):
        names = (f"de/doc{k:05d}.txt", f"fr/doc{k:05d}.txt")
        digests = []
        for name, text in zip(names, (f"Satz {k}.\n", f"Phrase {k}.\n")):
            (src / name).write_text(text, encoding="utf-8")
            digests.append(hashlib.sha256(text.encode()).hexdigest())
        lines.append(f"{names[0]}\t{names[1]}\tde\tfr\n")
        stem = f"doc{k:05d}__doc{k:05d}"
        rec = copy.deepcopy({key: v for key, v in template.items() if key != "_out"})
        rec.update(src=names[0], tgt=names[1], src_sha256=digests[0], tgt_sha256=digests[1],
                   file=f"de-fr__{stem}.tsv", outputs={f"de-fr__{stem}.tsv": hashlib.sha256(body).hexdigest()},
                   index_row=template["index_row"].replace(old_stem, stem))
        for e in rec["exclusions"]:
            e["document"] = names[0] if e["document"] == template["src"] else names[1]
        (out / rec["file"]).write_bytes(body)
        records.append(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    (out / "manifest.jsonl").write_text("".join(records), encoding="utf-8")
    (src / "pairs.tsv").write_text("".join(lines), encoding="utf-8")
    return src / "pairs.tsv"


def client_memory(sizes: list[int]) -> None:
    """Peak of the client's own Python objects (tracemalloc) and peak RSS of a CLI run, resuming a finished
    run of N tiny pairs (every pair skipped), for each N; bytes per pair from the two largest N."""
    import json
    import tracemalloc

    from aligner.config import DocConfig
    from aligner.engine import build_corpus

    doc_config = DocConfig(languages=("de", "fr"))
    with tempfile.TemporaryDirectory(prefix="aligner-bench-client-") as tmp:
        root = Path(tmp)
        one = build_pairs(root / "one", 1, 20, 60)  # one real pair: its record is the template
        build_corpus(root / "one-out", pairs_file=one, doc_config=doc_config, workbooks=False)
        line = (root / "one-out" / "manifest.jsonl").read_text(encoding="utf-8").splitlines()[0]
        template = dict(json.loads(line), _out=str(root / "one-out"))
        print(f"client memory: resuming a finished run of N pairs (records of {len(line.encode()):,} bytes, "
              "the real pair's), every pair skipped")
        peaks: dict[int, tuple[int, int, int]] = {}
        for n in sizes:
            pairs = finished_run(root / f"n{n}", n, template)
            out = root / f"n{n}" / "out"
            traced = []
            for _ in range(2):  # without summary.json (a killed run), then with it (a finished one)
                tracemalloc.start()
                report = build_corpus(out, pairs_file=pairs, doc_config=doc_config, workbooks=False)
                traced.append(tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()
                assert report.skipped == n, (report.skipped, n)
            env = dict(os.environ, PYTHONPATH=str(REPO))
            cmd = [sys.executable, "-c", "from aligner.cli import main; main()", "corpus", "--pairs", str(pairs),
                   "--out", str(out), "--no-xlsx", "--languages", "de,fr", "-q"]
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"{' '.join(cmd)} failed")
            peaks[n] = (traced[0], traced[1], usage.ru_maxrss * 1024)
            print(f"  {n:>7,} pairs: tracemalloc peak {traced[0] / 2**20:7.1f} MB (no summary yet), "
                  f"{traced[1] / 2**20:7.1f} MB (summary there); CLI peak RSS {usage.ru_maxrss / 1024:7.1f} MB",
                  flush=True)
        if len(sizes) > 1:
            a, b = sorted(sizes)[-2:]
            per = [(peaks[b][i] - peaks[a][i]) / (b - a) for i in range(3)]
            print(f"client bytes per pair ({a:,} -> {b:,} pairs): tracemalloc {per[0]:,.0f} (no summary yet), "
                  f"{per[1]:,.0f} (summary there); RSS {per[2]:,.0f}")
            print(f"SUMMARY client_memory pairs={a},{b} traced_bytes_per_pair={max(per[:2]):.0f} "
                  f"rss_bytes_per_pair={per[2]:.0f}")


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


def run(manifest: Path, out: Path, extra: list[str], env_extra: dict[str, str]) -> tuple[float, float, dict[int, int]]:
    """Wall seconds, CPU seconds of the process tree and the peak RSS (kB) of each process of one
    ``aligner corpus --pairs`` run (with ``--bitext OUT/corpus.tsv.gz``)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), **env_extra)
    cmd = [sys.executable, "-c", "from aligner.cli import main; main()", "corpus", "--pairs", str(manifest),
           "--out", str(out), "--no-xlsx", "--languages", "de,fr", "-q", "--bitext", str(out / "corpus.tsv.gz"),
           "--keep", "all", *extra]
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
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited with {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, peaks


def pairing_times(sizes: list[int], sentences: int = 20, dim: int = 512, exact_up_to: int = 1000) -> None:
    """Time to pair a folder of n documents from their sentence vectors (synthetic: n/2 sources, each
    with a noisy translation): every pair, the exact nearest 20, and the HNSW index (usearch)."""
    import numpy as np

    from aligner.corpus import similar_pairs

    rng = np.random.default_rng(0)
    for n in sizes:
        half = n // 2
        vecs = []
        for _ in range(half):
            v = rng.standard_normal((sentences, dim)).astype(np.float32)
            w = v + 0.6 * rng.standard_normal((sentences, dim)).astype(np.float32)
            vecs += [v / np.linalg.norm(v, axis=1, keepdims=True), w / np.linalg.norm(w, axis=1, keepdims=True)]
        paths = [("index", {"index_above": 0}), ("exact top-20", {"index_above": 10 ** 9})]
        if n <= exact_up_to:
            paths.append(("every pair", {"k": n}))
        for label, kw in paths:
            cpu = time.process_time()
            wall = time.perf_counter()
            edges = similar_pairs(vecs, 0.45, **kw)  # type: ignore[arg-type]
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            found = sum(j == i + 1 and i % 2 == 0 for _, i, j in edges)
            print(f"pairing {n:6d} documents, {label:>12}: {cpu:7.1f} s CPU ({wall:6.1f} s wall), "
                  f"{len(edges)} pairs >= 0.45, {found}/{half} translations among them")


def seed_cpu(base: str) -> None:
    """CPU seconds of ``aligner corpus corpus/`` in-process on the seeds at ``base`` and here (best of 2)."""
    import tarfile

    results = {}
    with tempfile.TemporaryDirectory(prefix="aligner-bench-seeds-") as tmp:
        old = Path(tmp) / "base"
        old.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", base], check=True, capture_output=True).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(old, filter="data")
        for label, tree in ((f"before the engine ({base})", old), ("this tree", REPO)):
            best = float("inf")
            for k in range(2):
                out = Path(tmp) / f"out-{label[:4]}-{k}"
                env = dict(os.environ, PYTHONPATH=str(tree))
                proc = subprocess.Popen([sys.executable, "-c", "from aligner.cli import main; main()", "corpus",
                                         str(tree / "corpus"), "--out", str(out), "-q"], cwd=tree, env=env,
                                        stdout=subprocess.DEVNULL)
                _, status, usage = os.wait4(proc.pid, 0)
                if os.waitstatus_to_exitcode(status) != 0:
                    raise SystemExit(f"seed corpus run in {tree} failed")
                best = min(best, usage.ru_utime + usage.ru_stime)
            results[label] = (best, out)
            print(f"seed corpus in-process, {label}: {best:.1f} s CPU (best of 2)")
        (a, out_a), (b, out_b) = results.values()
        same = sorted(p.name for p in out_b.iterdir() if p.suffix == ".tsv"
                      and (REPO / "alignments" / p.name).read_bytes() == p.read_bytes())
        print(f"seed corpus: this tree / before = {b / a:.2f} in CPU time; TSVs equal to alignments/: "
              f"{len(same)} of {len(list(out_b.glob('*.tsv')))}")


def _engine_base() -> str:
    """The commit before aligner/engine.py landed (first parent of the first commit that has it)."""
    log = subprocess.run(["git", "-C", str(REPO), "log", "--first-parent", "--format=%h", "--", "aligner/engine.py"],
                         check=True, capture_output=True, text=True).stdout.split()
    return f"{log[-1]}^1"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--min-beads", type=int, default=20)
    ap.add_argument("--max-beads", type=int, default=60)
    ap.add_argument("--f1-sample", type=int, default=40, help="pairs scored against their gold beads")
    ap.add_argument("--pairing-sizes", default="1000,5000,20000", help="folder sizes to time pairing on ('' none)")
    ap.add_argument("--no-runs", action="store_true", help="only the pairing (and seed) figures")
    ap.add_argument("--no-seeds", action="store_true", help="skip the seed corpus CPU comparison")
    ap.add_argument("--html", action="store_true", help="also a review page per pair (as `aligner corpus` by default)")
    ap.add_argument("--client-memory", metavar="SIZES", default="",
                    help="only the client's memory resuming finished runs of these many pairs (e.g. 1000,10000)")
    args = ap.parse_args()
    if args.client_memory:
        client_memory([int(x) for x in args.client_memory.split(",")])
        return
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    if args.pairing_sizes:
        pairing_times([int(x) for x in args.pairing_sizes.split(",")])
    if not args.no_seeds:
        seed_cpu(_engine_base())
    if args.no_runs:
        return
    with tempfile.TemporaryDirectory(prefix="aligner-bench-corpus-") as tmp:
        root = Path(tmp)
        manifest = build_pairs(root / "in", args.pairs, args.min_beads, args.max_beads)
        sents = sum(1 for p in (root / "in" / "de").glob("*.txt") for _ in p.open(encoding="utf-8"))
        print(f"{args.pairs} pairs, {sents} German sentences ({sents / args.pairs:.0f} per document)")
        figures = {}
        page = [] if args.html else ["--no-html"]
        one = {"ALIGNER_ENCODER_THREADS": "1"}
        for label, extra, env in RUNS:
            wall, cpu, peaks = run(manifest, root / label.replace(" ", "-").replace(",", ""), [*extra, *page],
                                   one if env else {})
            rates = args.pairs / wall
            client = peaks.pop(min(peaks), 0) / 1024 if peaks else 0.0
            worker = max(peaks.values()) / 1024 if peaks else 0.0
            figures[label] = (wall, rates, cpu, client, worker)
            print(f"{label:>22}: {wall:7.1f} s wall  {rates:5.2f} pairs/s  {cpu:7.1f} s CPU ({cpu / args.pairs:.2f} s "
                  f"per pair)  peak RSS client {client:5.0f} MB, largest other process {worker:5.0f} MB "
                  f"({len(peaks)} others)", flush=True)
        outs = [root / k.replace(" ", "-").replace(",", "") for k in figures]
        names = sorted(p.name for p in outs[0].iterdir() if p.name != "manifest.jsonl" and p.is_file())
        differ = sorted({n for o in outs[1:] for n in names
                         if not (o / n).is_file() or (o / n).read_bytes() != (outs[0] / n).read_bytes()})
        same = not differ
        print(f"same output bytes in all {len(outs)} runs: {same} ({len(names)} files each, corpus.tsv.gz included; "
              f"differ: {', '.join(differ[:5]) or 'none'})")
        f1, scored = strict_f1(root / "in", outs[0], min(args.f1_sample, args.pairs))
        print(f"strict F1 of {scored} pairs against their gold beads: {f1:.3f} (the same in every run: same bytes)")
        inproc, inproc1, w1, w2 = (figures[label][0] for label, _, _ in RUNS)
        speedup = w1 / w2
        overhead, overhead1 = w1 / inproc1 - 1, w1 / inproc - 1
        print(f"2 workers over 1: {speedup:.2f}x (target >= 1.7x)")
        print(f"1 worker over in-process, both one encoder thread: {overhead * 100:+.0f}% wall, "
              f"{figures['1 worker'][2] / figures[RUNS[1][0]][2] * 100 - 100:+.0f}% CPU (the target, <= 10%: the "
              f"cost of the engine, each path on one core)")
        print(f"1 worker over in-process as run by default ({os.cpu_count()} encoder threads): {overhead1 * 100:+.0f}% "
              f"wall (one core against all of them); 2 workers over it: {inproc / w2:.2f}x")
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"SUMMARY pairs={args.pairs} html={args.html} inproc_pairs_s={args.pairs / inproc:.2f} "
              f"inproc_1thread_pairs_s={args.pairs / inproc1:.2f} w1_pairs_s={args.pairs / w1:.2f} "
              f"w2_pairs_s={args.pairs / w2:.2f} speedup_2_over_1={speedup:.2f} "
              f"overhead_1w_equal_threads={overhead * 100:.0f}% overhead_1w_default={overhead1 * 100:.0f}% "
              f"cpu_s_per_pair={figures[RUNS[1][0]][2] / args.pairs:.2f} "
              f"peak_worker_mb={figures['2 workers'][4]:.0f} strict_f1={f1:.3f} identical={same}")


# label, options, one encoder thread in the client (the workers always have one)
RUNS = (("in-process", [], False), ("in-process, 1 thread", [], True),
        ("1 worker", ["--workers", "1"], False), ("2 workers", ["--workers", "2"], False))


if __name__ == "__main__":
    main()
