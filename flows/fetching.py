"""Network IO for discovery and fetching: the arXiv API, PDF downloads, leaderboard files.

Everything that parses lives in ``extract.sources``; this module only moves bytes, politely
and defensively:

* every URL and every redirect hop is checked against the configured ``UrlPolicy``
  (http(s) only, allowed hosts, no private addresses unless configured);
* only transient failures are retried (HTTP 429 honouring Retry-After, 5xx, timeouts, and
  for downloads an interrupted body, which is resumed with an HTTP Range request);
* answers are read with size caps; PDFs are checked for the ``%PDF-`` magic;
* API calls are paced (``ArxivSettings.delay_seconds`` between the end of one call and the
  start of the next, retries included).
"""

from __future__ import annotations

import email.utils
import errno
import hashlib
import json
import logging
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import urljoin, urlsplit

import arxiv
import feedparser
import requests

from extract.sources.arxiv import (
    ArxivQuery,
    ArxivRecord,
    arxiv_id_from_url,
    check_feed_xml,
    make_search,
    record_from_result,
)
from extract.sources.errors import (
    DisallowedURLError,
    DiskFullError,
    FeedError,
    FetchError,
    NotAPdfError,
    NotFoundError,
    TooLargeError,
    TransientHTTPError,
)
from extract.sources.urls import UrlPolicy, check_url, url_host
from flows.config import ArxivSettings, DownloadSettings, RetryPolicy, Timeouts

log = logging.getLogger(__name__)
T = TypeVar("T")
PDF_MAGIC = b"%PDF-"
_REDIRECTS = (301, 302, 303, 307, 308)


# --------------------------------------------------------------------------- HTTP helpers


def resolve_host(host: str) -> list[str]:
    """The addresses ``host`` resolves to ([] when it does not: the request then fails)."""
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, None)})
    except (socket.gaierror, UnicodeError):
        return []


