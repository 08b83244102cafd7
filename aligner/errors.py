"""Exceptions the CLI turns into one actionable error line (and a non-zero exit).

Every error a user can cause with their input is an ``AlignerError``; anything
else is a bug and is allowed to show a traceback.
"""

from __future__ import annotations


class AlignerError(Exception):
    """Base class: ``str(err)`` is the one line shown to the user."""

    exit_code = 2


class InputError(AlignerError):
    """A file that cannot be used as input: missing, unreadable, empty, binary, undecodable."""


class LanguageError(AlignerError):
    """No text in a supported language, or a language we have no model for."""


class EncoderError(AlignerError):
    """An encoder name that is unknown, or a model that cannot be loaded offline."""


class FormatError(AlignerError):
    """A file in one of our own formats (alignment TSV, gold beads, review workbook) that does not parse."""


class ReviewMismatchError(AlignerError):
    """A reviewed workbook whose pair ids or texts no longer match the alignment."""


class MissingDependencyError(AlignerError):
    """A third-party library a feature needs is not installed; the message names what to install."""
