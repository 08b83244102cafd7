"""The review page in a real browser: Debian's chromium, headless, driven by selenium and chromium-driver.

Skipped (with the reason) when chromium, chromedriver or selenium is missing;
``.ci/run`` installs them (``apt-get install -y chromium chromium-driver``).
"""

from __future__ import annotations

import shutil
import tempfile

import pytest

from aligner.export.html import counts, write_report
from aligner.pipeline import align_files
from aligner.types import AlignedPair, Alignment, Bead
from tests.conftest import DE, EN

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
selenium = pytest.importorskip("selenium", reason="selenium is not installed (pip install selenium)")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="needs Debian's chromium and chromium-driver "
                                       "(apt-get install -y chromium chromium-driver)")]


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1000", f"--user-data-dir={tempfile.mkdtemp()}"):
        options.add_argument(arg)
    options.binary_location = CHROMIUM
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    alignment = align_files(EN, DE)
    path = write_report(alignment, tmp_path_factory.mktemp("report") / "en-de.html")
    return alignment, path


def visible_rows(driver) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll('.bead:not(.head)')].filter(r => r.offsetParent !== null)"
        ".map(r => r.id)")


def test_every_row_is_there_and_the_filters_hide_the_others(browser, seed):
    alignment, path = seed
    browser.get(path.as_uri())
    assert visible_rows(browser) == [f"b{k}" for k in range(len(alignment.pairs))]
    c = counts(alignment)
    browser.find_element("css selector", ".filters input[value=flagged]").click()
    shown = visible_rows(browser)
    assert len(shown) == c.flagged == 20
    assert shown == [f"b{k}" for k, p in enumerate(alignment.pairs) if p.flags]
    browser.find_element("css selector", ".filters input[value=errors]").click()
    assert len(visible_rows(browser)) == c.errors == 14
    browser.find_element("css selector", ".filters input[value=uncertain]").click()
    assert visible_rows(browser) == []
    browser.find_element("css selector", ".filters input[value=all]").click()
    assert len(visible_rows(browser)) == len(alignment.pairs)


def test_clicking_the_picture_scrolls_to_the_bead(browser, seed):
    from selenium.webdriver.common.action_chains import ActionChains

    alignment, path = seed
    browser.get(path.as_uri())
    svg = browser.find_element("css selector", "svg.matrix")
    n, m = len(alignment.src.segments), len(alignment.tgt.segments)
    # the cell of source sentence 30 and target sentence 29: bead 30 (s30/t29)
    x = (29.5 / m - 0.5) * svg.size["width"]
    y = (30.5 / n - 0.5) * svg.size["height"]
    ActionChains(browser).move_to_element_with_offset(svg, round(x), round(y)).click().perform()
    assert browser.execute_script("return location.hash") == "#b30"
    top, height = browser.execute_script(
        "const r = document.getElementById('b30').getBoundingClientRect(); return [r.top, window.innerHeight]")
    assert 0 <= top < height
    assert browser.execute_script("return window.scrollY") > 500


def test_repairs_and_the_dateline_are_highlighted(browser, seed):
    _, path = seed
    browser.get(path.as_uri())
    background = "return getComputedStyle(arguments[0]).backgroundColor"
    num = browser.find_elements("css selector", "#b4 mark.w-num")
    assert [e.text for e in num] == ["01", "02"]
    assert all(browser.execute_script(background, e) not in ("rgba(0, 0, 0, 0)", "transparent") for e in num)
    struck = browser.find_element("css selector", "#b2 .repair del")
    assert struck.text == "?"
    assert "line-through" in browser.execute_script("return getComputedStyle(arguments[0]).textDecorationLine",
                                                    struck)
    assert browser.find_element("css selector", "#b2 .repair ins").text.strip() == "„"


def test_a_script_in_the_document_runs_nothing(browser, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException

    from tests.test_report import _doc

    evil = "Before <script>alert(1)</script> after <img src=x onerror=alert(2)>."
    src, tgt = _doc("evil", [evil], "en"), _doc("böse", ["Vorher <script>alert(3)</script> nachher."], "de")
    pair = AlignedPair(Bead((0,), (0,), 0.7, 1.0), src.segments[0].text, tgt.segments[0].text)
    path = write_report(Alignment(src, tgt, (pair,), "sig"), tmp_path / "evil.html", picture=False)
    browser.get(path.as_uri())
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - reading it is what raises when there is none
    assert browser.find_element("css selector", "#b0 .text").text == evil
