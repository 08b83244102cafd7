"""`aligner align` on the seed pair, timed in fresh processes, with the split of its wall time.

    python bench/cli.py                  # 5 fresh processes on corpus/en/001 + corpus/de/003
    python bench/cli.py --runs 9 SRC TGT
    python bench/cli.py --check OLD.tsv  # also compare the output bytes with an earlier output

Each run is a fresh ``python`` process that runs the ``aligner`` command's own entry point
(``aligner.cli.main``) with timers around the pipeline's stages, so the figures are those of
the command a user types (same imports, same model cache). The stages are timed exclusively
(a stage inside another is not counted twice):

* ``startup``: interpreter start and ``import aligner.cli`` (typer and what it pulls in);
* ``langid``: language detection of the documents' paragraphs and of a wrapped document's lines
  (lingua), including the wait for the check that the text is in a language in play (which runs in
  a background thread);
* ``split``: sentence splitting (NLTK's import on first use included);
* ``model``: waiting for the encoder's model, which loads in the background meanwhile;
* ``encode``: the sentence embeddings;
* ``search``: the alignment search and bead confidence;
* ``qa``: the QA stage;
* ``write``: writing the output file;
* ``other``: everything else (reading the files, option parsing, exit).

Apart from the split, ``qa_lang``: the QA stage's language checks (other-language, untranslated;
their first reading of every side in one batch included), which run in the language thread beside
the rest of the QA stage, with their wall time and that thread's CPU time.

Beside each stage's wall time, its CPU time in the main thread; ``cpu`` is the whole process's
CPU time (user + system, all threads: the model's background load and the language-support check
included, which the "other threads" figure is), which on a shared
machine is the better proxy for the wall time of a quiet one. The load average is printed with
the figures.

The last line is one ``SUMMARY`` line with the median wall and CPU time and the median of each stage.
The model cache should be warm (run ``aligner align`` once before); the summary says which.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("startup", "langid", "split", "model", "encode", "search", "qa", "write", "other")
# (module, attribute path, stage): bench/hooks.py replaces each by a timed wrapper in the child process
HOOKS = (
    ("aligner.document", "guess_blocks", "langid"),
    ("aligner.document", "cheap_blocks", "langid"),
    ("aligner.document", "smooth", "langid"),
    ("aligner.document", "_supported", "langid"),
    ("aligner.document", "_segments", "split"),
    ("aligner.encoders", "USEEncoder._ready", "model"),
    ("aligner.pipeline", "windows", "encode"),
    ("aligner.pipeline", "align_windows", "search"),
    ("aligner.pipeline", "run_qa", "qa"),
    ("aligner.cli.core", "write_alignment", "write"),
)
# (module, attribute path, part): work another thread does beside the stages, timed apart
BESIDE = (("aligner.qa.checks", "_document_language_flags", "qa_lang"),)


def _child(argv: list[str], t_exec: float) -> None:
    """Run ``aligner ARGV`` in this process with the stage timers; print the split as JSON."""
    sys.path.insert(0, str(ROOT))
    from hooks import Parts, Stages, install

    stages = Stages(STAGES, "startup", t_exec)
    beside = Parts((part for _, _, part in BESIDE), time.thread_time)
    import aligner.cli

    missing = install(HOOKS, stages.wrap) + install(BESIDE, beside.wrap)
    stages.switch("other")
    sys.argv = ["aligner", *argv]
    try:
        aligner.cli.main()
    except SystemExit as done:
        stages.switch("other")
        if done.code:
            raise
    print("SPLIT " + json.dumps(stages.wall))
    print("CPU " + json.dumps(stages.cpu))
    print("BESIDE " + json.dumps({part: [beside.wall[part], beside.spent[part]] for part in beside.spent}))
    print("UNTIMED " + json.dumps(missing))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("src", nargs="?", default=str(next((ROOT / "corpus" / "en").glob("001-*.txt"))))
    parser.add_argument("tgt", nargs="?", default=str(next((ROOT / "corpus" / "de").glob("003-*.txt"))))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--check", help="an earlier output (.tsv) of the same pair: compare the bytes")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.add_argument("--t-exec", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        _child(args.child, args.t_exec)
        return

    from aligner.encoders import PREPARED_PREFIX, model_cache_dir

    cache = model_cache_dir()
    model_cache = "off" if cache is None else "warm" if any(cache.glob(f"{PREPARED_PREFIX}*")) else "cold"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    walls: list[float] = []
    cpus: list[float] = []
    splits: list[dict[str, float]] = []
    untimed: list[str] = []
    cpu_splits: list[dict[str, float]] = []
    besides: list[dict[str, list[float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.tsv"
        for _ in range(args.runs):
            t0, before = time.time(), resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run([sys.executable, __file__, "--t-exec", repr(t0), "--child", "align",
                                   args.src, args.tgt, "-o", str(out)],
                                  capture_output=True, text=True, env=env)
            walls.append(time.time() - t0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if done.returncode:
                sys.exit(f"error: aligner align failed: {done.stderr.strip()}")
            line = next(x for x in done.stdout.splitlines() if x.startswith("SPLIT "))
            splits.append(json.loads(line[len("SPLIT "):]))
            line = next(x for x in done.stdout.splitlines() if x.startswith("CPU "))
            cpu_splits.append(json.loads(line[len("CPU "):]))
            line = next(x for x in done.stdout.splitlines() if x.startswith("BESIDE "))
            besides.append(json.loads(line[len("BESIDE "):]))
            line = next(x for x in done.stdout.splitlines() if x.startswith("UNTIMED "))
            untimed = json.loads(line[len("UNTIMED "):])
        same = None
        if args.check:
            same = Path(args.check).read_bytes() == out.read_bytes()
    med = {s: statistics.median(x[s] for x in splits) for s in STAGES}
    med_cpu = {s: statistics.median(x[s] for x in cpu_splits) for s in STAGES}
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"aligner align {Path(args.src).name} {Path(args.tgt).name}: {args.runs} fresh processes, "
          f"model cache {model_cache}, cores {os.cpu_count()}, load average {load}")
    print(f"wall median {statistics.median(walls):.2f} s ({min(walls):.2f}-{max(walls):.2f}; "
          f"runs: {', '.join(f'{w:.2f}' for w in walls)})")
    print(f"cpu  median {statistics.median(cpus):.2f} s ({min(cpus):.2f}-{max(cpus):.2f}; all threads)")
    print(f"  {'stage':8} {'wall':>8}  {'(range)':13}  {'cpu, main thread':>16}")
    for s in STAGES:
        print(f"  {s:8} {med[s]:6.3f} s  ({min(x[s] for x in splits):.3f}-{max(x[s] for x in splits):.3f})"
              f"  {med_cpu[s]:6.3f} s")
    apart = {part: [statistics.median(x[part][k] for x in besides) for k in (0, 1)] for _, _, part in BESIDE}
    for part, (wall, cpu) in apart.items():
        print(f"  {part:8} {wall:6.3f} s  (in the language thread, beside qa)  {cpu:6.3f} s")
    main_cpu = statistics.median(sum(x.values()) for x in cpu_splits)
    background = statistics.median(c - sum(x.values()) for c, x in zip(cpus, cpu_splits))
    print(f"  cpu: main thread {main_cpu:.2f} s, other threads {background:.2f} s (the model's load and the "
          f"language-support check, in the background)")
    if untimed:
        print(f"  untimed (not found, counted in other): {', '.join(untimed)}")
    if same is not None:
        print(f"output bytes {'identical to' if same else 'DIFFER from'} {args.check}")
    print(f"SUMMARY runs={args.runs} wall_s={statistics.median(walls):.2f} "
          f"wall_range={min(walls):.2f}-{max(walls):.2f} cpu_s={statistics.median(cpus):.2f} "
          + " ".join(f"{s}_s={med[s]:.3f}" for s in STAGES) + " "
          + " ".join(f"{s}_cpu_s={med_cpu[s]:.3f}" for s in STAGES) + " "
          + " ".join(f"{part}_s={wall:.3f} {part}_cpu_s={cpu:.3f}" for part, (wall, cpu) in apart.items())
          + f" load={load.replace(' ', '/')}"
          + f" main_cpu_s={main_cpu:.2f} background_cpu_s={background:.2f}"
          + f" model_cache={model_cache}" + ("" if same is None else f" same_bytes={same}"))


if __name__ == "__main__":
    main()
