"""Screenshots of the seed corpus's review pages, for the README.

    python docs/screenshots.py [--out docs/img] [--corpus corpus]

Aligns the seed pairs (001 ↔ 003 translation, 001 ↔ 000 and 004 ↔ 002 versions) as
``aligner corpus`` does, writes their pages and the index to a temporary folder and
photographs them in headless Chromium (Debian's ``chromium`` and ``chromium-driver``,
through selenium): the top of each page, a view scrolled to a bead that shows the
word-level marks, and the index.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from aligner.config import AlignConfig, DocConfig  # noqa: E402
from aligner.engine import run_corpus  # noqa: E402

# (picture name, page name prefix, bead to scroll to or None for the top)
SHOTS = [
    ("en-de-001-003", "en-de__001", None),
    ("en-de-001-003-rows", "en-de__001", 4),  # the March 01 / March 02 dateline and the ? repairs
    ("en-en-001-000", "en-en__001", None),
    ("en-en-001-000-rows", "en-en__001", 5),
    ("en-en-004-002", "en-en__004", None),
    ("index", "index", None),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "img")
    parser.add_argument("--corpus", type=Path, default=HERE.parent / "corpus")
    args = parser.parse_args()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    pages = Path(tempfile.mkdtemp())
    run_corpus(args.corpus, pages, AlignConfig(), DocConfig(), workbooks=False)
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,900", "--hide-scrollbars", f"--user-data-dir={tempfile.mkdtemp()}"):
        options.add_argument(arg)
    options.binary_location = shutil.which("chromium")  # type: ignore[assignment]
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        for name, prefix, bead in SHOTS:
            page = next(p for p in sorted(pages.glob("*.html")) if p.name.startswith(prefix))
            driver.get(page.as_uri() + (f"#b{bead}" if bead is not None else ""))
            time.sleep(0.3)
            target = args.out / f"{name}.png"
            driver.save_screenshot(str(target))
            print(target)
    finally:
        driver.quit()
        shutil.rmtree(pages, ignore_errors=True)


if __name__ == "__main__":
    main()
