"""Corpus runs at scale (aligner/engine.py): a pairs file, bad documents, resuming after a kill, Dask.

The document pairs are cut from the Text+Berg gold alignments (bench/corpus.py), German and French,
a few beads each, so a pair aligns in well under a second once the encoder is loaded.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aligner.cli import app
from aligner.engine import MANIFEST, CorpusFile, build_corpus, read_manifest_tsv
from aligner.errors import InputError
from bench.corpus import build_pairs
from tests.conftest import REPO, TEXTBERG

pytestmark = pytest.mark.slow  # corpus runs, killed processes and Dask clusters

N_PAIRS = 6
OUTPUTS = (".tsv", ".xlsx", ".json", ".html")  # every file a run writes except the manifest (its order is the run's)
RUSSIAN = ("Москва — столица России, крупнейший по численности населения город страны.\n"
           "Город расположен на реке Москве в центре Восточно-Европейской равнины.\n")


def outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.suffix in OUTPUTS or p.name == "failures.tsv"}


def cli(*args: object, **kw) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-c", "from aligner.cli import main; main()", *map(str, args)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


@pytest.fixture(scope="module")
def pairs(tmp_path_factory) -> Path:
    """Six German-French pairs, a binary file, an empty file and a Russian text paired with good ones."""
    if not TEXTBERG.is_dir():
        pytest.skip(f"the Text+Berg benchmark is not at {TEXTBERG} (a checkout without ../shared beside it)")
    root = tmp_path_factory.mktemp("pairs")
    manifest = build_pairs(root, N_PAIRS, 6, 10)
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (root / "empty.txt").write_text("", encoding="utf-8")
    (root / "moskau.txt").write_text(RUSSIAN, encoding="utf-8")
    bad = root / "bad.tsv"
    good = manifest.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([good[0], "image.png\tfr/doc00001.txt", good[1], "de/doc00002.txt\tempty.txt\tde\tfr",
                              "moskau.txt\tfr/doc00003.txt", good[2]]) + "\n", encoding="utf-8")
    return manifest


@pytest.fixture(scope="module")
def reference(pairs, tmp_path_factory) -> Path:
    """The uninterrupted in-process run of the good pairs."""
    out = tmp_path_factory.mktemp("reference")
    report = build_corpus(out, pairs_file=pairs, doc_config=_de_fr(), corpus_file=_corpus_file(out))
    assert len(report.pairs) == N_PAIRS and not report.failed
    return out


def _corpus_file(out: Path) -> CorpusFile:
    return CorpusFile(bitext=str(out / "corpus.tsv.gz"), parquet=str(out / "corpus"), keep="all")


def corpus_bytes(out: Path) -> dict[str, bytes]:
    """The --bitext file and the --parquet parts of a run."""
    files = [out / "corpus.tsv.gz", *sorted((out / "corpus").iterdir())]
    return {str(p.relative_to(out)): p.read_bytes() for p in files}


def _de_fr():
    from aligner.config import DocConfig

    return DocConfig(languages=("de", "fr"))


def test_pairs_file_names_outputs_by_languages_and_stems(pairs, reference):
    summary = json.loads((reference / "summary.json").read_text(encoding="utf-8"))
    assert [(p["src"], p["tgt"], p["src_lang"], p["tgt_lang"]) for p in summary["pairs"]] == [
        (f"de/doc{k:05d}.txt", f"fr/doc{k:05d}.txt", "de", "fr") for k in range(N_PAIRS)]
    assert [p["file"] for p in summary["pairs"]] == [f"de-fr__doc{k:05d}__doc{k:05d}.tsv" for k in range(N_PAIRS)]
    first = (reference / "de-fr__doc00000__doc00000.tsv").read_text(encoding="utf-8").splitlines()[0]
    assert "\tsrc=de/doc00000.txt\t" in first
    assert len((reference / MANIFEST).read_text(encoding="utf-8").splitlines()) == N_PAIRS


def test_pairs_file_errors_name_the_line(tmp_path):
    bad = tmp_path / "pairs.tsv"
    bad.write_text("a.txt\tb.txt\n# a comment\n\nc.txt\td.txt\tde\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"pairs.tsv:4: expected src_path<TAB>tgt_path"):
        read_manifest_tsv(bad)
    bad.write_text("a.txt\tb.txt\na.txt\tb.txt\n", encoding="utf-8")
    with pytest.raises(InputError, match="listed twice"):
        read_manifest_tsv(bad)


def test_bad_documents_are_failed_pairs_and_the_others_are_written(pairs, reference, tmp_path, monkeypatch):
    from aligner.cli import progress

    monkeypatch.setattr(progress, "PLAIN_AFTER", 0.0)  # a log line for every count, from the start
    monkeypatch.setattr(progress, "PLAIN_EVERY", 0.0)
    result = CliRunner().invoke(app, ["corpus", "--pairs", str(pairs.parent / "bad.tsv"), "--out", str(tmp_path),
                                      "--languages", "de,fr"])
    assert result.exit_code == 1
    failures = (tmp_path / "failures.tsv").read_text(encoding="utf-8").splitlines()
    assert failures[0] == "src\ttgt\terror"
    reasons = {line.split("\t")[0]: line.split("\t")[2] for line in failures[1:]}
    assert set(reasons) == {"image.png", "de/doc00002.txt", "moskau.txt"}
    assert reasons["image.png"].endswith("image.png: looks like a binary file, not text")
    assert reasons["de/doc00002.txt"].endswith("empty.txt: file is empty")
    assert reasons["moskau.txt"].endswith("moskau.txt: text is in Russian (ru), not in a language in play (de, fr); "
                                          "add it with --languages")
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert {f["src"] for f in summary["failed"]} == set(reasons)
    for k in range(3):  # the good pairs are the reference run's bytes
        name = f"de-fr__doc{k:05d}__doc{k:05d}.tsv"
        assert (tmp_path / name).read_bytes() == (reference / name).read_bytes()
    assert "error: 3 pair(s) failed" in result.stderr
    # progress on stderr without a terminal: pairs done / total, failures so far, pairs/s and the time left
    counts = [line for line in result.stderr.splitlines() if line.startswith("aligning pairs")]
    assert counts[0] == "aligning pairs: 0/6, -- pairs/s, ETA --"
    assert re.fullmatch(r"aligning pairs \(1 failed\): 2/6, \d+\.\d\d pairs/s, ETA \d+:\d\d:\d\d", counts[2])
    assert re.fullmatch(r"aligning pairs \(3 failed\): 6/6, \d+\.\d\d pairs/s, ETA 0:00:00", counts[-1])
    assert [line.split(": ")[1].split(",")[0] for line in counts] == [f"{k}/6" for k in range(7)]


def test_a_killed_run_resumes_without_redoing_finished_pairs(pairs, reference, tmp_path):
    out = tmp_path / "out"
    args = ("corpus", "--pairs", pairs, "--out", out, "--languages", "de,fr", "--bitext", out / "corpus.tsv.gz",
            "--parquet", out / "corpus", "--keep", "all")
    proc = cli(*args, start_new_session=True)
    manifest = out / MANIFEST
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.is_file() and len(manifest.read_bytes().splitlines()) >= 2:
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.02)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    done = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines()]
    assert 2 <= len(done) < N_PAIRS
    stamps = {r["file"]: (out / r["file"]).stat().st_mtime_ns for r in done}
    assert not list(out.glob(".*.tmp"))  # atomic writes: no half-written file survives the kill
    assert not (out / "corpus.tsv.gz").exists()  # the corpus file is written at the end, from the pairs' tables

    rerun = cli(*args)
    stdout, stderr = rerun.communicate(timeout=180)
    assert rerun.returncode == 0, stderr
    assert f"{len(done)} of {N_PAIRS} pairs were already done" in stderr
    assert {name: (out / name).stat().st_mtime_ns for name in stamps} == stamps  # finished pairs not redone
    assert outputs(out) == outputs(reference)  # nothing lost, byte for byte
    assert corpus_bytes(out) == corpus_bytes(reference)  # the corpus file: the uninterrupted run's bytes
    records = manifest.read_text(encoding="utf-8").splitlines()
    assert len(records) == N_PAIRS  # one record per pair: the finished ones were not appended again


def test_a_rerun_redoes_a_pair_whose_input_or_output_changed(pairs, reference, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(reference, out)
    src = tmp_path / "in"
    shutil.copytree(pairs.parent, src)
    with open(src / "fr" / "doc00001.txt", "a", encoding="utf-8") as fh:
        fh.write("Cette phrase a été ajoutée à la fin du document après le premier passage.\n")
    # the manifest's paths are relative to its folder: the copy reads the copied documents
    (out / "de-fr__doc00004__doc00004.tsv").write_text("damaged\n", encoding="utf-8")
    report = build_corpus(out, pairs_file=src / "pairs.tsv", doc_config=_de_fr())
    assert report.skipped == N_PAIRS - 2
    for k, same in ((4, True), (1, False)):
        name = f"de-fr__doc{k:05d}__doc{k:05d}.tsv"
        assert ((out / name).read_bytes() == (reference / name).read_bytes()) is same


def test_dask_is_not_imported_by_the_plain_path():
    code = ("import sys, aligner, aligner.engine, aligner.corpus, aligner.cli; "
            "assert not any(m.split('.')[0] in ('dask', 'distributed') for m in sys.modules), 'dask imported'")
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ, PYTHONPATH=str(REPO)))


@pytest.fixture
def cluster(tmp_path):
    """A real Dask scheduler and two single-thread workers on 127.0.0.1, as subprocesses."""
    pytest.importorskip("distributed")
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               ALIGNER_ENCODER_THREADS="1")
    file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen(["dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(file)], env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not (file.is_file() and file.stat().st_size) and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        for _ in range(2):
            procs.append(subprocess.Popen(["dask", "worker", address, "--nthreads", "1", "--nworkers", "1",
                                           "--no-dashboard", "--host", "127.0.0.1"], env=env,
                                          start_new_session=True, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        from dask.distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=90)
        yield address, procs
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(10)


def test_an_existing_cluster_writes_the_same_bytes_and_survives_a_dead_worker(pairs, reference, cluster, tmp_path):
    from dask.distributed import Client

    from aligner.engine import encoder_builds

    address, procs = cluster
    out = tmp_path / "out"
    run = cli("corpus", "--pairs", pairs, "--out", out, "--languages", "de,fr", "--scheduler", address)
    manifest = out / MANIFEST
    deadline = time.monotonic() + 180
    killed = False
    while time.monotonic() < deadline and run.poll() is None:
        if manifest.is_file() and manifest.read_bytes().count(b"\n") >= 1:
            os.killpg(procs[2].pid, signal.SIGKILL)  # one worker dies mid-run
            killed = True
            break
        time.sleep(0.02)
    stdout, stderr = run.communicate(timeout=300)
    assert killed and run.returncode == 0, stderr
    assert len(manifest.read_text(encoding="utf-8").splitlines()) == N_PAIRS
    assert outputs(out) == outputs(reference)  # every pair, the in-process bytes
    with Client(address, timeout="30s") as client:
        builds = client.run(encoder_builds)
    assert list(builds.values()) == [1]  # the surviving worker built its encoder once for all its pairs


def test_a_local_cluster_writes_the_same_bytes_with_few_pairs_in_flight(pairs, reference, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    from aligner import engine

    monkeypatch.setattr(engine, "IN_FLIGHT_PER_THREAD", 1)  # 2 workers of 1 thread: 2 pairs submitted at a time
    monkeypatch.setattr(engine, "MIN_IN_FLIGHT", 1)
    counts: list[int] = []
    report = build_corpus(tmp_path, pairs_file=pairs, doc_config=_de_fr(), workers=2,
                          progress=lambda done, total, step: step.startswith("aligning") and counts.append(done))
    assert len(report.pairs) == N_PAIRS and not report.failed
    assert report.peak_in_flight == 2 < N_PAIRS  # the client held at most two futures, refilled as pairs came back
    assert counts == list(range(N_PAIRS + 1))  # the client counts the workers' pairs as they come back
    assert outputs(tmp_path) == outputs(reference)


def test_a_long_run_sends_several_pairs_per_task_and_writes_the_same_bytes(pairs, reference, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    from aligner import engine

    monkeypatch.setattr(engine, "IN_FLIGHT_PER_THREAD", 1)  # 2 workers of 1 thread: 2 tasks submitted at a time
    monkeypatch.setattr(engine, "MIN_IN_FLIGHT", 1)
    monkeypatch.setattr(engine, "TASK_ROUNDS", 1)  # 6 pairs count as a long run: tasks of PAIRS_PER_TASK pairs
    monkeypatch.setattr(engine, "PAIRS_PER_TASK", 2)
    counts: list[int] = []
    report = build_corpus(tmp_path, pairs_file=pairs, doc_config=_de_fr(), workers=2,
                          progress=lambda done, total, step: step.startswith("aligning") and counts.append(done))
    assert len(report.pairs) == N_PAIRS and not report.failed
    assert report.peak_in_flight == 2  # two tasks of two pairs each in flight
    assert counts == list(range(N_PAIRS + 1))  # every pair of a task is counted and recorded
    assert len(read_records_lines(tmp_path)) == N_PAIRS
    assert outputs(tmp_path) == outputs(reference)


def read_records_lines(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / MANIFEST).read_text(encoding="utf-8").splitlines()]


# --- the corpus file over every pair (--bitext, --parquet) -------------------------------------------


def _rows(path: Path) -> list[list[str]]:
    import gzip

    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as fh:
        return [line.rstrip("\n").split("\t") for line in fh]


def _exported(tsv: Path, tmp: Path, *options: str) -> list[tuple[str, str]]:
    """What ``aligner export --format bitext`` writes for one pair's table."""
    target = tmp / "exported.txt"
    result = CliRunner().invoke(app, ["export", str(tsv), "-o", str(target), "--format", "bitext", *options])
    assert result.exit_code == 0, result.stderr
    return [tuple(line.split("\t")) for line in target.read_text(encoding="utf-8").splitlines()]  # type: ignore[misc]


