"""A local stand-in for arXiv: the API's Atom answers, PDFs from the corpus, injected faults.

Used as a pytest fixture (``tests/sources/conftest.py``) and by hand::

    python -m tests.fakes.http_server --corpus ../shared/corpus --port 8000
    PAPERFLOPS_ARXIV_API_URL=http://127.0.0.1:8000/api/query paperflops refresh ...

Routes:

* ``/api/query`` answers like ``export.arxiv.org/api/query``: Atom with opensearch
  ``totalResults``/``startIndex``/``itemsPerPage``, paging by ``start``/``max_results``,
  ``id_list``, and the ``cat:``, ``submittedDate:[..]`` and ``lastUpdatedDate:[..]`` clauses
  of ``search_query`` (free-text ``all:`` terms are ignored: every paper matches them),
  sorted by ``sortBy``/``sortOrder``. Entries are the corpus papers that have an arXiv id
  (title from MANIFEST.csv; authors, dates, version and categories invented deterministically).
* ``/pdf/<id>``, ``/pdf/<id>v<N>`` (optionally ``.pdf``) serve the corpus file, with ETag and
  single ``bytes=N-`` Range support.
* ``/abs/<id>`` a tiny HTML page; any path in ``Faults.redirects`` answers 302 to its target.
* any path put in ``FakeArxivServer.files`` (``{path: bytes}``) serves those bytes, e.g. a
  leaderboard file to ingest by URL.

Faults (``FakeArxivServer.faults``, changeable per test): 429 with Retry-After or 503 for the
first N calls, a slow answer, a truncated body with a too-long Content-Length, HTML instead
of a PDF, redirects anywhere (file://, private addresses), an XML entity bomb as the feed.
Every request is recorded in ``calls`` with its arrival time (``time.monotonic``).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

log = logging.getLogger(__name__)

FIRST_NAMES = ("Alice", "Bo", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hiro", "Ines", "Jon")
LAST_NAMES = ("Abe", "Brun", "Costa", "Dietz", "Eriksen", "Fang", "Gupta", "Haas", "Ito", "Jaffe")
AREA_CATEGORIES = {
    "imagenet": ("cs.CV", "cs.LG"),
    "coco": ("cs.CV",),
    "squad": ("cs.CL", "cs.LG"),
    "conll": ("cs.CL",),
    "wmt": ("cs.CL",),
    "lm": ("cs.CL", "cs.LG"),
    "other": ("cs.LG",),
}
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE feed [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol9;</title></feed>
"""
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Access denied</title></head>"
    b"<body><h1>Please log in</h1></body></html>"
)
_PDF_PATH = re.compile(r"^/pdf/(?P<id>\d{4}\.\d{4,5})(?:v(?P<v>\d+))?(?:\.pdf)?$")
_RANGE = re.compile(
    r"(?P<field>submittedDate|lastUpdatedDate):\[(?P<a>\d{8,12}) TO (?P<b>\d{8,12})\]"
)


# --------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class CorpusPaper:
    """One corpus PDF with its (partly invented, deterministic) arXiv metadata."""

    arxiv_id: str
    path: Path
    title: str
    area: str
    sha256: str
    version: int
    published: datetime
    updated: datetime
    authors: tuple[str, ...]
    categories: tuple[str, ...]

    def abstract(self) -> str:
        return f"We study {self.title}. Results on {self.area} are reported. (Test fixture.)"


