"""The package version: a leaf module, so any module can import it without importing ``aligner`` itself."""

VERSION = "0.1.0"
__version__ = VERSION
