"""Fixtures for flow tests: one Prefect test server per session, the fake arXiv, a fast config.

Prefect's analytics and API logging are switched off before Prefect reads its settings.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")

from tests.fakes.http_server import FakeArxivServer  # noqa: E402

SHARED = Path(__file__).resolve().parents[2].parent / "shared"

# Fast pacing and backoff; one query matching three small cs.CL corpus papers submitted
# 2016-03..2016-08 (1603.01354, 1603.01360, 1608.07905): the fake ignores free-text terms.
FAST_SOURCES_TOML = """
[arxiv]
delay_seconds = 0.05
page_size = 10
[arxiv.timeouts]
connect = 2.0
read = 5.0
[arxiv.retry]
max_attempts = 3
backoff_initial = 0.05
backoff_max = 0.2
retry_after_max = 1.0
[downloads]
per_host_concurrency = 2
[downloads.timeouts]
connect = 2.0
read = 5.0
[downloads.retry]
max_attempts = 3
backoff_initial = 0.05
backoff_max = 0.2
retry_after_max = 1.0

[[arxiv.queries]]
name = "ner-2016"
benchmark = "conll2003"
terms = ["named entity recognition"]
categories = ["cs.CL"]
date_from = 2016-03-01
date_to = 2016-08-31
max_results = 3
"""
QUERY_PAPERS = ("1603.01354", "1603.01360", "1608.07905")


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """A temporary Prefect server (and database) for every flow run of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    path = SHARED / "corpus"
    if not (path / "MANIFEST.csv").is_file():
        pytest.skip(f"corpus not found: expected {path.name}/MANIFEST.csv in ../shared")
    return path


@pytest.fixture(scope="session")
def pwc_dir() -> Path:
    path = SHARED / "leaderboards" / "pwc-format"
    if not (path / "squad.json").is_file():
        pytest.skip("leaderboard samples not found: expected ../shared/leaderboards/pwc-format")
    return path


@pytest.fixture
def fake_arxiv(corpus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArxivServer]:
    """A fresh fake arXiv on 127.0.0.1, named by PAPERFLOPS_ARXIV_API_URL for the test."""
    with FakeArxivServer(corpus_dir) as server:
        monkeypatch.setenv("PAPERFLOPS_ARXIV_API_URL", server.api_url)
        yield server


@pytest.fixture
def sources_toml(tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(FAST_SOURCES_TOML, encoding="utf-8")
    return path