@pytest.mark.parametrize("folder", ["textberg", "seeds"])
@pytest.mark.parametrize("options", [("--keep", "all"), ("--keep", "clean"), ("--keep", "all", "--min-score", "0.8")])
def test_the_corpus_file_is_exports_selection_over_every_pair(reference, tmp_path, folder, options):
    """Text+Berg pairs (tokenised: every bead has a punctuation flag) and the seed corpus's committed run."""
    from aligner.engine import write_corpus_files

    run = reference if folder == "textberg" else REPO / "alignments"
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    keep = options[1]
    min_score = float(options[3]) if len(options) > 2 else None
    target = tmp_path / "corpus.tsv.gz"
    made = write_corpus_files(run, CorpusFile(bitext=str(target), keep=keep, min_score=min_score))[str(target)]
    header, *rows = _rows(target)
    assert header == ["src", "tgt", "src_lang", "tgt_lang", "src_doc", "tgt_doc", "bead", "score"]
    exported = [(p["src"], p["tgt"], p["src_lang"], p["tgt_lang"], pair) for p in summary["pairs"]
                for pair in _exported(run / p["file"], tmp_path, *options)]
    seen: set[tuple[str, ...]] = set()
    expected = [e for e in exported if (e[2], e[3], *e[4]) not in seen and not seen.add((e[2], e[3], *e[4]))]
    assert [(r[4], r[5], r[2], r[3], (r[0], r[1])) for r in rows] == expected
    assert made.rows == len(rows) and made.duplicates == len(exported) - len(expected)
    assert all(re.fullmatch(r"s[\d,]+/t[\d,]+", r[6]) for r in rows)
    everything = sum(sum(p["bead_types"].values()) for p in summary["pairs"])
    assert len(rows) < everything  # one-sided beads (and, narrower, flagged or low ones) are left out
    assert rows or (folder, keep) == ("textberg", "clean")


