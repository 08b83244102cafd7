"""QA checks on aligned pairs: encoding damage, numbers, omissions, language, similarity, punctuation.

Importing this package is cheap: the checks (and ftfy, lingua, the encoder they
may use) load on first use, through PEP 562 lazy attributes.

    >>> from aligner.qa import check_alignment     # doctest: +SKIP
    >>> checked = check_alignment(alignment)       # every pair's ``flags`` filled
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aligner._lazy import lazy_attributes

if TYPE_CHECKING:  # the real types for type checkers; at run time the names load lazily (below)
    from aligner.qa.catalogue import CATALOGUE
    from aligner.qa.checks import QAConfig, check_alignment, check_pairs, exclusion_findings
    from aligner.qa.charset import infer_charset
    from aligner.qa.encoding import detect_damage, repair_text
    from aligner.qa.numbers import compare_numbers
    from aligner.qa.punctuation import check_punctuation
    from aligner.qa.repair import repair_document

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

__all__ = [
    "check_alignment", "check_pairs", "exclusion_findings", "QAConfig", "detect_damage", "infer_charset",
    "repair_text", "compare_numbers", "check_punctuation", "repair_document", "CATALOGUE",
]

if not TYPE_CHECKING:  # (hidden from type checkers, which would take any unknown name for this Any)
    __getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
