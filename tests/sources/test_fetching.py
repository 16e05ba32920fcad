"""Harvest and downloads against the fake arXiv on 127.0.0.1, faults included."""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from extract.sources.arxiv import ArxivQuery, next_watermark
from extract.sources.errors import (
    DisallowedURLError,
    FeedError,
    FetchError,
    NotAPdfError,
    NotFoundError,
    TooLargeError,
    TransientHTTPError,
)
from flows.config import SourcesConfig
from flows.fetching import PacedArxivClient, PdfStore, fetch_leaderboard, harvest_arxiv
from tests.fakes.http_server import FakeArxivServer, select_papers

MakeConfig = Callable[..., SourcesConfig]

CV = ArxivQuery("cv", "imagenet", terms=("ImageNet",), categories=("cs.CV",), max_results=None)


def _expected_cv(server: FakeArxivServer) -> list[str]:
    chosen = select_papers(server.papers, {"search_query": ["cat:cs.CV"]})
    return sorted(p.arxiv_id for p in chosen)


# --------------------------------------------------------------------------- arXiv harvest


def test_harvest_pages_through_all_results(
    fake_arxiv: FakeArxivServer, config: SourcesConfig
) -> None:
    records = harvest_arxiv(CV, None, config.arxiv)
    expected = _expected_cv(fake_arxiv)
    assert sorted(r.paper_id for r in records) == expected
    calls = fake_arxiv.calls_to("/api/query")
    assert len(calls) == math.ceil(len(expected) / config.arxiv.page_size)
    assert [c.query["start"][0] for c in calls] == [str(10 * i) for i in range(len(calls))]
    resnet = next(r for r in records if r.paper_id == "1512.03385")
    assert resnet.title.startswith("Deep Residual Learning")
    assert resnet.authors and resnet.categories[0] == "cs.CV"
    assert resnet.pdf_url == f"{fake_arxiv.base_url}/pdf/1512.03385v{resnet.version}"
    assert resnet.updated >= resnet.published
    assert [r.updated for r in records] == sorted(r.updated for r in records)


def test_pacing_is_honoured_between_api_calls(
    fake_arxiv: FakeArxivServer, make_config: MakeConfig
) -> None:
    """Gaps between API calls, measured at the server, are at least the configured delay."""
    delay = 0.3
    config = make_config(arxiv={"delay_seconds": delay, "page_size": 15})
    client = PacedArxivClient(config.arxiv)
    harvest_arxiv(CV, None, config.arxiv, client=client)
    harvest_arxiv(replace(CV, name="again"), None, config.arxiv, client=client)  # shared pacer
    arrivals = [c.at for c in fake_arxiv.calls_to("/api/query")]
    assert len(arrivals) >= 4
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
    assert min(gaps) >= delay * 0.98, gaps


def test_429_retry_after_is_honoured(fake_arxiv: FakeArxivServer, config: SourcesConfig) -> None:
    fake_arxiv.faults.api_429 = 1
    fake_arxiv.faults.retry_after = "1"
    records = harvest_arxiv(CV, None, config.arxiv)
    assert sorted(r.paper_id for r in records) == _expected_cv(fake_arxiv)
    first, second = fake_arxiv.calls_to("/api/query")[:2]
    assert second.at - first.at >= 1.0  # Retry-After beats the 0.05 s backoff


def test_503_is_retried_with_backoff(fake_arxiv: FakeArxivServer, config: SourcesConfig) -> None:
    fake_arxiv.faults.api_503 = 2
    assert harvest_arxiv(CV, None, config.arxiv)
    first_page = [c for c in fake_arxiv.calls_to("/api/query") if c.query["start"] == ["0"]]
    assert len(first_page) == 3


def test_persistent_503_gives_up_with_a_named_error(
    fake_arxiv: FakeArxivServer, config: SourcesConfig
) -> None:
    fake_arxiv.faults.api_503 = 99
    with pytest.raises(TransientHTTPError, match="HTTP 503") as caught:
        harvest_arxiv(CV, None, config.arxiv)
    assert caught.value.partial_records == []  # type: ignore[attr-defined]
    assert len(fake_arxiv.calls_to("/api/query")) == config.arxiv.retry.max_attempts


