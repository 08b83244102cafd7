"""The package version: a leaf module, so any module can import it without importing ``aligner`` itself."""

__version__ = "0.1.0"