def test_a_pair_seen_twice_is_one_row_and_the_file_is_the_same_bytes_every_time(pairs, reference, tmp_path):
    import gzip
    import shutil

    for lang in ("de", "fr"):  # the same documents again under other names
        (tmp_path / lang).mkdir()
        shutil.copy(pairs.parent / lang / "doc00000.txt", tmp_path / lang / "again.txt")
    twice = tmp_path / "twice.tsv"
    twice.write_text(f"{pairs.parent / 'de/doc00000.txt'}\t{pairs.parent / 'fr/doc00000.txt'}\tde\tfr\n"
                     "de/again.txt\tfr/again.txt\tde\tfr\n", encoding="utf-8")
    out = tmp_path / "out"
    target = out / "corpus.tsv.gz"
    result = CliRunner().invoke(app, ["corpus", "--pairs", str(twice), "--out", str(out), "--languages", "de,fr",
                                      "--no-xlsx", "--no-html", "--bitext", str(target), "--keep", "all"])
    assert result.exit_code == 0, result.stderr
    header, *rows = _rows(target)
    one = _exported(reference / "de-fr__doc00000__doc00000.tsv", tmp_path, "--keep", "all")
    assert [(r[0], r[1]) for r in rows] == one  # the second pair's rows are all repeats
    assert {r[4] for r in rows} == {str(pairs.parent / "de/doc00000.txt")}
    assert f"corpus: {target}: {len(one)} aligned pairs ({len(one)} duplicates left out)" in result.stdout
    first = target.read_bytes()
    assert first[4:8] == b"\0\0\0\0"  # gzip header: no timestamp
    from aligner.engine import write_corpus_files

    write_corpus_files(out, CorpusFile(bitext=str(target), keep="all"))
    assert target.read_bytes() == first and gzip.decompress(first).decode("utf-8").count("\n") == len(one) + 1


