"""Cost of ``segment`` and ``align`` from 1 KB to 50 MB documents, normal and pathological.

    python bench/input_sizes.py --save sizes.jsonl         # 1 KB, 1 MB, 10 MB, 50 MB; every kind and step
    python bench/input_sizes.py --sizes 1M 2M 4M --kinds normal --steps align --save sizes.jsonl
    python bench/input_sizes.py --sizes 1K 256K 1M 2M --kinds normal --steps align --distinct --save sizes.jsonl
    python bench/input_sizes.py --report --save sizes.jsonl   # the table of every run saved so far
    python bench/input_sizes.py --report --save bench/data/input_sizes.jsonl   # the runs measured so far

Kinds of document (each built to the size in UTF-8 bytes, from Text+Berg, public text
that is not the seeds; German source, French target):

* ``normal``: the Text+Berg sentences, five to a paragraph, paragraphs separated by a
  blank line, repeated until the size is reached;
* ``one-line``: the same words with every sentence end (. ! ? : ;) removed, all on one
  line: one paragraph with no sentence end, which ``aligner.sentences`` cuts at
  ``MAX_SENTENCE_CHARS`` (and reports);
* ``one-token``: a single token of the size: the letters of the same text, with every
  space, digit and punctuation mark removed (so it still reads as German or French),
  cut by ``aligner.sentences`` into pieces of ``MAX_SENTENCE_CHARS`` (and reported).

The repeated unit of the pathological kinds is laid out so that every repeat is cut
into the same pieces (its lines, and its token, a whole number of pieces long): like a
repeated sentence of ``normal``, a repeated piece is encoded once.

Text+Berg is about 60 KB a language, so a larger document repeats it. The encoder
memoises the sentences it has seen, so by default a repeated sentence goes through its
token network once per run: the figures then measure everything but that network's
cost for the repeats. With ``--distinct`` the sentences of the r-th repeat carry
"(r) " in front, so every sentence is new to the encoder (the cost of a real book of
that size; encoding is then most of ``align``'s time).

Each (step, kind, size) runs in a fresh process. ``segment`` is ``read_document`` of the
source with its language detected; ``align`` is ``align_documents`` of the two
documents (QA included unless ``--no-qa``), made first in the same process with their
languages given (their time is not counted), and then, as ``aligner align -o`` does, the
alignment written as TSV and as the review workbook (unless ``--no-write``; their CPU
time is shown apart and not in the align figure, their memory is in the peak). Loads
(lingua's models, the encoder, the QA stage) happen on a small warm-up document first
and are not counted.

The table has a row per cell of the target's grid (both steps, every kind, 1 KB, 1 MB,
10 MB, 50 MB; repeated text, QA on) and per other run: wall and CPU seconds (the
process's user + system time, all threads: the figure to compare on a shared machine),
peak memory (the process's max RSS, models included), the segments per side, the load
average while it ran, how the CPU time per byte grew per doubling of the size since
the series' previous size ((time ratio / size ratio) ** (1 / log2(size ratio)); 1.0 =
linear, 2.0 = quadratic), the verdict against the target (at most 1.3 per doubling from
1 MB on, no run above 2 GB) and, for ``align``, the CPU seconds of its stages (encoding
the window tables, the search with its confidence pass, the QA, the two writers). A
cell of the grid not run says so, with the command that runs it and an estimate at
linear cost. ``--save FILE`` keeps every run's figures (JSON lines), so a grid can be
run in parts; the table shows the latest run of each cell. Under load, CPU times of a
few seconds vary by 20-30% from run to run.
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
from typing import Any

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
    sents = _sentences(lang)
    parts: list[str] = []
    total = rep = 0
    while total <= size:
        mark = f"({rep}) " if distinct and rep else ""
        if kind == "normal":
            unit = "\n\n".join(" ".join(mark + x for x in sents[k:k + 5]) for k in range(0, len(sents), 5)) + "\n\n"
        elif kind == "one-line":
            unit = " ".join(_pieces(re.sub(r"[.!?:;]", "", " ".join(mark + x for x in sents)).split())) + " "
        else:
            letters = re.sub(r"[\W\d_]+", "", ("Wiederholung" * rep if distinct else "") + "".join(sents))
            unit = letters[:len(letters) // MAX_SENTENCE_CHARS * MAX_SENTENCE_CHARS]
        parts.append(unit)
        total += len(unit.encode())
        rep += 1
    if kind == "normal":
        return "".join(parts).encode()[:size].decode("utf-8", "ignore")
    return "".join(parts).encode()[:size - 1].decode("utf-8", "ignore").rstrip() + "\n"


MAX_SENTENCE_CHARS = 2000  # aligner.sentences.MAX_SENTENCE_CHARS (not imported: the parent stays light)


def _pieces(words: list[str]) -> list[str]:
    """``words`` as lines of exactly MAX_SENTENCE_CHARS characters (the last word of a line cut to fit), which
    is where aligner.sentences cuts a line without sentence ends: every repeat of a unit is cut the same way."""
    lines, line = [], ""
    for word in words:
        if len(line) + 1 + len(word) <= MAX_SENTENCE_CHARS:
            line = f"{line} {word}" if line else word
            continue
        room = MAX_SENTENCE_CHARS - len(line) - 1
        lines.append(f"{line} {word[:room]}" if room > 0 else line.ljust(MAX_SENTENCE_CHARS, line[-1]))
        line = word[room:] if room > 0 else word
    return lines


def _cpu() -> float:
    usage = os.times()
    return usage.user + usage.system


def child(step: str, src_path: str, tgt_path: str, qa: bool, write: bool) -> None:
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
                   beads=len(alignment.pairs), align_peak_mb=_peak_mb(),
                   stages={"encode": aligning - cpu, "search": checking - aligning, "qa": end - checking})
        if write:  # as `aligner align -o OUT.tsv` / `-o OUT.xlsx`: the writers' own cost, after the alignment's
            from aligner.export.registry import export

            with tempfile.TemporaryDirectory() as folder:
                for fmt in ("tsv", "xlsx"):
                    mark = _cpu()
                    export(alignment, Path(folder) / f"out.{fmt}", fmt)
                    out["stages"][fmt] = _cpu() - mark  # type: ignore[index]
    print(json.dumps(out))


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024




def run(step: str, src: Path, tgt: Path, timeout: float, qa: bool, write: bool) -> dict[str, Any]:
    """One step in a fresh process: its JSON figures plus its own peak RSS (wait4's rusage)."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, __file__, "--child", step, str(src), str(tgt), str(int(qa)),
                                 str(int(write))], stdout=out, stderr=err, text=True)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                return {"error": f"stopped after {timeout:.0f} s", "peak_mb": usage.ru_maxrss / 1024,
                        "load": (load + os.getloadavg()[0]) / 2}
            time.sleep(0.2)
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if code != 0:
            return {"error": (err.read().strip().splitlines() or [f"exit {code}"])[-1],
                    "peak_mb": usage.ru_maxrss / 1024, "load": (load + os.getloadavg()[0]) / 2}
        result: dict[str, Any] = json.loads(out.read().strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024
    result["load"] = (load + os.getloadavg()[0]) / 2  # the 1-minute load average, before and after
    return result


LIMIT_RATIO = 1.3  # CPU time per byte, per doubling of the size
LIMIT_MB = 2048  # peak RSS of any run
GRID_SIZES = ("1K", "1M", "10M", "50M")  # the sizes the target names, for every step and kind


def _label(size: int) -> str:
    for unit in ("G", "M", "K"):
        if size >= UNITS[unit] and size % UNITS[unit] == 0:
            return f"{size // UNITS[unit]}{unit}"
    return f"{size}B"


def _series(rec: dict[str, Any]) -> tuple[str, str, bool, bool]:
    """What a run's figures are comparable with: (step, kind, distinct, qa); QA only matters to align."""
    return rec["step"], rec["kind"], bool(rec["distinct"]), bool(rec["qa"]) if rec["step"] == "align" else True


def _command(step: str, kind: str, size: int, distinct: bool, qa: bool) -> str:
    return (f"nice -n 10 python bench/input_sizes.py --steps {step} --kinds {kind} --sizes {_label(size)}"
            + (" --distinct" if distinct else "") + ("" if qa or step != "align" else " --no-qa")
            + " --save sizes.jsonl")


def report(records: list[dict[str, Any]]) -> bool:
    """Print the table of ``records`` (the latest run of each cell) with the cells of the target's grid
    that no record has, and the verdict; True when every cell of the grid was run and is within target."""
    latest: dict[tuple[tuple[str, str, bool, bool], int], dict[str, Any]] = {}
    for rec in records:
        latest[_series(rec), int(rec["size"])] = rec
    grid = {(("segment", kind, False, True), parse_size(s)) for kind in KINDS for s in GRID_SIZES}
    grid |= {(("align", kind, False, True), parse_size(s)) for kind in KINDS for s in GRID_SIZES}
    cells = sorted(set(latest) | grid, key=lambda c: (c[0][2], not c[0][3], STEPS.index(c[0][0]),
                                                      KINDS.index(c[0][1]), c[1]))
    print(f"{'step':<8} {'kind':<10} {'text':<9} {'size':>5} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} "
          f"{'segments':>15} {'load':>5} {'ratio':>6}  verdict; CPU s by stage")
    ok, previous = True, {}  # previous: per series, the last (size, CPU s) measured
    for series, size in cells:
        step, kind, distinct, qa = series
        text = ("distinct" if distinct else "repeated") + ("" if qa else " noQA")
        lead = f"{step:<8} {kind:<10} {text:<9} {_label(size):>5}"
        rec = latest.get((series, size))
        if rec is None:
            base = previous.get(series)
            guess = f"~{base[1] * size / base[0]:.0f} CPU s at linear cost from {_label(base[0])}" if base else \
                "no smaller size measured"
            print(f"{lead} not run: {_command(step, kind, size, distinct, qa)}  ({guess})")
            ok = False
            continue
        peak, load = float(rec.get("peak_mb", 0)), float(rec.get("load", 0))
        if "error" in rec:
            print(f"{lead} {'-':>8} {'-':>8} {peak:8.0f} {'-':>15} {load:5.1f} {'-':>6}  FAILED: {rec['error']}")
            ok = False
            continue
        cpu = float(rec["cpu"])
        ratio, s0 = None, 0
        if series in previous:
            s0, t0 = previous[series]
            ratio = (cpu / max(t0, 1e-6) / (size / s0)) ** (1 / math.log2(size / s0))
        previous[series] = (size, cpu)
        problems = [f"ABOVE {LIMIT_MB} MB"] if peak > LIMIT_MB else []
        if ratio is not None and s0 >= UNITS["M"] and ratio > LIMIT_RATIO:
            problems.append(f"ABOVE {LIMIT_RATIO} per doubling")
        verdicts = problems or ["ok"]
        if ratio is None or s0 < UNITS["M"]:  # below 1 MB, fixed costs dominate
            verdicts.append("first size" if ratio is None else "ratio from below 1 MB: no verdict")
        ok = ok and not problems
        segs = f"{rec['segments']}" + (f"/{rec['tgt_segments']}" if "tgt_segments" in rec else "")
        stages = " / ".join(f"{k} {v:.1f}" for k, v in rec.get("stages", {}).items())
        notes = [stages] if stages else []
        if rec.get("notes"):
            notes.append(f"{rec['notes']} cut(s) reported")
        if rec.get("align_peak_mb"):
            notes.append(f"peak {float(rec['align_peak_mb']):.0f} MB before writing")
        if rec.get("note"):  # what a run saved by hand says about itself (e.g. made without the writers)
            notes.append(str(rec["note"]))
        print(f"{lead} {float(rec['seconds']):8.2f} {cpu:8.2f} {peak:8.0f} {segs:>15} {load:5.1f} "
              f"{'' if ratio is None else f'{ratio:.2f}':>6}  {'; '.join(verdicts)}" + (f"; {'; '.join(notes)}"
                                                                                      if notes else ""))
    worst = max((float(r.get("peak_mb", 0)) for r in latest.values()), default=0.0)
    print(f"verdict: {'every cell of the target run and within it' if ok else 'NOT within target (see rows)'}; "
          f"largest peak {worst:.0f} MB; {os.cpu_count()} cores")
    return ok


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5], qa=sys.argv[5] == "1", write=sys.argv[6] == "1")
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sizes", nargs="+", type=parse_size, default=[parse_size(s) for s in GRID_SIZES])
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    parser.add_argument("--distinct", action="store_true", help="no sentence repeats (see the docstring)")
    parser.add_argument("--no-qa", dest="qa", action="store_false", help="align without the QA stage")
    parser.add_argument("--no-write", dest="write", action="store_false",
                        help="align without writing the TSV and the workbook afterwards")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per run before it is stopped")
    parser.add_argument("--save", type=Path, metavar="FILE", help="append each run's figures to FILE (JSON lines); "
                        "the table then covers every run in FILE")
    parser.add_argument("--report", action="store_true", help="run nothing: print the table of --save's FILE")
    args = parser.parse_args()
    records: list[dict[str, Any]] = []
    if args.save and args.save.exists():
        records = [json.loads(line) for line in args.save.read_text().splitlines() if line.strip()]
    if not args.report:
        with tempfile.TemporaryDirectory() as folder:
            for kind in args.kinds:
                for size in sorted(args.sizes):
                    src, tgt = Path(folder) / "src.txt", Path(folder) / "tgt.txt"
                    src.write_text(build(kind, "de", size, args.distinct), encoding="utf-8")
                    tgt.write_text(build(kind, "fr", size, args.distinct), encoding="utf-8")
                    for step in args.steps:
                        rec = {"step": step, "kind": kind, "size": size, "distinct": args.distinct, "qa": args.qa,
                               **run(step, src, tgt, args.timeout, args.qa, args.write)}
                        records.append(rec)
                        print(f"# {step} {kind} {_label(size)}: " + (rec.get("error") or
                              f"{float(rec['cpu']):.1f} CPU s, {float(rec['peak_mb']):.0f} MB"), flush=True)
                        if args.save:
                            with args.save.open("a") as fh:
                                fh.write(json.dumps(rec) + "\n")
    report(records)


if __name__ == "__main__":
    main()
