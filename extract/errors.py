"""Named errors of the extraction layer; each maps onto a per-paper status."""

from __future__ import annotations

from schema import quantities as q


class PaperError(Exception):
    """A paper that cannot be processed; ``status`` is what paper_status records."""

    status = q.STATUS_PARSE_ERROR


class NotPdfError(PaperError):
    status = q.STATUS_NOT_PDF


class EncryptedPdfError(PaperError):
    status = q.STATUS_ENCRYPTED


class NeedsOcrError(PaperError):
    status = q.STATUS_NEEDS_OCR


class TooLargeError(PaperError):
    status = q.STATUS_TOO_LARGE


class ParseTimeoutError(PaperError):
    status = q.STATUS_TIMEOUT
