"""Fixtures for the discovery/fetch tests: the shared corpus, the fake arXiv, fast settings."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.config import ENV_API_URL, SourcesConfig, load_sources_config, merge_tables

try:
    from tests.fakes.http_server import FakeArxivServer
except ModuleNotFoundError:  # plain `pytest` does not put the repository root on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.fakes.http_server import FakeArxivServer

# Retries and timeouts shrunk so fault tests take fractions of a second.
FAST: dict[str, Any] = {
    "arxiv": {
        "delay_seconds": 0.05,
        "page_size": 10,
        "timeouts": {"connect": 2.0, "read": 0.5},
        "retry": {
            "max_attempts": 4,
            "backoff_initial": 0.05,
            "backoff_factor": 2.0,
            "backoff_max": 0.4,
            "retry_after_max": 2.0,
        },
    },
    "downloads": {
        "timeouts": {"connect": 2.0, "read": 0.5},
        "retry": {
            "max_attempts": 4,
            "backoff_initial": 0.05,
            "backoff_factor": 2.0,
            "backoff_max": 0.4,
            "retry_after_max": 2.0,
        },
    },
}


def shared_dir() -> Path:
    """The ``shared`` folder beside the repository root."""
    return Path(__file__).resolve().parents[2].parent / "shared"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    path = shared_dir() / "corpus"
    if not (path / "MANIFEST.csv").is_file():
        pytest.skip("corpus not found: expected shared/corpus/MANIFEST.csv beside the repo")
    return path


@pytest.fixture(scope="session")
def leaderboards_dir() -> Path:
    path = shared_dir() / "leaderboards" / "pwc-format"
    if not path.is_dir():
        pytest.skip("leaderboard samples not found: expected shared/leaderboards/pwc-format")
    return path


@pytest.fixture
def fake_arxiv(corpus_dir: Path) -> Iterator[FakeArxivServer]:
    """A fresh fake arXiv per test (no faults, empty call log)."""
    with FakeArxivServer(corpus_dir) as server:
        yield server


def fast_config(server: FakeArxivServer, **extra: Any) -> SourcesConfig:
    """Settings pointing at ``server`` with fast pacing/backoff; ``extra`` merges on top."""
    overrides = merge_tables(FAST, extra)
    return load_sources_config(env={ENV_API_URL: server.api_url}, overrides=overrides)


@pytest.fixture
def make_config(fake_arxiv: FakeArxivServer) -> Callable[..., SourcesConfig]:
    """``make_config(arxiv={...}, downloads={...}, security={...})``: fast settings, adjusted."""
    return lambda **extra: fast_config(fake_arxiv, **extra)


@pytest.fixture
def config(fake_arxiv: FakeArxivServer) -> SourcesConfig:
    return fast_config(fake_arxiv)