def guarded_get(
    session: requests.Session,
    url: str,
    policy: UrlPolicy,
    timeouts: Timeouts,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    """GET ``url`` (streamed), following redirects only to URLs the policy allows."""
    for _ in range(policy.max_redirects + 1):
        check_url(url, policy, resolve_host)
        resp = _send(session, url, timeouts, headers)
        location = resp.headers.get("Location")
        if resp.status_code not in _REDIRECTS or not location:
            return resp
        resp.close()
        url = urljoin(url, location)
        log.debug("redirected to %s", url)
    raise DisallowedURLError(f"more than {policy.max_redirects} redirects", url)


def _send(
    session: requests.Session, url: str, timeouts: Timeouts, headers: dict[str, str] | None
) -> requests.Response:
    try:
        return session.get(
            url, headers=headers, timeout=timeouts.as_tuple(), stream=True, allow_redirects=False
        )
    except requests.Timeout as err:
        raise TransientHTTPError(f"timed out requesting {url}: {err}", url) from err
    except requests.RequestException as err:
        raise FetchError(f"request to {url} failed: {err}", url) from err


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from now."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def raise_for_status(resp: requests.Response, url: str) -> None:
    """429/5xx -> ``TransientHTTPError`` (with Retry-After); 404/410 -> ``NotFoundError``;
    other non-2xx -> ``FetchError``."""
    code = resp.status_code
    if code == 429 or 500 <= code < 600:
        resp.close()
        raise TransientHTTPError(
            f"HTTP {code} from {url}",
            url,
            code,
            retry_after_seconds(resp.headers.get("Retry-After")),
        )
    if code in (404, 410):
        resp.close()
        raise NotFoundError(f"HTTP {code} (not found) from {url}", url)
    if not 200 <= code < 300:
        resp.close()
        raise FetchError(f"HTTP {code} from {url}", url)


def read_capped(resp: requests.Response, max_bytes: int, url: str, chunk: int = 65536) -> bytes:
    """The whole body, refusing more than ``max_bytes``; an interrupted body is transient."""
    declared = resp.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise TooLargeError(f"{url} declares {declared} bytes (cap {max_bytes})", url)
    parts, size = [], 0
    with _interruptions_are_transient(url):
        for part in resp.iter_content(chunk):
            size += len(part)
            if size > max_bytes:
                raise TooLargeError(f"{url} sent more than {max_bytes} bytes", url)
            parts.append(part)
    return b"".join(parts)


@contextmanager
def _interruptions_are_transient(url: str) -> Iterator[None]:
    try:
        yield
    except (requests.ConnectionError, requests.Timeout) as err:  # includes truncated bodies
        raise TransientHTTPError(f"transfer from {url} was interrupted: {err}", url) from err
    except requests.exceptions.ChunkedEncodingError as err:
        raise TransientHTTPError(f"transfer from {url} was truncated: {err}", url) from err


def with_retries(
    call: Callable[[], T],
    policy: RetryPolicy,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``call``, retrying only ``TransientHTTPError`` with exponential backoff."""
    for attempt in range(1, policy.max_attempts + 1):
        try:
            return call()
        except TransientHTTPError as err:
            if attempt >= policy.max_attempts:
                raise
            wait = policy.delay(attempt, err.retry_after)
            log.warning("%s: %s; retry %d in %.2fs", what, err, attempt, wait)
            sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


class Pacer:
    """At least ``delay`` seconds between the end of one call and the start of the next."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._last_end: float | None = None
        self._lock = threading.Lock()

    @contextmanager
    def call(self) -> Iterator[None]:
        """Wrap one API call: waits first, stamps the end afterwards (even on failure)."""
        with self._lock:
            if self._last_end is not None:
                wait = self._last_end + self.delay - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            try:
                yield
            finally:
                self._last_end = time.monotonic()


# --------------------------------------------------------------------------- arXiv API


class PacedArxivClient(arxiv.Client):
    """``arxiv.Client`` with our endpoint, pacing, retry policy, URL policy and safe XML.

    The package's own paging (``Client.results``) is kept; only fetching a page
    (``_parse_feed``) is replaced, because the package retries every HTTP error without
    backoff, sets no timeout and hands XML straight to feedparser.
    """

    def __init__(self, settings: ArxivSettings, session: requests.Session | None = None) -> None:
        super().__init__(
            page_size=settings.page_size, delay_seconds=settings.delay_seconds, num_retries=0
        )
        check_url(settings.api_url, settings.policy)
        self.settings = settings
        sep = "&" if "?" in settings.api_url else "?"
        self.query_url_format = settings.api_url.replace("{", "{{").replace("}", "}}") + sep + "{}"
        self.pacer = Pacer(settings.delay_seconds)
        if session is not None:
            self._session = session
        self._session.headers["User-Agent"] = settings.user_agent

    def _parse_feed(
        self, url: str, first_page: bool = True, _try_index: int = 0
    ) -> feedparser.FeedParserDict:
        return with_retries(
            lambda: self._fetch_page(url, first_page), self.settings.retry, f"arXiv API {url}"
        )

    def _fetch_page(self, url: str, first_page: bool) -> feedparser.FeedParserDict:
        with self.pacer.call():
            resp = guarded_get(self._session, url, self.settings.policy, self.settings.timeouts)
            raise_for_status(resp, url)
            content = read_capped(resp, self.settings.feed_max_bytes, url)
        return parse_feed_page(content, url, first_page)


def parse_feed_page(content: bytes, url: str, first_page: bool) -> feedparser.FeedParserDict:
    """A checked page of API results (``FeedError`` unless it is a usable Atom feed)."""
    check_feed_xml(content, url)
    feed = feedparser.parse(content)
    if feed.entries and "opensearch_totalresults" not in feed.feed:
        raise FeedError("arXiv API answer lacks opensearch:totalResults", url)
    if not feed.entries and not first_page:
        # The API is known to return spurious empty pages mid-listing; arxiv.py retries too.
        raise TransientHTTPError("arXiv API returned an unexpectedly empty page", url)
    return feed


def harvest_arxiv(
    query: ArxivQuery,
    since: datetime | None,
    settings: ArxivSettings,
    client: PacedArxivClient | None = None,
    now: datetime | None = None,
) -> list[ArxivRecord]:
    """All papers ``query`` finds that were updated at or after ``since`` (all when ``None``).

    Pass one ``client`` to several calls so the pacing holds across queries. On failure the
    raised ``FetchError`` carries ``partial_records`` (what was read before it, in the query's
    sort order), so a caller may keep them and advance the watermark that far.
    """
    client = client or PacedArxivClient(settings)
    search = make_search(query, since, now or datetime.now(UTC))
    records: list[ArxivRecord] = []
    try:
        for result in client.results(search):
            records.append(record_from_result(result, query.name))
    except FetchError as err:
        err.partial_records = records  # type: ignore[attr-defined]
        raise
    log.info("arXiv query %s: %d records", query.name, len(records))
    return latest_versions(records)


def latest_versions(records: list[ArxivRecord]) -> list[ArxivRecord]:
    """One record per paper id (the highest version), first-seen order kept."""
    best: dict[str, ArxivRecord] = {}
    for record in records:
        if record.paper_id not in best or record.version > best[record.paper_id].version:
            best[record.paper_id] = record
    return list(best.values())


# --------------------------------------------------------------------------- leaderboards


def fetch_leaderboard(
    source: str,
    settings: DownloadSettings,
    max_bytes: int,
    session: requests.Session | None = None,
) -> tuple[bytes, str]:
    """The raw bytes of a leaderboard file (local path or http(s) URL) and a label for it.

    The label (the last path segment) only names the source in evidence; it is never used
    as a path. Decompression and parsing are ``extract.sources.leaderboards``' job.
    """
    if urlsplit(source).scheme in ("http", "https"):
        label = urlsplit(source).path.rsplit("/", 1)[-1] or url_host(source)
        return _download_small(source, settings, max_bytes, session or requests.Session()), label
    if "://" in source:
        raise DisallowedURLError(f"refused {source!r}: only http(s) URLs or local paths", source)
    path = Path(source)
    if path.stat().st_size > max_bytes:
        raise TooLargeError(f"{path.name} is larger than {max_bytes} bytes", source)
    return path.read_bytes(), path.name


def _download_small(
    url: str, settings: DownloadSettings, max_bytes: int, session: requests.Session
) -> bytes:
    def once() -> bytes:
        resp = guarded_get(
            session, url, settings.policy, settings.timeouts, {"User-Agent": settings.user_agent}
        )
        raise_for_status(resp, url)
        return read_capped(resp, max_bytes, url, settings.chunk_bytes)

    return with_retries(once, settings.retry, f"leaderboard {url}")


# --------------------------------------------------------------------------- PDF store


@dataclass(frozen=True, slots=True)
class StoredPdf:
    """A PDF in the store: its hash, where it is, its size, the URL it came from."""

    sha256: str
    path: Path
    bytes: int
    url: str
    from_cache: bool
    paper_id: str | None = None
    version: int | None = None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    url TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    paper_id TEXT,
    version INTEGER,
    fetched_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_paper ON documents (paper_id, version);
"""


class PdfIndex:
    """``root/index.sqlite``: URL -> sha256, plus the arXiv id/version each URL holds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with closing(self._connect()) as db, db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def by_url(self, url: str) -> tuple[str, int, str | None, int | None] | None:
        """``(sha256, size, paper_id, version)`` stored for ``url``."""
        sql = "SELECT sha256, size, paper_id, version FROM documents WHERE url = ?"
        with closing(self._connect()) as db:
            return db.execute(sql, (url,)).fetchone()

    def by_paper(self, paper_id: str) -> tuple[str, str, int, int | None] | None:
        """``(url, sha256, size, version)`` of the highest stored version of ``paper_id``."""
        sql = (
            "SELECT url, sha256, size, version FROM documents WHERE paper_id = ? "
            "ORDER BY COALESCE(version, 0) DESC LIMIT 1"
        )
        with closing(self._connect()) as db:
            return db.execute(sql, (paper_id,)).fetchone()

    def add(self, url: str, sha: str, size: int, paper_id: str | None, version: int | None) -> None:
        """Record that ``url`` holds the document ``sha``."""
        sql = "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?)"
        stamp = datetime.now(UTC).isoformat()
        with closing(self._connect()) as db, db:
            db.execute(sql, (url, sha, size, paper_id, version, stamp))


class PdfStore:
    """A content-addressed PDF store: ``root/<sha[:2]>/<sha>.pdf`` plus ``root/index.sqlite``.

    Downloads stream into ``root/.partial/<sha256 of the URL>.part`` (same file system, so
    the final ``os.replace`` is atomic) and resume from there with an HTTP Range request
    after an interruption. Nothing a server sends (names, headers) becomes a path.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        settings: DownloadSettings | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.root = Path(root)
        self.settings = settings or DownloadSettings()
        self.partial_dir = self.root / ".partial"
        self.partial_dir.mkdir(parents=True, exist_ok=True)
        self.index = PdfIndex(self.root / "index.sqlite")
        self.session = session or requests.Session()
        self._locks: dict[str, threading.Lock] = {}
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        self._guard = threading.Lock()

    def path_for(self, sha256: str) -> Path:
        """Where the document with this hash lives."""
        return self.root / sha256[:2] / f"{sha256}.pdf"

    def fetch(
        self,
        url: str,
        paper_id: str | None = None,
        version: int | None = None,
        any_version: bool = True,
    ) -> StoredPdf:
        """The PDF at ``url``, downloaded at most once per URL and (``any_version``) per paper.

        ``paper_id``/``version`` default to the arXiv id in the URL. Raises
        ``DisallowedURLError``, ``NotAPdfError``, ``TooLargeError``, ``TransientHTTPError``
        (after the retry policy gave up) or ``FetchError``.
        """
        check_url(url, self.settings.policy, resolve_host)
        if paper_id is None and (found := arxiv_id_from_url(url)):
            paper_id, version = found[0], version or found[1]
        with self._lock_for(url):
            cached = self._cached(url, paper_id, any_version)
            if cached is not None:
                return cached
            sha, size = with_retries(
                lambda: self._download_once(url), self.settings.retry, f"PDF {url}"
            )
            self.index.add(url, sha, size, paper_id, version)
            return StoredPdf(sha, self.path_for(sha), size, url, False, paper_id, version)

    def add_file(
        self, path: str | os.PathLike[str], paper_id: str | None = None, version: int | None = None
    ) -> StoredPdf:
        """Put a local PDF (e.g. from ``--pdf-dir``) into the store under ``file:<name>``.

        Registering its ``paper_id`` means a later ``fetch`` of any arXiv URL of that paper
        is answered from the store: the same paper from two sources is kept once.
        """
        source = Path(path)
        key = f"file:{source.name}"
        with self._lock_for(key):
            part = self._part_path(key)
            with _no_partial_on_full_disk(part, str(source)):
                with source.open("rb") as src, part.open("wb") as dst:
                    _copy_checked(src, dst, self.settings.max_bytes, str(source))
                sha, size = self._commit(part, key)
            self.index.add(key, sha, size, paper_id, version)
            return StoredPdf(sha, self.path_for(sha), size, key, False, paper_id, version)

    def lookup(self, paper_id: str) -> StoredPdf | None:
        """The stored PDF of ``paper_id`` (highest version), if any."""
        row = self.index.by_paper(paper_id)
        if row is None or not self.path_for(row[1]).exists():
            return None
        url, sha, size, version = row
        return StoredPdf(sha, self.path_for(sha), size, url, True, paper_id, version)

    # -- internals

    def _cached(self, url: str, paper_id: str | None, any_version: bool) -> StoredPdf | None:
        row = self.index.by_url(url)
        if row is not None and self.path_for(row[0]).exists():
            sha, size, pid, version = row
            return StoredPdf(sha, self.path_for(sha), size, url, True, pid, version)
        if paper_id and any_version:
            return self.lookup(paper_id)
        return None

    def _lock_for(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _host_slot(self, url: str) -> threading.BoundedSemaphore:
        limit = max(1, self.settings.per_host_concurrency)
        with self._guard:
            return self._host_slots.setdefault(url_host(url), threading.BoundedSemaphore(limit))

    def _part_path(self, key: str) -> Path:
        return self.partial_dir / f"{hashlib.sha256(key.encode()).hexdigest()}.part"

    def _download_once(self, url: str) -> tuple[str, int]:
        part = self._part_path(url)
        with _no_partial_on_full_disk(part, url):
            with self._host_slot(url):
                self._stream_to_part(url, part)
            return self._commit(part, url)

    def _stream_to_part(self, url: str, part: Path) -> None:
        offset = part.stat().st_size if part.exists() else 0
        resp = guarded_get(
            self.session,
            url,
            self.settings.policy,
            self.settings.timeouts,
            self._headers(part, offset),
        )
        if resp.status_code == 416:  # our partial file no longer fits: start again
            resp.close()
            _discard(part)
            raise TransientHTTPError(f"HTTP 416 resuming {url}; restarting", url, 416, 0.0)
        raise_for_status(resp, url)
        with closing(resp):
            offset = _resume_offset(resp, offset)
            _check_declared_size(resp, offset, self.settings.max_bytes, url)
            _save_validators(part, resp)
            self._write_body(resp, part, offset, url)

    def _headers(self, part: Path, offset: int) -> dict[str, str]:
        headers = {"User-Agent": self.settings.user_agent, "Accept": "application/pdf"}
        if offset > 0:
            headers["Range"] = f"bytes={offset}-"
            validator = _load_validator(part)
            if validator:
                headers["If-Range"] = validator
        return headers

    def _write_body(self, resp: requests.Response, part: Path, offset: int, url: str) -> None:
        received = offset
        mode = "ab" if offset else "wb"
        with part.open(mode) as out, _interruptions_are_transient(url):
            for chunk in resp.iter_content(self.settings.chunk_bytes):
                if received == 0:
                    _check_pdf_start(chunk, resp, url, part)
                received += len(chunk)
                if received > self.settings.max_bytes:
                    out.close()
                    _discard(part)
                    raise TooLargeError(
                        f"{url} sent more than {self.settings.max_bytes} bytes", url
                    )
                out.write(chunk)
        _check_complete(resp, offset, received, url)

    def _commit(self, part: Path, url: str) -> tuple[str, int]:
        with part.open("rb") as handle:
            if not handle.read(1024).lstrip().startswith(PDF_MAGIC):
                _discard(part)
                raise NotAPdfError(f"{url} is not a PDF (no %PDF- header)", url)
            handle.seek(0)
            sha, size = _sha256_of(handle)
            os.fsync(handle.fileno())
        final = self.path_for(sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            _discard(part)  # same bytes already stored (another URL or version)
        else:
            os.replace(part, final)
        _discard(_meta_path(part))
        return sha, size


# --------------------------------------------------------------------------- download helpers


def _sha256_of(handle: object) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for block in iter(lambda: handle.read(1 << 20), b""):  # type: ignore[attr-defined]
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


def _copy_checked(src: object, dst: object, max_bytes: int, name: str) -> None:
    copied = 0
    for block in iter(lambda: src.read(1 << 20), b""):  # type: ignore[attr-defined]
        copied += len(block)
        if copied > max_bytes:
            raise TooLargeError(f"{name} is larger than {max_bytes} bytes", name)
        dst.write(block)  # type: ignore[attr-defined]


def _discard(path: Path) -> None:
    path.unlink(missing_ok=True)


@contextmanager
def _no_partial_on_full_disk(part: Path, what: str) -> Iterator[None]:
    """A full disk or quota (ENOSPC/EDQUOT) while writing: the partial file is removed (no
    half-written PDF stays, and the space is given back) and ``DiskFullError`` is raised. The
    store itself only ever holds complete files (they arrive by ``os.replace``)."""
    try:
        yield
    except OSError as err:
        if err.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        _discard(part)
        _discard(_meta_path(part))
        raise DiskFullError(
            f"disk full while storing {what} in {part.parent.parent}: {err.strerror or err}; "
            "partial file removed",
            what,
        ) from err


def _meta_path(part: Path) -> Path:
    return part.with_suffix(".json")


def _save_validators(part: Path, resp: requests.Response) -> None:
    validator = resp.headers.get("ETag") or resp.headers.get("Last-Modified")
    if validator and resp.status_code == 200:
        _meta_path(part).write_text(json.dumps({"validator": validator}))


def _load_validator(part: Path) -> str | None:
    try:
        return json.loads(_meta_path(part).read_text()).get("validator")
    except (OSError, ValueError):
        return None


def _resume_offset(resp: requests.Response, offset: int) -> int:
    """Where the body starts: ``offset`` for a matching 206, else 0 (a full answer)."""
    if resp.status_code != 206:
        return 0
    content_range = resp.headers.get("Content-Range", "")
    if not content_range.startswith(f"bytes {offset}-"):
        raise FetchError(f"unexpected Content-Range {content_range!r} resuming at {offset}")
    log.info("resuming %s at byte %d", resp.url, offset)
    return offset


def _check_declared_size(resp: requests.Response, offset: int, cap: int, url: str) -> None:
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and offset + int(declared) > cap:
        resp.close()
        raise TooLargeError(f"{url} is {offset + int(declared)} bytes (cap {cap})", url)


def _check_pdf_start(chunk: bytes, resp: requests.Response, url: str, part: Path) -> None:
    if chunk[:1024].lstrip().startswith(PDF_MAGIC):
        return
    ctype = resp.headers.get("Content-Type", "unknown")
    start = chunk[:60].decode("utf-8", "replace").strip()
    _discard(part)
    kind = "an HTML page" if b"<html" in chunk[:2048].lower() or "html" in ctype else "not a PDF"
    raise NotAPdfError(
        f"{url} returned {kind} (Content-Type {ctype}; starts {start!r}) instead of a PDF", url
    )


def _check_complete(resp: requests.Response, offset: int, received: int, url: str) -> None:
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and received < offset + int(declared):
        raise TransientHTTPError(
            f"{url}: body truncated at {received} of {offset + int(declared)} bytes", url
        )