def test_slow_answer_times_out_and_is_retried(
    fake_arxiv: FakeArxivServer, config: SourcesConfig
) -> None:
    fake_arxiv.faults.api_slow = 1
    fake_arxiv.faults.slow_seconds = 3.0
    started = time.monotonic()
    assert harvest_arxiv(CV, None, config.arxiv)
    assert time.monotonic() - started < 3.0  # did not wait for the slow answer


def test_client_errors_are_not_retried(fake_arxiv: FakeArxivServer, config: SourcesConfig) -> None:
    fake_arxiv.faults.api_status = 400
    with pytest.raises(FetchError, match="HTTP 400") as caught:
        harvest_arxiv(CV, None, config.arxiv)
    assert not isinstance(caught.value, TransientHTTPError)
    assert len(fake_arxiv.calls_to("/api/query")) == 1


def test_billion_laughs_feed_is_refused(fake_arxiv: FakeArxivServer, config: SourcesConfig) -> None:
    fake_arxiv.faults.xml_bomb = True
    with pytest.raises(FeedError, match="billion laughs"):
        harvest_arxiv(CV, None, config.arxiv)
    assert len(fake_arxiv.calls_to("/api/query")) == 1


def test_html_instead_of_feed_is_a_clear_error(
    fake_arxiv: FakeArxivServer, config: SourcesConfig
) -> None:
    fake_arxiv.faults.api_html = True
    with pytest.raises(FeedError, match="HTML page"):
        harvest_arxiv(CV, None, config.arxiv)


