"""``aligner check`` and ``aligner repair`` as a user runs them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from typer.testing import CliRunner

from aligner.cli import app

from tests.conftest import DE, EN


def test_repair_writes_a_fixed_copy_and_a_report(tmp_path: Path) -> None:
    before = hashlib.sha256(DE.read_bytes()).hexdigest()
    fixed, report = tmp_path / "fixed.txt", tmp_path / "report.tsv"
    result = CliRunner().invoke(app, ["repair", str(DE), "--against", str(EN), "-o", str(fixed),
                                      "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(DE.read_bytes()).hexdigest() == before  # input untouched
    text = fixed.read_text(encoding="utf-8")
    assert "?" not in text and not text.startswith("^")
    assert "integrierten „Innovationsmosaik“" in text and "CO₂-neutrales" in text
    assert text.count("„") == 13
    rows = report.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("line\tcolumn\tkind\tbefore\tafter\tevidence")
    assert len(rows) == 1 + 15
    assert "15 of 15 artifacts repaired" in result.output


def test_repair_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    copy = tmp_path / "de.txt"
    copy.write_bytes(DE.read_bytes())
    result = CliRunner().invoke(app, ["repair", str(copy), "--against", str(EN), "-o", str(copy)])
    assert result.exit_code == 2
    assert "refusing to overwrite the input" in result.output
    assert copy.read_bytes() == DE.read_bytes()


def test_check_on_a_missing_file_is_one_error_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["check", str(tmp_path / "nope.txt"), str(DE)])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error:") and len(result.output.strip().splitlines()) == 1


def test_repair_presplit_keeps_lines_one_for_one(tmp_path: Path) -> None:
    src = tmp_path / "en.txt"
    tgt = tmp_path / "de.txt"
    src.write_text("The hut stands at 2500 m and costs €40 a night.\n"
                   "Who will pay for it? Nobody knows.\n"
                   "The obstacle – enemy troops – was big.\n"
                   "He said: “We will come tomorrow.”\n", encoding="utf-8")
    damaged = ["Die Hütte liegt auf 2500 m und kostet 40 ? pro Nacht.",
               "Wer soll das bezahlen? Niemand weiß es.",
               "Das Hindernis ? feindliche Truppen ? war groß.",
               "Er sagte:  ?Wir kommen morgen.?"]
    tgt.write_text("\n".join(damaged) + "\n", encoding="utf-8")
    fixed = tmp_path / "fixed.txt"
    result = CliRunner().invoke(app, ["repair", str(tgt), "--against", str(src), "-o", str(fixed), "--presplit",
                                      "--src-lang", "en", "--tgt-lang", "de"])
    assert result.exit_code == 0, result.output
    lines = fixed.read_text(encoding="utf-8").split("\n")
    assert lines == ["Die Hütte liegt auf 2500 m und kostet 40 € pro Nacht.",
                     "Wer soll das bezahlen? Niemand weiß es.",  # a genuine question: untouched
                     "Das Hindernis – feindliche Truppen – war groß.",
                     "Er sagte:  „Wir kommen morgen.“",  # the doubled space is not encoding damage
                     ""]
