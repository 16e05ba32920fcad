"""The extractor's identity, importable without loading spaCy or pdfium."""

from __future__ import annotations

import hashlib

from extract.rules_loader import ruleset_sha256

# Bump when extraction code changes behaviour; with the rules hash it keys re-extraction.
EXTRACTOR_VERSION = "0.3.0"


def extractor_key() -> str:
    """Identifies the extractor: code version + rule files. A change re-extracts every paper."""
    digest = hashlib.sha256(f"{EXTRACTOR_VERSION}:{ruleset_sha256()}".encode()).hexdigest()
    return f"{EXTRACTOR_VERSION}+{digest[:16]}"