def test_parquet_without_pyarrow_is_one_error_line_naming_the_extra(pairs, tmp_path, monkeypatch):
    for name in ("pyarrow", "pyarrow.parquet"):
        monkeypatch.setitem(sys.modules, name, None)  # what a missing package looks like to import
    result = CliRunner().invoke(app, ["corpus", "--pairs", str(pairs), "--out", str(tmp_path / "out"),
                                      "--languages", "de,fr", "--parquet", str(tmp_path / "out" / "corpus")])
    assert result.exit_code == 2
    assert result.stderr == "error: --parquet needs pyarrow: pip install 'aligner[parquet]'\n"
    assert not (tmp_path / "out" / MANIFEST).exists()  # refused before any pair was aligned


def test_parquet_holds_the_rows_of_the_bitext(reference):
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(reference / "corpus")
    header, *rows = _rows(reference / "corpus.tsv.gz")
    assert table.column_names == header
    assert [[*r[:7], f"{r[7]:.4f}"] for r in zip(*(table.column(c).to_pylist() for c in header))] == rows


def test_keep_without_a_corpus_file_is_refused(pairs, tmp_path):
    result = CliRunner().invoke(app, ["corpus", "--pairs", str(pairs), "--out", str(tmp_path), "--keep", "clean"])
    assert result.exit_code == 2 and "--keep and --min-score select the rows of --bitext or --parquet" in result.stderr