def _digest(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


def _invent(row: dict[str, str], path: Path) -> CorpusPaper:
    arxiv_id, h = row["arxiv_id"], _digest(row["arxiv_id"])
    yy, mm = int(arxiv_id[:2]), int(arxiv_id[2:4])
    published = datetime(2000 + yy, mm, 1 + h % 27, h % 24, h % 60, tzinfo=UTC)
    version = 1 + h % 3
    updated = published + timedelta(days=(version - 1) * (20 + h % 60), hours=h % 7)
    authors = tuple(
        f"{FIRST_NAMES[(h >> (4 * i)) % 10]} {LAST_NAMES[(h >> (4 * i + 2)) % 10]}"
        for i in range(1 + h % 4)
    )
    return CorpusPaper(
        arxiv_id,
        path,
        row["title"],
        row["benchmark_area"],
        row["sha256"],
        version,
        published,
        updated,
        authors,
        AREA_CATEGORIES.get(row["benchmark_area"], ("cs.LG",)),
    )


def load_corpus(corpus_dir: Path) -> list[CorpusPaper]:
    """The MANIFEST papers with a new-style arXiv id whose PDF is present, in MANIFEST order."""
    papers = []
    with (corpus_dir / "MANIFEST.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            path = corpus_dir / row["file"]
            if re.fullmatch(r"\d{4}\.\d{4,5}", row["arxiv_id"] or "") and path.is_file():
                papers.append(_invent(row, path))
    return papers


# --------------------------------------------------------------------------- faults


@dataclass
class Faults:
    """What goes wrong, per test. Counters count down as faults are served."""

    api_429: int = 0
    api_503: int = 0
    api_slow: int = 0
    api_status: int | None = None
    api_html: bool = False
    xml_bomb: bool = False
    retry_after: str | None = "1"
    slow_seconds: float = 2.0
    pdf_429: int = 0
    pdf_503: int = 0
    pdf_slow: int = 0
    pdf_truncate: int = 0
    pdf_html: set[str] = field(default_factory=set)
    pdf_delay: float = 0.0
    ranges: bool = True
    redirects: dict[str, str] = field(default_factory=dict)

    def take(self, name: str) -> bool:
        """Consume one of the first-N fault ``name``; True while any remain."""
        left = getattr(self, name)
        if left > 0:
            setattr(self, name, left - 1)
            return True
        return False


@dataclass(frozen=True)
class Call:
    """One request as the server saw it."""

    at: float
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


# --------------------------------------------------------------------------- Atom


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry(paper: CorpusPaper, base: str) -> str:
    vid = f"{paper.arxiv_id}v{paper.version}"
    authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in paper.authors)
    cats = "".join(
        f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in paper.categories
    )
    return (
        f"<entry><id>http://arxiv.org/abs/{vid}</id>"
        f"<updated>{_stamp(paper.updated)}</updated><published>{_stamp(paper.published)}</published>"
        f"<title>{escape(paper.title)}</title><summary>{escape(paper.abstract())}</summary>"
        f"{authors}"
        f'<link href={quoteattr(f"{base}/abs/{vid}")} rel="alternate" type="text/html"/>'
        f'<link title="pdf" href={quoteattr(f"{base}/pdf/{vid}")} rel="related" '
        f'type="application/pdf"/>'
        f'<arxiv:primary_category term="{paper.categories[0]}" '
        f'scheme="http://arxiv.org/schemas/atom"/>{cats}</entry>'
    )


def atom_feed(
    papers: list[CorpusPaper], total: int, start: int, per_page: int, base: str, query: str
) -> bytes:
    """An arXiv-API-shaped Atom feed for one page of results."""
    entries = "".join(_entry(p, base) for p in papers)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom">'
        f"<id>{escape(base)}/api/query</id><title>arXiv Query: {escape(query)}</title>"
        f"<updated>{_stamp(datetime.now(UTC))}</updated>"
        f"<opensearch:totalResults>{total}</opensearch:totalResults>"
        f"<opensearch:startIndex>{start}</opensearch:startIndex>"
        f"<opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>"
        f"{entries}</feed>"
    ).encode()


def _parse_stamp(text: str) -> datetime:
    text = text.ljust(12, "0")
    return datetime.strptime(text, "%Y%m%d%H%M").replace(tzinfo=UTC)


def select_papers(papers: list[CorpusPaper], params: dict[str, list[str]]) -> list[CorpusPaper]:
    """The papers a query matches, in the requested order (see the module docstring)."""
    query = params.get("search_query", [""])[0]
    ids = [i for i in params.get("id_list", [""])[0].split(",") if i]
    chosen = [p for p in papers if not ids or p.arxiv_id in ids]
    cats = set(re.findall(r"cat:([\w.\-]+)", query))
    if cats:
        chosen = [p for p in chosen if cats & set(p.categories)]
    for match in _RANGE.finditer(query):
        low, high = _parse_stamp(match["a"]), _parse_stamp(match["b"]) + timedelta(seconds=59)
        attr = "published" if match["field"] == "submittedDate" else "updated"
        chosen = [p for p in chosen if low <= getattr(p, attr) <= high]
    return _sorted(chosen, params)


def _sorted(papers: list[CorpusPaper], params: dict[str, list[str]]) -> list[CorpusPaper]:
    sort_by = params.get("sortBy", ["relevance"])[0]
    reverse = params.get("sortOrder", ["descending"])[0] == "descending"
    if sort_by == "lastUpdatedDate":
        return sorted(papers, key=lambda p: (p.updated, p.arxiv_id), reverse=reverse)
    if sort_by == "submittedDate":
        return sorted(papers, key=lambda p: (p.published, p.arxiv_id), reverse=reverse)
    return papers


