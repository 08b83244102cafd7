"""QA checks on aligned pairs: encoding damage, numbers, omissions, language, similarity, punctuation.

Importing this package is cheap: the checks (and ftfy, lingua, the encoder they
may use) load on first use, through PEP 562 lazy attributes.

    >>> from aligner.qa import check_alignment     # doctest: +SKIP
    >>> checked = check_alignment(alignment)       # every pair's ``flags`` filled
"""

from __future__ import annotations

from aligner._lazy import lazy_attributes

_LAZY = {
    "check_alignment": "aligner.qa.checks",
    "check_pairs": "aligner.qa.checks",
    "exclusion_findings": "aligner.qa.checks",
    "QAConfig": "aligner.qa.checks",
    "detect_damage": "aligner.qa.encoding",
    "infer_charset": "aligner.qa.charset",
    "repair_text": "aligner.qa.encoding",
    "compare_numbers": "aligner.qa.numbers",
    "check_punctuation": "aligner.qa.punctuation",
    "repair_document": "aligner.qa.repair",
    "CATALOGUE": "aligner.qa.catalogue",
}

__all__ = list(_LAZY)


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
