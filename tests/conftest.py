from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
# The seed documents under their original names: links to the byte-identical copies ``aligner corpus`` filed
# under corpus/ (test_corpus checks that ingest makes exactly that corpus of them), so a clone is enough.
SEEDS = REPO / "tests" / "data" / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
EN = SEEDS / "001_ccc0339e3eecce97.txt"
DE = SEEDS / "003_65043e0217ea5007.txt"
# Beside the repository, not in it: the Text+Berg gold alignments are GPL-2 (the project is Apache-2.0).
SHARED = REPO.parent / "shared"
TEXTBERG = SHARED / "benchmarks" / "textberg"


_NO_TEXTBERG = pytest.mark.skipif(not TEXTBERG.is_dir(), reason=f"the Text+Berg benchmark is not at {TEXTBERG} "
                                                               "(a checkout without ../shared beside it)")


def needs_textberg(test: Callable[..., Any]) -> Callable[..., Any]:
    """A test that reads Text+Berg: marked slow, and skipped (saying why) when ../shared is not there."""
    return pytest.mark.slow(_NO_TEXTBERG(test))


@pytest.fixture(scope="session")
def seeds() -> Path:
    """The folder of the seed documents (``001_ccc0339e3eecce97.txt`` ...), from the repository."""
    assert SEED_FILES, f"no seeds in {SEEDS}"
    return SEEDS


@pytest.fixture(scope="session")
def console_script() -> str:
    """The installed ``aligner`` command (what users run, through ``aligner.cli.main``)."""
    import shutil

    script = shutil.which("aligner")
    assert script, "the aligner console script is installed by pip install -e ."
    return script
