"""Discovery/fetch settings: ``flows/sources.toml``, a user override, and the environment.

``load_sources_config()`` reads the packaged defaults, merges an optional user TOML file over
them (tables merge key by key, lists and scalars replace), then applies
``PAPERFLOPS_ARXIV_API_URL`` (the full query URL; its host becomes an allowed host, and may
be a private/loopback address, so a local test server works). Nothing is read at import time.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from extract.sources.arxiv import ArxivQuery
from extract.sources.urls import UrlPolicy, url_host

ENV_API_URL = "PAPERFLOPS_ARXIV_API_URL"
ENV_CONFIG = "PAPERFLOPS_SOURCES_CONFIG"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff for transient failures (429, 5xx, timeouts) only."""

    max_attempts: int = 5
    backoff_initial: float = 5.0
    backoff_factor: float = 2.0
    backoff_max: float = 120.0
    retry_after_max: float = 600.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before try ``attempt + 1`` (``attempt`` counts from 1)."""
        backoff = min(self.backoff_max, self.backoff_initial * self.backoff_factor ** (attempt - 1))
        if retry_after is None:
            return backoff
        return max(backoff, min(retry_after, self.retry_after_max))


@dataclass(frozen=True, slots=True)
class Timeouts:
    """requests' (connect, read) timeouts in seconds."""

    connect: float = 10.0
    read: float = 60.0

    def as_tuple(self) -> tuple[float, float]:
        return (self.connect, self.read)


@dataclass(frozen=True, slots=True)
class ArxivSettings:
    """How to talk to the arXiv API."""

    api_url: str = "https://export.arxiv.org/api/query"
    delay_seconds: float = 3.0
    page_size: int = 100
    feed_max_bytes: int = 20_000_000
    timeouts: Timeouts = Timeouts()
    retry: RetryPolicy = RetryPolicy()
    policy: UrlPolicy = UrlPolicy()
    user_agent: str = "paperflops/0.1"


@dataclass(frozen=True, slots=True)
class DownloadSettings:
    """How PDFs are downloaded into the content-addressed store."""

    max_bytes: int = 50_000_000
    per_host_concurrency: int = 2
    chunk_bytes: int = 65536
    user_agent: str = "paperflops/0.1"
    timeouts: Timeouts = Timeouts()
    retry: RetryPolicy = RetryPolicy(4, 3.0, 2.0, 60.0, 300.0)
    policy: UrlPolicy = UrlPolicy()


@dataclass(frozen=True, slots=True)
class LeaderboardSettings:
    """Leaderboard inputs (paths or URLs) and the decompression cap."""

    paths: tuple[str, ...] = ()
    max_bytes: int = 512_000_000
    synonyms: str | None = None


@dataclass(frozen=True, slots=True)
class SourcesConfig:
    """Everything the discovery and fetch steps need."""

    arxiv: ArxivSettings
    queries: tuple[ArxivQuery, ...]
    downloads: DownloadSettings
    leaderboards: LeaderboardSettings
    policy: UrlPolicy

    def query(self, name: str) -> ArxivQuery:
        """The configured query called ``name``."""
        for query in self.queries:
            if query.name == name:
                return query
        raise KeyError(f"no arXiv query named {name!r} (have {[q.name for q in self.queries]})")


def default_config_path() -> Path:
    """The packaged ``flows/sources.toml``."""
    return Path(__file__).resolve().with_name("sources.toml")


def merge_tables(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``: nested tables merge, everything else replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_tables(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _query(raw: Mapping[str, Any]) -> ArxivQuery:
    return ArxivQuery(
        name=str(raw["name"]),
        benchmark=raw.get("benchmark"),
        terms=tuple(raw.get("terms", ())),
        categories=tuple(raw.get("categories", ())),
        date_from=_as_date(raw.get("date_from")),
        date_to=_as_date(raw.get("date_to")),
        max_results=raw.get("max_results", 200),
        sort_by=raw.get("sort_by", "lastUpdatedDate"),
        sort_order=raw.get("sort_order", "ascending"),
        raw=raw.get("raw") or None,
    )


def _policy(raw: Mapping[str, Any]) -> UrlPolicy:
    return UrlPolicy(
        allowed_hosts=tuple(raw.get("allowed_hosts", ())),
        private_hosts=tuple(raw.get("allow_private_hosts", ())),
        max_redirects=int(raw.get("max_redirects", 5)),
    )


def _build(data: Mapping[str, Any], api_url: str | None) -> SourcesConfig:
    policy = _policy(data.get("security", {}))
    arx = dict(data.get("arxiv", {}))
    if api_url:
        arx["api_url"] = api_url
        policy = policy.with_host(url_host(api_url), private=True)
    dl = data.get("downloads", {})
    lb = data.get("leaderboards", {})
    return SourcesConfig(
        arxiv=_arxiv_settings(arx, policy, dl.get("user_agent", "paperflops/0.1")),
        queries=tuple(_query(q) for q in arx.get("queries", ())),
        downloads=_download_settings(dl, policy),
        leaderboards=LeaderboardSettings(
            tuple(lb.get("paths", ())),
            int(lb.get("max_bytes", 512_000_000)),
            lb.get("synonyms") or None,
        ),
        policy=policy,
    )


def _arxiv_settings(raw: Mapping[str, Any], policy: UrlPolicy, agent: str) -> ArxivSettings:
    return ArxivSettings(
        api_url=raw.get("api_url", ArxivSettings.api_url),
        delay_seconds=float(raw.get("delay_seconds", 3.0)),
        page_size=int(raw.get("page_size", 100)),
        feed_max_bytes=int(raw.get("feed_max_bytes", 20_000_000)),
        timeouts=Timeouts(**raw.get("timeouts", {})),
        retry=RetryPolicy(**raw.get("retry", {})),
        policy=policy,
        user_agent=agent,
    )


def _download_settings(raw: Mapping[str, Any], policy: UrlPolicy) -> DownloadSettings:
    return DownloadSettings(
        max_bytes=int(raw.get("max_bytes", 50_000_000)),
        per_host_concurrency=int(raw.get("per_host_concurrency", 2)),
        chunk_bytes=int(raw.get("chunk_bytes", 65536)),
        user_agent=raw.get("user_agent", "paperflops/0.1"),
        timeouts=Timeouts(**raw.get("timeouts", {})),
        retry=RetryPolicy(**raw["retry"]) if raw.get("retry") else DownloadSettings().retry,
        policy=policy,
    )


def load_sources_config(
    user_file: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> SourcesConfig:
    """The effective settings: defaults < user file (or $PAPERFLOPS_SOURCES_CONFIG) < overrides.

    ``env`` defaults to ``os.environ``; ``overrides`` is a dict shaped like the TOML (handy
    in tests: ``{"arxiv": {"delay_seconds": 0.05}}``).
    """
    env = os.environ if env is None else env
    data = _read_toml(default_config_path())
    user = user_file or env.get(ENV_CONFIG)
    if user:
        data = merge_tables(data, _read_toml(Path(user)))
    if overrides:
        data = merge_tables(data, overrides)
    return _build(data, env.get(ENV_API_URL) or None)


def with_pacing(config: SourcesConfig, delay_seconds: float) -> SourcesConfig:
    """A copy of ``config`` whose arXiv client waits ``delay_seconds`` between calls."""
    return replace(config, arxiv=replace(config.arxiv, delay_seconds=delay_seconds))
