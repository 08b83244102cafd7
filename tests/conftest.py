from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
EN = SEEDS / "001_ccc0339e3eecce97.txt"
DE = SEEDS / "003_65043e0217ea5007.txt"


def pytest_configure(config):
    if not SEED_FILES:
        raise pytest.UsageError(f"seed corpus not found at {SEEDS} (CI clones the repo with shared/ beside it)")


@pytest.fixture(scope="session")
def console_script() -> str:
    """The installed ``aligner`` command (what users run, through ``aligner.cli.main``)."""
    import shutil

    script = shutil.which("aligner")
    assert script, "the aligner console script is installed by pip install -e ."
    return script