def test_the_clients_memory_does_not_grow_with_the_records(reference, tmp_path):
    """Resuming a finished run of many pairs: the client holds a few ints and the file name of each pair, not
    its record (a real pair's record: its index row, exclusions and digests, several kB)."""
    import tracemalloc

    from bench.corpus import finished_run

    line = (reference / MANIFEST).read_text(encoding="utf-8").splitlines()[0]
    template = dict(json.loads(line), _out=str(reference))
    assert len(line) > 2000
    peaks = {}
    for n in (200, 1200):
        pairs = finished_run(tmp_path / str(n), n, template)
        traced = []
        for _ in range(3):  # a killed run's OUT (no summary.json yet), then twice a finished one's
            tracemalloc.start()
            report = build_corpus(tmp_path / str(n) / "out", pairs_file=pairs, doc_config=_de_fr(), workbooks=False)
            traced.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
            assert report.skipped == n == len(report.pairs)
        # the least of the three: a process-wide table that happens to grow during one of them (pathlib's
        # interned path parts) is not the run's
        peaks[n] = min(traced)
        summary = json.loads((tmp_path / str(n) / "out" / "summary.json").read_text(encoding="utf-8"))
        assert [p["file"] for p in summary["pairs"]] == [f"de-fr__doc{k:05d}__doc{k:05d}.tsv" for k in range(n)]
    per_pair = (peaks[1200] - peaks[200]) / 1000
    assert per_pair < 1500, f"{per_pair:.0f} bytes per pair (a record is {len(line)})"
