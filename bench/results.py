"""Run every benchmark and write their figures into bench/RESULTS.md (the table the README links to).

    python bench/results.py                  # all of them: a few minutes on 2 cores
    python bench/results.py --out /tmp/R.md  # somewhere else

Runs, each in its own process and in this order: ``bench/textberg.py`` (the
test set, then ``--set dev --runs 1 --no-floor`` for the dev document's
accuracy), ``bench/scale.py`` and ``bench/qa.py``. Each prints one ``SUMMARY``
line last; this script reads only those lines, puts the figures a reader
looks for in one table, and keeps the SUMMARY lines verbatim below it, with
the date, the commit and the machine. The file is written atomically and only
when every benchmark succeeded, so a failed run never leaves half a table.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aligner.io import atomic_write_text  # noqa: E402

RUNS: tuple[tuple[str, list[str]], ...] = (
    ("textberg", ["bench/textberg.py"]),
    ("textberg-dev", ["bench/textberg.py", "--set", "dev", "--runs", "1", "--no-floor"]),
    ("scale", ["bench/scale.py"]),
    ("qa", ["bench/qa.py"]),
)


def run(args: list[str]) -> str:
    """The SUMMARY line (without the word) of ``python ARGS`` run from the repository root."""
    started = time.perf_counter()
    print(f"running python {' '.join(args)} ...", file=sys.stderr, flush=True)
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-4000:])
        raise SystemExit(f"error: python {' '.join(args)} failed (exit {done.returncode}); RESULTS.md not written")
    lines = [x for x in done.stdout.splitlines() if x.startswith("SUMMARY ")]
    if not lines:
        raise SystemExit(f"error: python {' '.join(args)} printed no SUMMARY line; RESULTS.md not written")
    print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return lines[-1].removeprefix("SUMMARY ").strip()


def fields(summary: str) -> dict[str, str]:
    """The ``key=value`` tokens of a SUMMARY line."""
    return dict(tok.split("=", 1) for tok in summary.split() if "=" in tok)


def clause(summary: str, label: str) -> str:
    """The ``;``-separated clause of a prose SUMMARY line that starts with ``label`` (bench/qa.py's style)."""
    for part in summary.split(";"):
        if part.strip().startswith(label):
            return part.strip()
    return "?"


def machine(load_before: float | None) -> str:
    model = platform.processor() or platform.machine()
    try:
        names = re.findall(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        model = names[0].strip() if names else model
    except OSError:
        pass
    load = ""
    if load_before is not None:  # other work on the machine slows the timings (not the accuracy)
        load = f", load average {load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at the end"
    return (f"{model}, {os.cpu_count()} cores{load}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}")


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True)
    if done.returncode != 0:
        return "unknown"
    return done.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def g(d: dict[str, str], key: str) -> str:
    """A figure, or "?" when the SUMMARY line has no such key (a renamed figure must not crash the table)."""
    return d.get(key, "?")


def pct(d: dict[str, str], key: str) -> str:
    return f"{float(d[key]):.1%}" if key in d else "?"


def table(s: dict[str, str]) -> list[str]:
    """The figures a reader looks for, one row each."""
    tb, dev, sc = fields(s["textberg"]), fields(s["textberg-dev"]), fields(s["scale"])
    sizes = re.findall(r"(\d+):([\d.]+)s/(\d+)MB", s["scale"])
    rows = [
        ("Text+Berg de–fr test (7 documents)", "strict F1 (95% interval)",
         f"{g(tb, 'strict_F1')} ({g(tb, 'strict_F1_95')})"),
        ("", "lax F1 (95% interval)", f"{g(tb, 'lax_F1')} ({g(tb, 'lax_F1_95')})"),
        ("", "bead confidence: ROC AUC (the cosine's)", f"{g(tb, 'conf_auc')} ({g(tb, 'cos_auc')})"),
        ("", "beads with confidence ≥ 0.95: share, right",
         f"{pct(tb, 'sure_share')}, {pct(tb, 'sure_right')}"),
        ("", f"wall time incl. model load (median of {g(tb, 'runs')} processes)",
         f"{g(tb, 'wall_s')} s ({g(tb, 'wall_range')})"),
        ("", "wall time / encode-every-sentence-once floor", f"{g(tb, 'ratio')}×"),
        ("", "the user's path (QA on, as `aligner align` runs): wall, / floor",
         f"{g(tb, 'user_wall_s')} s, {g(tb, 'user_ratio')}× (CPU {g(tb, 'user_cpu_ratio')}×)"),
        ("", "peak memory", f"{g(tb, 'peak_MB')} MB"),
        ("Text+Berg de–fr dev (1 document, tuned on)", "strict / lax F1",
         f"{g(dev, 'strict_F1')} / {g(dev, 'lax_F1')}"),
        ("Scale (sentences per side)", "alignment time",
         ", ".join(f"{int(n) // 1000}k: {t} s" for n, t, _ in sizes) or "?"),
        ("", "worst growth per doubling (1.00 = linear)", g(sc, "per_doubling")),
        ("", "peak memory at the largest size", f"{g(sc, 'max_rss_MB')} MB"),
        ("", "lowest strict F1 over the sizes", g(sc, "min_strict_F1")),
        ("QA", "encoding damage on the German seed", clause(s["qa"], "seed damage")),
        ("", "false alarms on the clean English seeds", clause(s["qa"], "clean-seed false alarms")),
        ("", "held-out encoding damage, test part (4 languages × 3 conversions × 3 house styles)",
         clause(s["qa"], "held-out test")),
        ("", "held-out encoding damage, dev part (tuned on)", clause(s["qa"], "held-out dev")),
        ("", "synthetic Latin-1 damage", clause(s["qa"], "latin-1")),
        ("", "synthetic seed-style damage", clause(s["qa"], "seed-style")),
        ("", "number mismatches", clause(s["qa"], "numbers")),
        ("", "low-similarity on swapped Text+Berg pairs", clause(s["qa"], "low-similarity")),
    ]
    out = ["| benchmark | figure | value |", "|---|---|---|"]
    out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return out


def timing_note(load_before: float | None) -> str:
    cores = os.cpu_count() or 1
    if load_before is not None and load_before > cores:
        return (f"The machine was busy with other work (load average above its {cores} cores), so the times are "
                "well above an idle machine's; the accuracy figures do not depend on load.")
    return "Times vary by 10–20% between runs on a shared machine; accuracy figures do not change between runs."


def render(summaries: dict[str, str], load_before: float | None) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python bench/results.py` on {when}, commit {commit()}.",
        f"Machine: {machine(load_before)}.",
        timing_note(load_before),
        "",
        *table(summaries),
        "",
        "Published figures on the same Text+Berg test set, for comparison (strict / lax F1): Bertalign with USE",
        "0.911 / 0.984, Vecalign with LASER 0.902, Bertalign with LaBSE 0.936.",
        "",
        "What each benchmark does is in its script's docstring (`bench/textberg.py`, `bench/scale.py`,",
        "`bench/qa.py`). Their SUMMARY lines, verbatim:",
        "",
        "```text",
        *(f"{name}: {summaries[name]}" for name, _ in RUNS),
        "```",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    summaries = {name: run(argv) for name, argv in RUNS}
    atomic_write_text(args.out, render(summaries, load_before))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