def test_watermark_makes_the_next_harvest_incremental(
    fake_arxiv: FakeArxivServer, config: SourcesConfig
) -> None:
    everything = harvest_arxiv(CV, None, config.arxiv)
    watermark = next_watermark(everything, None)
    assert watermark is not None
    again = harvest_arxiv(CV, watermark, config.arxiv)
    assert again and all(r.updated.replace(second=0) >= watermark.replace(second=0) for r in again)
    assert len(again) < len(everything)
    middle = sorted(r.updated for r in everything)[len(everything) // 2]
    newer = harvest_arxiv(CV, middle, config.arxiv)
    assert {r.paper_id for r in newer} == {
        r.paper_id for r in everything if r.updated.replace(second=0) >= middle.replace(second=0)
    }
    query = fake_arxiv.calls_to("/api/query")[-1].query["search_query"][0]
    assert "lastUpdatedDate:[" in query


def test_api_url_outside_the_allowed_hosts_is_refused(config: SourcesConfig) -> None:
    settings = replace(config.arxiv, api_url="http://10.0.0.1/api/query")
    with pytest.raises(DisallowedURLError, match="not in the allowed hosts"):
        harvest_arxiv(CV, None, settings)


# --------------------------------------------------------------------------- PDF store


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store(tmp_path: Path, config: SourcesConfig) -> PdfStore:
    return PdfStore(tmp_path / "pdfs", config.downloads)


def test_fetch_stores_by_content_hash_and_caches(
    fake_arxiv: FakeArxivServer, store: PdfStore
) -> None:
    paper = fake_arxiv.by_id["1512.03385"]
    got = store.fetch(fake_arxiv.pdf_url("1512.03385", 1))
    assert (got.sha256, got.from_cache, got.paper_id, got.version) == (
        paper.sha256,
        False,
        "1512.03385",
        1,
    )
    assert got.path == store.root / paper.sha256[:2] / f"{paper.sha256}.pdf"
    assert _sha(got.path) == paper.sha256 and got.bytes == paper.path.stat().st_size
    again = store.fetch(fake_arxiv.pdf_url("1512.03385", 1))
    other_version = store.fetch(fake_arxiv.pdf_url("1512.03385", 2))
    assert again.from_cache and other_version.from_cache
    assert other_version.sha256 == paper.sha256
    assert len(fake_arxiv.calls_to("/pdf/")) == 1
    assert not list(store.partial_dir.iterdir())


def test_same_paper_from_a_local_folder_is_not_downloaded(
    fake_arxiv: FakeArxivServer, store: PdfStore
) -> None:
    paper = fake_arxiv.by_id["1409.1556"]
    local = store.add_file(paper.path, paper_id="1409.1556")
    fetched = store.fetch(fake_arxiv.pdf_url("1409.1556"))
    assert fetched.from_cache and fetched.sha256 == local.sha256 == paper.sha256
    assert fake_arxiv.calls_to("/pdf/") == []
    assert store.lookup("1409.1556") is not None


def test_html_instead_of_pdf_raises_not_a_pdf(fake_arxiv: FakeArxivServer, store: PdfStore) -> None:
    fake_arxiv.faults.pdf_html = {"1512.03385"}
    with pytest.raises(NotAPdfError, match="HTML page"):
        store.fetch(fake_arxiv.pdf_url("1512.03385"))
    assert not list(store.partial_dir.iterdir())
    assert not [p for p in store.root.rglob("*.pdf")]


def test_truncated_body_is_resumed_with_range(fake_arxiv: FakeArxivServer, store: PdfStore) -> None:
    fake_arxiv.faults.pdf_truncate = 1
    got = store.fetch(fake_arxiv.pdf_url("1506.01497"))
    assert got.sha256 == fake_arxiv.by_id["1506.01497"].sha256
    first, second = fake_arxiv.calls_to("/pdf/")
    assert "Range" not in first.headers
    start = int(second.headers["Range"].removeprefix("bytes=").removesuffix("-"))
    assert 0 < start <= got.bytes // 2  # whatever reached the disk before the cut
    assert second.headers["If-Range"] == f'"{got.sha256}"'


def test_interrupted_download_resumes_in_a_new_store(
    fake_arxiv: FakeArxivServer, tmp_path: Path, config: SourcesConfig
) -> None:
    """A partial file left by a killed run is resumed by the next one."""
    fake_arxiv.faults.pdf_truncate = 1
    fake_arxiv.faults.ranges = True
    broken = replace(config.downloads, retry=replace(config.downloads.retry, max_attempts=1))
    with pytest.raises(TransientHTTPError, match="truncated|interrupted"):
        PdfStore(tmp_path / "s", broken).fetch(fake_arxiv.pdf_url("1502.03167"))
    got = PdfStore(tmp_path / "s", config.downloads).fetch(fake_arxiv.pdf_url("1502.03167"))
    assert got.sha256 == fake_arxiv.by_id["1502.03167"].sha256
    assert "Range" in fake_arxiv.calls_to("/pdf/")[-1].headers


def test_resume_without_range_support_restarts(
    fake_arxiv: FakeArxivServer, store: PdfStore
) -> None:
    fake_arxiv.faults.ranges = False
    fake_arxiv.faults.pdf_truncate = 1
    got = store.fetch(fake_arxiv.pdf_url("1506.01497"))
    assert got.sha256 == fake_arxiv.by_id["1506.01497"].sha256


def test_size_cap(fake_arxiv: FakeArxivServer, tmp_path: Path, config: SourcesConfig) -> None:
    small = PdfStore(tmp_path / "s", replace(config.downloads, max_bytes=100_000))
    with pytest.raises(TooLargeError, match="cap 100000"):
        small.fetch(fake_arxiv.pdf_url("1512.03385"))
    assert not list(small.root.rglob("*.pdf"))


@pytest.mark.parametrize("fault", ["pdf_429", "pdf_503", "pdf_slow"])
def test_transient_pdf_faults_are_retried(
    fake_arxiv: FakeArxivServer, store: PdfStore, fault: str
) -> None:
    setattr(fake_arxiv.faults, fault, 1)
    fake_arxiv.faults.retry_after = "0"
    fake_arxiv.faults.slow_seconds = 2.0
    got = store.fetch(fake_arxiv.pdf_url("1312.6229"))
    assert got.sha256 == fake_arxiv.by_id["1312.6229"].sha256
    assert len(fake_arxiv.calls_to("/pdf/")) == 2


def test_unknown_pdf_is_a_fetch_error(fake_arxiv: FakeArxivServer, store: PdfStore) -> None:
    with pytest.raises(FetchError, match="HTTP 404") as caught:
        store.fetch(fake_arxiv.pdf_url("9999.99999"))
    assert isinstance(caught.value, NotFoundError)
    assert caught.value.status == "no_pdf"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("file:///etc/passwd", "only http"),
        ("http://169.254.169.254/latest/meta-data/", "not in the allowed hosts"),
        ("https://evil.example/x.pdf", "not in the allowed hosts"),
    ],
)
def test_redirects_to_forbidden_places_are_refused(
    fake_arxiv: FakeArxivServer, store: PdfStore, target: str, message: str
) -> None:
    fake_arxiv.faults.redirects = {"/pdf/1512.03385": target}
    with pytest.raises(DisallowedURLError, match=message):
        store.fetch(fake_arxiv.pdf_url("1512.03385"))


