"""A newcomer's first hour: declared dependencies, output paths that never destroy input, a TSV that
carries its languages, clear error lines, check as a CI gate, help pages, progress.

The output-path cases give exactly one ``error:`` line and exit code 2, and leave every input file
byte for byte as it was.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import DE, EN, REPO

runner = CliRunner()

SMALL_EN = "The house is red. The dog sleeps in the garden. It rains very hard today.\n"
SMALL_DE = "Das Haus ist rot. Der Hund schläft im Garten. Es regnet heute sehr stark.\n"


def run(*args: object):
    from aligner.cli import app

    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture()
def pair(tmp_path: Path) -> tuple[Path, Path]:
    en, de = tmp_path / "en.txt", tmp_path / "de.txt"
    en.write_text(SMALL_EN, encoding="utf-8")
    de.write_text(SMALL_DE, encoding="utf-8")
    return en, de


@pytest.fixture(scope="module")
def seed_table(tmp_path_factory) -> Path:
    """``aligner align EN DE -o en-de.tsv``, the README's first command, on the seed pair."""
    out = tmp_path_factory.mktemp("readme") / "en-de.tsv"
    result = run("align", EN, DE, "-o", out)
    assert result.exit_code == 0, result.output
    return out


# --- 1. every import of the default path is declared --------------------------------------------


