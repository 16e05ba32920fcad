"""Pure arXiv helpers, the sources config and the URL policy: no network."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import arxiv
import pytest

from extract.sources.arxiv import (
    ArxivQuery,
    ArxivRecord,
    arxiv_id_from_url,
    build_search_query,
    check_feed_xml,
    make_search,
    next_watermark,
    record_from_result,
)
from extract.sources.errors import DisallowedURLError, FeedError
from extract.sources.urls import UrlPolicy, check_url
from flows.config import ENV_API_URL, RetryPolicy, load_sources_config
from flows.fetching import retry_after_seconds
from schema.quantities import BENCHMARKS

NOW = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/1512.03385", ("1512.03385", None)),
        ("https://arxiv.org/abs/1512.03385v3", ("1512.03385", 3)),
        ("http://arxiv.org/pdf/1808.09381.pdf", ("1808.09381", None)),
        ("https://arxiv.org/pdf/2106.01345v12", ("2106.01345", 12)),
        ("arxiv.org/abs/cs/0601001v2", ("cs/0601001", 2)),
        ("http://arxiv.org/abs/hep-th/9901001", ("hep-th/9901001", None)),
        ("https://arxiv.org/abs/math.GT/0309136v1", ("math.GT/0309136", 1)),
        ("arXiv:1706.03762v5", ("1706.03762", 5)),
        ("1409.1556", ("1409.1556", None)),
        ("http://127.0.0.1:8000/pdf/1512.03385v1", ("1512.03385", 1)),
        ("https://openreview.net/forum?id=abc", None),
        ("http://image-net.org/challenges/LSVRC/2012/results.html", None),
        ("", None),
    ],
)
def test_arxiv_id_from_url(url: str, expected: tuple[str, int | None] | None) -> None:
    assert arxiv_id_from_url(url) == expected


def test_build_search_query_combines_terms_categories_window_and_watermark() -> None:
    query = ArxivQuery(
        "imagenet",
        "imagenet",
        terms=("ImageNet", "image classification"),
        categories=("cs.CV", "cs.LG"),
        date_from=date(2012, 1, 1),
        date_to=date(2020, 12, 31),
    )
    since = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert build_search_query(query, since, NOW) == (
        '(all:ImageNet OR all:"image classification") AND (cat:cs.CV OR cat:cs.LG) '
        "AND submittedDate:[201201010000 TO 202012312359] "
        "AND lastUpdatedDate:[202405011230 TO 202501020304]"
    )


def test_build_search_query_open_window_and_raw() -> None:
    query = ArxivQuery("q", terms=("SQuAD",), date_from=date(2016, 6, 1))
    assert build_search_query(query, None, NOW) == (
        "all:SQuAD AND submittedDate:[201606010000 TO 202501020304]"
    )
    raw = ArxivQuery("r", raw='ti:"attention is all you need"')
    assert build_search_query(raw, None, NOW) == 'ti:"attention is all you need"'
    with pytest.raises(ValueError, match="no terms"):
        build_search_query(ArxivQuery("empty"), None, NOW)


def test_make_search_checks_sort_names() -> None:
    search = make_search(ArxivQuery("q", terms=("x",), max_results=7), None, NOW)
    assert search.max_results == 7
    assert search.sort_by == arxiv.SortCriterion.LastUpdatedDate
    assert search.sort_order == arxiv.SortOrder.Ascending
    with pytest.raises(ValueError, match="sort_by"):
        make_search(ArxivQuery("q", terms=("x",), sort_by="citations"), None, NOW)


def test_record_from_result_uses_feed_links() -> None:
    result = arxiv.Result(
        entry_id="http://arxiv.org/abs/1512.03385v1",
        updated=datetime(2015, 12, 10, tzinfo=UTC),
        published=datetime(2015, 12, 10, tzinfo=UTC),
        title="Deep Residual Learning\n  for Image Recognition",
        authors=[arxiv.Result.Author("Kaiming He"), arxiv.Result.Author("Xiangyu Zhang")],
        summary="Deeper neural networks\nare more difficult to train.",
        primary_category="cs.CV",
        categories=["cs.CV"],
        links=[
            arxiv.Result.Link("http://mirror.test/abs/1512.03385v1", rel="alternate"),
            arxiv.Result.Link("http://mirror.test/pdf/1512.03385v1", title="pdf", rel="related"),
        ],
    )
    record = record_from_result(result, "imagenet")
    assert record == ArxivRecord(
        paper_id="1512.03385",
        version=1,
        title="Deep Residual Learning for Image Recognition",
        authors=("Kaiming He", "Xiangyu Zhang"),
        abstract="Deeper neural networks are more difficult to train.",
        categories=("cs.CV",),
        published=datetime(2015, 12, 10, tzinfo=UTC),
        updated=datetime(2015, 12, 10, tzinfo=UTC),
        pdf_url="http://mirror.test/pdf/1512.03385v1",
        abs_url="http://mirror.test/abs/1512.03385v1",
        query_name="imagenet",
        primary_category="cs.CV",
    )


BOMB = b"""<?xml version="1.0"?><!DOCTYPE f [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&b;</title></feed>"""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (BOMB, "billion laughs"),
        (b"<!DOCTYPE html><html><body>busy</body></html>", "HTML page"),
        (b"<rss><channel/></rss>", "not an Atom feed"),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>", "not well-formed"),
    ],
)
def test_check_feed_xml_refuses(content: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        check_feed_xml(content)


def test_check_feed_xml_accepts_atom() -> None:
    check_feed_xml(b"<feed xmlns='http://www.w3.org/2005/Atom'><title>x</title></feed>")


def _record(updated: datetime) -> ArxivRecord:
    return ArxivRecord("1", 1, "t", (), "", (), updated, updated, None, "", "q")


def test_next_watermark_never_moves_backwards() -> None:
    early, late = datetime(2020, 1, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC)
    assert next_watermark([_record(early), _record(late)], None) == late
    assert next_watermark([_record(early)], late) == late
    assert next_watermark([], early) == early


# --------------------------------------------------------------------------- config


def test_default_config_has_one_query_per_benchmark() -> None:
    config = load_sources_config(env={})
    assert sorted(q.benchmark for q in config.queries) == sorted(BENCHMARKS)
    assert config.arxiv.delay_seconds >= 3.0
    assert config.arxiv.api_url == "https://export.arxiv.org/api/query"
    assert {"export.arxiv.org", "arxiv.org"} <= set(config.policy.allowed_hosts)
    assert config.downloads.max_bytes == 50_000_000
    assert all(q.categories and q.terms and q.date_from for q in config.queries)


def test_env_api_url_is_used_and_its_host_allowed() -> None:
    config = load_sources_config(env={ENV_API_URL: "http://127.0.0.1:8000/api/query"})
    assert config.arxiv.api_url == "http://127.0.0.1:8000/api/query"
    assert "127.0.0.1" in config.arxiv.policy.allowed_hosts
    assert "127.0.0.1" in config.downloads.policy.private_hosts
    check_url("http://127.0.0.1:8000/pdf/1512.03385", config.downloads.policy)


def test_user_file_overrides_tables_key_by_key(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text(
        "[arxiv]\ndelay_seconds = 5.0\n[downloads]\nmax_bytes = 1000\n"
        '[[arxiv.queries]]\nname = "only"\nterms = ["BERT"]\ncategories = ["cs.CL"]\n'
    )
    config = load_sources_config(user, env={})
    assert config.arxiv.delay_seconds == 5.0
    assert config.arxiv.page_size == 100  # kept from the defaults
    assert config.downloads.max_bytes == 1000
    assert [q.name for q in config.queries] == ["only"]  # lists replace
    assert config.query("only").terms == ("BERT",)


def test_retry_policy_backoff_and_retry_after() -> None:
    policy = RetryPolicy(
        5, backoff_initial=1.0, backoff_factor=2.0, backoff_max=5.0, retry_after_max=30.0
    )
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert policy.delay(1, retry_after=10.0) == 10.0
    assert policy.delay(1, retry_after=999.0) == 30.0
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(None) is None
    now = datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Wed, 01 Jan 2025 00:00:30 GMT", now) == 30.0


# --------------------------------------------------------------------------- URL policy

POLICY = UrlPolicy(("arxiv.org", "*.arxiv.org", "localhost", "10.1.2.3"), ("localhost",))


@pytest.mark.parametrize(
    ("url", "refused_because"),
    [
        ("https://arxiv.org/pdf/1512.03385", None),
        ("http://export.arxiv.org/api/query", None),
        ("http://localhost:8000/pdf/1", None),  # private, but explicitly allowed
        ("file:///etc/passwd", "only http"),
        ("ftp://arxiv.org/x", "only http"),
        ("https://evil.example/x", "not in the allowed hosts"),
        ("https://arxiv.org.evil.example/x", "not in the allowed hosts"),
        ("http://10.1.2.3/x", "private"),  # allowed host, but a private address
        ("http:///nohost", "no host"),
    ],
)
def test_check_url(url: str, refused_because: str | None) -> None:
    if refused_because is None:
        assert check_url(url, POLICY) == url
    else:
        with pytest.raises(DisallowedURLError, match=refused_because):
            check_url(url, POLICY)


def test_check_url_refuses_names_resolving_to_private_addresses() -> None:
    policy = UrlPolicy(("arxiv.org",))
    with pytest.raises(DisallowedURLError, match="private"):
        check_url("https://arxiv.org/x", policy, resolve=lambda host: ["192.168.0.7"])
    assert check_url("https://arxiv.org/x", policy, resolve=lambda host: ["151.101.3.42"])