# --------------------------------------------------------------------------- server


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        log.debug("fake arXiv: " + format, *args)

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        self.server.fake.record(parts.path, parse_qs(parts.query), dict(self.headers))
        try:
            self._route(parts.path, parse_qs(parts.query))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer

    def _route(self, path: str, params: dict[str, list[str]]) -> None:
        fake = self.server.fake
        if path in fake.faults.redirects:
            self._send(302, b"", "text/plain", {"Location": fake.faults.redirects[path]})
        elif path in fake.files:
            self._send(200, fake.files[path], "application/octet-stream")
        elif path == "/api/query":
            self._api(params)
        elif match := _PDF_PATH.match(path):
            self._pdf(match["id"])
        elif path.startswith("/abs/"):
            self._send(200, b"<html><body>abstract page</body></html>", "text/html")
        else:
            self._send(404, b"not found", "text/plain")

    def _send(
        self,
        code: int,
        body: bytes,
        ctype: str,
        headers: dict[str, str] | None = None,
        length: int | None = None,
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _common_faults(self, prefix: str) -> bool:
        fake = self.server.fake
        if fake.faults.take(f"{prefix}_slow"):
            fake.stopping.wait(fake.faults.slow_seconds)
        if fake.faults.take(f"{prefix}_429"):
            extra = {"Retry-After": fake.faults.retry_after} if fake.faults.retry_after else {}
            self._send(429, b"Rate exceeded.", "text/plain", extra)
            return True
        if fake.faults.take(f"{prefix}_503"):
            self._send(503, b"Service Unavailable", "text/plain")
            return True
        return False

    def _api(self, params: dict[str, list[str]]) -> None:
        fake = self.server.fake
        if self._common_faults("api"):
            return
        if fake.faults.api_status:
            self._send(fake.faults.api_status, b"Bad query", "text/plain")
        elif fake.faults.xml_bomb:
            self._send(200, BILLION_LAUGHS, "application/atom+xml")
        elif fake.faults.api_html:
            self._send(200, HTML_PAGE, "text/html")
        else:
            self._send(200, fake.feed(params), "application/atom+xml; charset=utf-8")

    def _pdf(self, arxiv_id: str) -> None:
        fake = self.server.fake
        paper = fake.by_id.get(arxiv_id)
        if paper is None:
            self._send(404, b"no such paper", "text/plain")
            return
        with fake.in_flight():
            if fake.faults.pdf_delay:
                fake.stopping.wait(fake.faults.pdf_delay)
            if self._common_faults("pdf"):
                return
            if arxiv_id in fake.faults.pdf_html:
                self._send(200, HTML_PAGE, "text/html; charset=utf-8")
                return
            self._pdf_body(paper)

    def _pdf_body(self, paper: CorpusPaper) -> None:
        fake = self.server.fake
        data = paper.path.read_bytes()
        etag = f'"{paper.sha256}"'
        start = self._range_start(etag, len(data)) if fake.faults.ranges else 0
        body, code = data[start:], 206 if start else 200
        headers = {"ETag": etag, "Accept-Ranges": "bytes" if fake.faults.ranges else "none"}
        if start:
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        if fake.faults.take("pdf_truncate"):
            self._send(code, body[: len(body) // 2], "application/pdf", headers, len(body))
            self.close_connection = True
            return
        self._send(code, body, "application/pdf", headers)

    def _range_start(self, etag: str, size: int) -> int:
        match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", "").strip())
        if_range = self.headers.get("If-Range")
        if not match or (if_range and if_range != etag):
            return 0
        start = int(match.group(1))
        return start if start < size else 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeArxivServer


class FakeArxivServer:
    """The fake arXiv on 127.0.0.1: ``start()``, ``api_url``, ``faults``, ``calls``, ``stop()``."""

    def __init__(self, corpus_dir: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.papers = load_corpus(Path(corpus_dir))
        self.by_id = {p.arxiv_id: p for p in self.papers}
        self.faults = Faults()
        self.files: dict[str, bytes] = {}
        self.calls: list[Call] = []
        self.max_in_flight = 0
        self.stopping = threading.Event()
        self._in_flight = 0
        self._lock = threading.Lock()
        self._httpd = _Server((host, port), _Handler)
        self._httpd.fake = self
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/query"

    def pdf_url(self, arxiv_id: str, version: int | None = None) -> str:
        return f"{self.base_url}/pdf/{arxiv_id}" + (f"v{version}" if version else "")

    def record(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> None:
        with self._lock:
            self.calls.append(Call(time.monotonic(), path, query, headers))

    def calls_to(self, prefix: str) -> list[Call]:
        """The recorded calls whose path starts with ``prefix``."""
        with self._lock:
            return [c for c in self.calls if c.path.startswith(prefix)]

    def in_flight(self) -> _InFlight:
        return _InFlight(self)

    def feed(self, params: dict[str, list[str]]) -> bytes:
        chosen = select_papers(self.papers, params)
        start = int(params.get("start", ["0"])[0])
        per_page = int(params.get("max_results", ["10"])[0])
        page = chosen[start : start + per_page]
        query = params.get("search_query", [""])[0]
        return atom_feed(page, len(chosen), start, per_page, self.base_url, query)

    def start(self) -> FakeArxivServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeArxivServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _InFlight:
    """Counts concurrent PDF answers (``max_in_flight`` shows the per-host limit at work)."""

    def __init__(self, fake: FakeArxivServer) -> None:
        self.fake = fake

    def __enter__(self) -> None:
        with self.fake._lock:
            self.fake._in_flight += 1
            self.fake.max_in_flight = max(self.fake.max_in_flight, self.fake._in_flight)

    def __exit__(self, *exc: object) -> None:
        with self.fake._lock:
            self.fake._in_flight -= 1


def main(argv: list[str] | None = None) -> None:
    """Serve the corpus until interrupted (for manual end-to-end runs)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="folder with MANIFEST.csv")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    server = FakeArxivServer(args.corpus, args.host, args.port)
    log.info(
        "fake arXiv with %d papers: PAPERFLOPS_ARXIV_API_URL=%s", len(server.papers), server.api_url
    )
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