def _guarded(tree: ast.AST) -> set[int]:
    """Line numbers of imports inside ``try: ... except ImportError`` (optional extras)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            caught = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
            if caught & {"ImportError", "ModuleNotFoundError", "(ImportError, ModuleNotFoundError)"}:
                lines |= {n.lineno for stmt in node.body for n in ast.walk(stmt)
                          if isinstance(n, (ast.Import, ast.ImportFrom))}
    return lines


def test_every_third_party_import_is_a_declared_dependency():
    from importlib.metadata import packages_distributions

    declared = {re.split(r"[<>=!~\[; ]", d)[0].lower().replace("_", "-")
                for d in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]}
    dists = packages_distributions()
    required: dict[str, str] = {}
    optional: set[str] = set()
    for path in (REPO / "aligner").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        guarded = _guarded(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("aligner", "__future__"):
                    continue
                if node.lineno in guarded:
                    optional.add(top)
                else:
                    required.setdefault(top, str(path.relative_to(REPO)))
    undeclared = {top: where for top, where in required.items() if top not in optional
                  and not {d.lower().replace("_", "-") for d in dists.get(top, [top])} & declared}
    assert not undeclared, f"imported but not in [project] dependencies: {undeclared}"


def test_ci_runs_the_minimal_install_job_and_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    job = (REPO / ".ci" / "minimal-install").read_text()
    assert ".ci/minimal-install" in ci and "python -m pytest -q" in ci
    assert 'pip install --quiet .' in job and "[dev]" not in job and "torch" not in job.split("\n", 3)[-1]
    assert '"$aligner" "$@"' in job and "run align align" in job and "run check check" in job


# --- 2. an output path that is an input ---------------------------------------------------------


def _snapshot(*paths: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in paths}


@pytest.mark.parametrize("command", ["align", "report"])
@pytest.mark.parametrize("which", ["tgt", "src"])
def test_align_refuses_to_write_over_an_input(pair, which, command):
    en, de = pair
    before = _snapshot(en, de)
    target = de if which == "tgt" else en
    result = run(command, en, de, "-o", target)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {target}: refusing to overwrite the input {target}; "
                                          "give another output path"]
    assert _snapshot(en, de) == before


def test_symlinks_dotdot_and_hard_links_to_an_input_are_refused(pair, tmp_path):
    en, de = pair
    before = _snapshot(en, de)
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.tsv"
    link.symlink_to(de)
    hard = tmp_path / "hard.tsv"
    os.link(en, hard)
    for out, source in ((link, de), (tmp_path / "sub" / ".." / "de.txt", de), (hard, en)):
        result = run("align", en, de, "-o", out)
        assert result.exit_code == 2, out
        assert result.stderr.splitlines() == [f"error: {out}: refusing to overwrite the input {source}; "
                                              "give another output path"]
    assert _snapshot(en, de) == before


def test_check_and_export_refuse_to_write_over_an_input(pair, seed_table, tmp_path):
    en, de = pair
    table = tmp_path / "a.tsv"
    shutil.copy(seed_table, table)
    before = _snapshot(en, de, table)
    result = run("check", en, de, "-o", en)
    assert (result.exit_code, result.stderr.splitlines()) == (
        2, [f"error: {en}: refusing to overwrite the input {en}; give another output path"])
    result = run("export", table, "-o", table, "--format", "jsonl")
    assert (result.exit_code, result.stderr.splitlines()) == (
        2, [f"error: {table}: refusing to overwrite the input {table}; give another output path"])
    # moses writes OUT.en and OUT.de: an input named like one of them is refused too
    named = tmp_path / "corpus.en"
    shutil.copy(seed_table, named)
    result = run("export", named, "-o", tmp_path / "corpus", "--format", "moses")
    assert (result.exit_code, result.stderr.splitlines()) == (
        2, [f"error: {named}: refusing to overwrite the input {named}; give another output path"])
    assert _snapshot(en, de, table) == before and named.read_bytes() == seed_table.read_bytes()


def test_review_apply_refuses_to_write_over_the_workbook(tmp_path):
    book = tmp_path / "book.xlsx"
    shutil.copy(next((REPO / "alignments").glob("en-de__*.xlsx")), book)
    before = book.read_bytes()
    for args in (("-o", book), ("-o", tmp_path / "final.tsv", "--audit", book)):
        result = run("review", "apply", book, *args)
        assert (result.exit_code, result.stderr.splitlines()) == (
            2, [f"error: {book}: refusing to overwrite the input {book}; give another output path"])
    assert book.read_bytes() == before and not (tmp_path / "final.tsv").exists()


def test_an_existing_file_of_another_kind_is_not_overwritten_without_force(pair, seed_table, tmp_path):
    en, de = pair
    notes = tmp_path / "notes.tmx"
    notes.write_text("my notes, not a TMX file\n", encoding="utf-8")
    result = run("export", seed_table, "-o", notes)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {notes}: exists and is not a TMX file; refusing to overwrite "
                                          "it (give another output path, or --force)"]
    assert notes.read_text(encoding="utf-8") == "my notes, not a TMX file\n"
    # our own output is replaced without asking (re-running a command), and --force replaces anything
    assert run("export", seed_table, "-o", tmp_path / "x.tmx").exit_code == 0
    assert run("export", seed_table, "-o", tmp_path / "x.tmx").exit_code == 0
    assert run("export", seed_table, "-o", notes, "--force").exit_code == 0
    assert "<tmx" in notes.read_text(encoding="utf-8")


def test_corpus_out_must_not_be_a_file(pair):
    en, _ = pair
    before = en.read_bytes()
    result = run("corpus", REPO / "corpus", "--out", en)
    assert (result.exit_code, result.stderr.splitlines()) == (2, [f"error: {en}: is a file; --out takes a folder"])
    assert en.read_bytes() == before


# --- 3. a folder as -o --------------------------------------------------------------------------


def test_a_folder_as_output_is_one_error_line(pair, seed_table, tmp_path):
    en, de = pair
    folder = tmp_path / "out"
    folder.mkdir()
    for args in (("align", en, de), ("check", en, de), ("export", seed_table, "--format", "jsonl"),
                 ("report", en, de)):
        result = run(*args, "-o", folder)
        assert result.exit_code == 2, args
        assert result.stderr.splitlines() == [f"error: {folder}: is a folder; give a file name for the output"]
        assert result.exception is None or isinstance(result.exception, SystemExit)


# --- 4. the TSV carries its languages: the README's own sequence ------------------------------------


def test_readme_sequence_align_then_export_needs_no_side_file(seed_table, tmp_path):
    table = tmp_path / "en-de.tsv"
    shutil.copy(seed_table, table)  # alone in its folder: no summary.json, a name without languages
    result = run("export", table, "-o", tmp_path / "en-de.tmx", "--format", "tmx")
    assert result.exit_code == 0, result.output
    tmx = (tmp_path / "en-de.tmx").read_text(encoding="utf-8")
    assert 'srclang="en"' in tmx and 'xml:lang="de"' in tmx
    assert "enc:usem3|" in tmx  # the run's signature travels with the table
    result = run("export", table, "-o", tmp_path / "OUT", "--format", "moses")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("OUT.*")) == ["OUT.de", "OUT.en"]
    assert run("export", table, "-o", tmp_path / "en-de.jsonl").exit_code == 0
    records = [json.loads(line) for line in (tmp_path / "en-de.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {(r["src_lang"], r["tgt_lang"]) for r in records} == {("en", "de")}


def test_the_table_reads_with_pandas(seed_table):
    pd = pytest.importorskip("pandas")
    from aligner.export.tsv import COLUMNS, read_meta, read_tsv

    df = pd.read_csv(seed_table, sep="\t", skiprows=1, dtype=str, keep_default_na=False, quoting=csv.QUOTE_NONE)
    pairs = read_tsv(seed_table)
    assert tuple(df.columns) == COLUMNS and len(df) == len(pairs) == 38
    assert list(df["src"]) == [p.src for p in pairs] and list(df["tgt"]) == [p.tgt for p in pairs]
    # comment="#" skips the first line too (it would also cut text after a '#', which the seeds do not have)
    assert pd.read_csv(seed_table, sep="\t", comment="#", dtype=str).shape == df.shape
    meta = read_meta(seed_table)
    assert (meta["src_lang"], meta["tgt_lang"]) == ("en", "de") and meta["signature"].startswith("enc:usem3|")


# --- 5. language codes in any case; errors that name the real cause ----------------------------------


def test_language_codes_are_case_insensitive(pair, tmp_path):
    en, de = pair
    out = tmp_path / "x.tsv"
    result = run("align", en, de, "-o", out, "--src-lang", "EN", "--tgt-lang", "De")
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").splitlines()[0].split("\t")[1:3] == ["src_lang=en", "tgt_lang=de"]
    result = run("align", en, de, "-o", out, "--src-lang", "fr")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {en}: its text is in en, not in fr (the language given)"]


def test_corpus_given_a_file_says_it_is_a_file(pair):
    en, _ = pair
    result = run("corpus", en)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: {en}: is a file, not a corpus folder (<lang>/*.txt); to align two files: aligner align SRC TGT -o OUT"]


# --- 6. check as a CI gate, full messages when not on a terminal -------------------------------------


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    out = tmp_path_factory.mktemp("check") / "checked.tsv"
    result = run("check", EN, DE, "-o", out, "--languages", "EN,de,it")
    return result, out


def test_check_exits_1_on_errors_by_default_and_fail_on_sets_the_level(checked, pair):
    result, _ = checked
    assert result.exit_code == 1
    assert re.search(r"\d+ pairs, \d+ flags", result.stdout.splitlines()[0])
    assert " error " in result.stdout
    en, de = pair  # a clean pair: no flag at any level
    assert run("check", en, de).exit_code == 0
    assert run("check", en, de, "--fail-on", "warning").exit_code == 0
    assert run("check", EN, DE, "--fail-on", "never").exit_code == 0
    bad = run("check", en, de, "--fail-on", "sometimes")
    assert (bad.exit_code, bad.stderr.splitlines()) == (
        2, ["error: bad --fail-on 'sometimes' (expected error, warning, never)"])


def test_check_prints_whole_messages_when_not_on_a_terminal(checked):
    result, table = checked
    from aligner.export.tsv import read_tsv

    messages = [f.message for p in read_tsv(table) for f in p.flags]
    assert max(map(len, messages)) > 100  # long enough to have been cut to a 140-column terminal
    for message in messages:
        assert " ".join(message.split()) in result.stdout, message
    narrow = run("check", EN, DE, "--width", "80", "--fail-on", "never")
    rows = [line for line in narrow.stdout.splitlines()[2:] if not line.startswith("summary:")]
    assert rows and all(len(line) <= 80 for line in rows)
    assert any(line.endswith("…") for line in rows)


# --- 7. both sides one file, or the same text -----------------------------------------------------


def test_the_same_file_twice_or_identical_text_is_a_warning(pair, tmp_path):
    en, _ = pair
    result = run("align", en, en, "-o", tmp_path / "x.tsv")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == f"warning: {en} and {en} are the same file"
    copy = tmp_path / "copy.txt"
    copy.write_bytes(en.read_bytes())
    result = run("align", en, copy, "-o", tmp_path / "y.tsv")
    assert result.stderr.splitlines()[0] == f"warning: {en} and {copy} hold identical text"


# --- 8. help pages --------------------------------------------------------------------------------

COMMANDS = [(), ("ingest",), ("detect",), ("segment",), ("align",), ("corpus",), ("check",), ("repair",), ("report",),
            ("export",), ("evaluate",), ("review",), ("review", "apply")]


def _help(console_script: str, *args: str, flag: str = "--help") -> str:
    env = {**os.environ, "COLUMNS": "80"}
    env.pop("TERMINAL_WIDTH", None)
    done = subprocess.run([console_script, *args, flag], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "aligner")
def test_help_reads_well_at_80_columns(console_script, command):
    text = _help(console_script, *command)
    assert "…" not in text and "<bool>" not in text and "<" + "path>" not in text and "list[" not in text
    assert all(len(line) <= 80 for line in text.splitlines())
    assert not re.search(r"\[default: \(", text) and "{" not in text.splitlines()[0]
    assert _help(console_script, *command, flag="-h") == text


def test_help_shows_metavars_and_plain_defaults(console_script):
    text = _help(console_script, "align")
    assert text.splitlines()[0] == "Usage: aligner align [OPTIONS] SRC TGT"
    assert "-o, --output FILE" in text and "--presplit  " in text and "[default: 4]" in text
    assert _help(console_script, "ingest").splitlines()[0] == "Usage: aligner ingest [OPTIONS] FILES..."
    done = subprocess.run([console_script, "--version"], capture_output=True, text=True)
    from aligner import __version__

    assert (done.returncode, done.stdout) == (0, f"aligner {__version__}\n")


# --- 9. progress -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_corpus_shows_its_steps_without_a_terminal_and_nothing_with_quiet(console_script, tmp_path):
    args = [console_script, "corpus", str(REPO / "corpus"), "--no-xlsx"]
    done = subprocess.run([*args, "--out", str(tmp_path / "a")], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, env={**os.environ, "CI": "true"})
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    # step lines appear once the run is past PLAIN_AFTER seconds (a fast machine may be past pairing by then)
    assert all(line.endswith("...") or line.startswith("aligning pairs: ") for line in lines), lines
    assert re.fullmatch(r"aligning pairs: 3/3, \d+\.\d\d pairs/s, ETA 0:00:00", lines[-1])  # count, rate, time left
    assert len(lines) <= 6  # a few plain lines, not a redrawn bar
    quiet = subprocess.run([*args, "--out", str(tmp_path / "b"), "--quiet"], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL)
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert quiet.stdout == done.stdout.replace(str(tmp_path / "a"), str(tmp_path / "b"))


def test_progress_on_a_terminal_is_a_rich_spinner_on_stderr():
    import io

    from rich.console import Console

    from aligner.cli.progress import Progress

    screen = io.StringIO()
    with Progress(live=True, console=Console(file=screen, force_terminal=True, width=80)) as show:
        show.step("loading the model")
        show._rich.refresh()
        show.count(1, 3, "aligning pairs")
        show._rich.refresh()
    drawn = screen.getvalue()
    assert "loading the model" in drawn and "aligning pairs" in drawn and "1/3" in drawn