def test_redirect_to_a_loopback_name_is_refused_unless_configured(
    fake_arxiv: FakeArxivServer, tmp_path: Path, make_config: MakeConfig
) -> None:
    port = fake_arxiv.base_url.rsplit(":", 1)[1]
    fake_arxiv.faults.redirects = {"/pdf/1512.03385": f"http://localhost:{port}/pdf/1512.03385v1"}
    allowed_name = make_config(security={"allowed_hosts": ["arxiv.org", "localhost"]})
    with pytest.raises(DisallowedURLError, match="loopback"):
        PdfStore(tmp_path / "a", allowed_name.downloads).fetch(fake_arxiv.pdf_url("1512.03385"))
    private_ok = make_config(
        security={"allowed_hosts": ["localhost"], "allow_private_hosts": ["localhost"]}
    )
    got = PdfStore(tmp_path / "b", private_ok.downloads).fetch(fake_arxiv.pdf_url("1512.03385"))
    assert got.sha256 == fake_arxiv.by_id["1512.03385"].sha256


def test_per_host_concurrency_limit(
    fake_arxiv: FakeArxivServer, tmp_path: Path, make_config: MakeConfig
) -> None:
    config = make_config(downloads={"per_host_concurrency": 2})
    store = PdfStore(tmp_path / "s", config.downloads)
    fake_arxiv.faults.pdf_delay = 0.2
    ids = ["1311.2524", "1312.6229", "1409.1556", "1409.3215", "1502.03167", "1504.08083"]
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda i: store.fetch(fake_arxiv.pdf_url(i)), ids))
    assert [r.sha256 for r in results] == [fake_arxiv.by_id[i].sha256 for i in ids]
    assert fake_arxiv.max_in_flight == 2


def test_same_url_in_parallel_is_downloaded_once(
    fake_arxiv: FakeArxivServer, store: PdfStore
) -> None:
    fake_arxiv.faults.pdf_delay = 0.1
    url = fake_arxiv.pdf_url("1409.1556")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: store.fetch(url), range(4)))
    assert len({r.sha256 for r in results}) == 1
    assert len(fake_arxiv.calls_to("/pdf/")) == 1


# --------------------------------------------------------------------------- leaderboards


def test_fetch_leaderboard_local_and_refused(tmp_path: Path, config: SourcesConfig) -> None:
    path = tmp_path / "lb.json"
    path.write_text(json.dumps([{"task": "t", "datasets": []}]))
    blob, label = fetch_leaderboard(str(path), config.downloads, 1_000_000)
    assert (json.loads(blob), label) == ([{"task": "t", "datasets": []}], "lb.json")
    with pytest.raises(DisallowedURLError):
        fetch_leaderboard("file:///etc/passwd", config.downloads, 1_000_000)
    with pytest.raises(TooLargeError):
        fetch_leaderboard(str(path), config.downloads, 10)


def test_fetch_leaderboard_over_http_checks_status(
    fake_arxiv: FakeArxivServer, config: SourcesConfig
) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_leaderboard(
            f"{fake_arxiv.base_url}/evaluation-tables.json.gz", config.downloads, 1_000_000
        )


def test_record_dates_are_aware(fake_arxiv: FakeArxivServer, config: SourcesConfig) -> None:
    records = harvest_arxiv(replace(CV, max_results=3), None, config.arxiv)
    assert len(records) == 3
    assert all(r.updated.tzinfo is not None and r.updated <= datetime.now(UTC) for r in records)
