"""Named errors shared by the discovery/fetch layer (``flows.fetching``) and its pure helpers.

Each error carries ``status``: the ``paper_status`` value a flow records when a paper fails
for this reason, so a failure becomes a row, not a crash (see STYLE.md, "Errors").
"""

from __future__ import annotations

from schema import quantities as q


class FetchError(Exception):
    """A source could not be read (HTTP error, bad answer, interrupted for good)."""

    status = q.STATUS_ERROR

    def __init__(self, message: str, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class TransientHTTPError(FetchError):
    """A failure worth retrying: HTTP 429, 5xx, a timeout or an interrupted body.

    ``retry_after`` is the server's Retry-After in seconds when it sent one.
    """

    status = q.STATUS_TIMEOUT

    def __init__(
        self,
        message: str,
        url: str | None = None,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, url)
        self.status_code = status_code
        self.retry_after = retry_after


class NotFoundError(FetchError):
    """HTTP 404 or 410: the address holds nothing (for a PDF: the paper has no PDF there)."""

    status = q.STATUS_NO_PDF


class NotAPdfError(FetchError):
    """The bytes served for a PDF address are not a PDF (often an HTML error or login page)."""

    status = q.STATUS_NOT_PDF


class TooLargeError(FetchError):
    """A download or a decompressed input is larger than the configured cap."""

    status = q.STATUS_TOO_LARGE


class DisallowedURLError(FetchError):
    """A URL (or a redirect target) outside the configured schemes, hosts or address ranges."""


class DiskFullError(FetchError):
    """The disk (or quota) filled up while a PDF or file was being stored; nothing partial is
    left behind. Recorded as ``error`` so the paper is tried again on the next refresh."""


class FeedError(FetchError):
    """An arXiv API answer that cannot be used: not Atom, unsafe XML, or unexpectedly empty."""
