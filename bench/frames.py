"""What the pandas frames cost: building one, reading a table as one, writing one back; and import time.

    python bench/frames.py                  # 50k beads
    python bench/frames.py --beads 10000

The alignment is built from the committed seed run's beads (alignments/*.tsv),
repeated until the size is reached, with fresh segment ids, so the text, the
bead types and the flags are real. Each step is timed once (best of ``--runs``):
``aligner.to_frame(alignment)``, ``read_alignment`` of its TSV, filtering and
exporting Moses from the frame, and writing the whole frame back as TSV (which
checks every row against the frame's snapshot). Last: the import time of
``aligner.cli`` in fresh processes, and whether it loaded pandas.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aligner
from aligner.export import export
from aligner.export.read import read_alignment as read_sets
from aligner.types import AlignedPair, Alignment, Bead, Document, Segment

REPO = Path(__file__).resolve().parents[1]


def _document(name: str, lang: str, texts: list[str]) -> Document:
    segments, pos = [], 0
    for i, t in enumerate(texts):
        segments.append(Segment(i, t, pos, pos + len(t), i))
        pos += len(t) + 1
    return Document(name=name, text="\n".join(texts), lang=lang, segments=tuple(segments))


def build(n: int) -> Alignment:
    """``n`` beads of the committed en-de run, repeated, renumbered."""
    (table,) = (REPO / "alignments").glob("en-de__*.tsv")
    seed = read_sets(table)[0].pairs
    pairs, src, tgt = [], [], []
    while len(pairs) < n:
        for p in seed[: n - len(pairs)]:
            s = tuple(range(len(src), len(src) + len(p.bead.src)))
            t = tuple(range(len(tgt), len(tgt) + len(p.bead.tgt)))
            src += [p.src] * len(s)  # one segment per id, so the ids stay real
            tgt += [p.tgt] * len(t)
            pairs.append(AlignedPair(Bead(s, t, p.bead.score, p.bead.confidence), " ".join([p.src] * len(s)),
                                     " ".join([p.tgt] * len(t)), p.flags))
    return Alignment(_document("a", "en", src), _document("b", "de", tgt), tuple(pairs), "bench")


def best(runs: int, fn):  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--beads", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    alignment = build(args.beads)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        tsv = out / "en-de__a__b.tsv"
        aligner.write_tsv(alignment, tsv)
        t_frame, frame = best(args.runs, lambda: aligner.to_frame(alignment))
        t_read, _ = best(args.runs, lambda: aligner.read_alignment(tsv))
        t_plain, _ = best(args.runs, lambda: aligner.write_tsv(alignment, out / "plain.tsv"))
        clean = frame[(frame.confidence >= 0.95) & (frame.severity != "error")]
        t_moses, _ = best(args.runs, lambda: export(clean, out / "clean", "moses"))
        t_back, _ = best(args.runs, lambda: aligner.write_tsv(frame, out / "back.tsv"))
        same = (out / "back.tsv").read_bytes() == tsv.read_bytes()
        size = len(frame.attrs["_aligner"]) / 1e6
    code = "import sys, time; t = time.perf_counter(); import aligner.cli; " \
           "print(time.perf_counter() - t, 'pandas' in sys.modules)"
    imports = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              cwd=REPO).stdout.split() for _ in range(args.runs)]
    t_import = min(float(s) for s, _ in imports)
    pandas_loaded = any(flag == "True" for _, flag in imports)
    print(f"{args.beads} beads: to_frame {t_frame:.2f} s, read_alignment(tsv) {t_read:.2f} s, "
          f"write_tsv(alignment) {t_plain:.2f} s, write_tsv(frame) {t_back:.2f} s (same bytes: {same}), "
          f"moses from {len(clean)} filtered rows {t_moses:.2f} s; snapshot {size:.1f} MB")
    print(f"import aligner.cli: {t_import * 1000:.0f} ms, pandas loaded: {pandas_loaded}")
    print(f"SUMMARY beads={args.beads} to_frame={t_frame:.2f}s read={t_read:.2f}s write_back={t_back:.2f}s "
          f"moses={t_moses:.2f}s same_bytes={same} import_cli_ms={t_import * 1000:.0f} "
          f"pandas_on_import={pandas_loaded}")


if __name__ == "__main__":
    main()
