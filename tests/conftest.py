"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL, and ../shared.

PostgreSQL: ``PAPERFLOPS_TEST_PG_URL`` (default the local server's ``test`` database). Each test
gets its own schema (``search_path`` set through the libpq ``options`` connect parameter in the
URL, so any engine built from ``db_url`` lands in it), dropped afterwards. When the server cannot
be reached the PostgreSQL variants are skipped, unless ``PAPERFLOPS_REQUIRE_PG=1``: then they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from db.engine import make_engine, migrate

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REPO_ROOT = Path(__file__).resolve().parents[1]


def pg_base_url() -> str:
    url = os.environ.get("PAPERFLOPS_TEST_PG_URL", DEFAULT_PG_URL)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _libpq_kwargs(url: str) -> dict[str, object]:
    parsed = make_url(url)
    kwargs: dict[str, object] = {
        "host": parsed.host or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "dbname": parsed.database or "postgres",
        "connect_timeout": 3,
    }
    if parsed.password:
        kwargs["password"] = parsed.password
    return kwargs


@cache
def pg_unavailable_reason() -> str | None:
    """None when the test server answers, else why not (checked once per session)."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        return f"psycopg not importable: {exc}"
    url = pg_base_url()
    try:
        with psycopg.connect(**_libpq_kwargs(url)) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "cannot test on PostgreSQL"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL test server unreachable at {make_url(url).render_as_string()}: {first}"
    return None


def _pg_schema_url(schema: str) -> str:
    parsed = make_url(pg_base_url())
    return parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL: an SQLite file under tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'paperflops-test.sqlite'}"
        return
    reason = pg_unavailable_reason()
    if reason is not None:
        if os.environ.get("PAPERFLOPS_REQUIRE_PG") == "1":
            pytest.fail(f"{reason} (PAPERFLOPS_REQUIRE_PG=1)")
        pytest.skip(reason)
    import psycopg

    schema = f"pftest_{uuid.uuid4().hex[:16]}"
    kwargs = _libpq_kwargs(pg_base_url())
    with psycopg.connect(**kwargs, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _pg_schema_url(schema)
    finally:
        with psycopg.connect(**kwargs, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated engine on ``db_url``, disposed afterwards."""
    eng = make_engine(db_url)
    migrate(eng)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ``shared`` folder beside the repository (corpus, gold labels, reference data)."""
    path = REPO_ROOT.parent / "shared"
    if not path.is_dir():
        pytest.skip(f"no shared folder beside the repository ({path.name}/ next to the checkout)")
    return path


@pytest.fixture(autouse=True, scope="session")
def _private_parse_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never share the parse cache with a developer's ./data/cache (nor leave one)."""
    previous = os.environ.get("PAPERFLOPS_CACHE_DIR")
    os.environ["PAPERFLOPS_CACHE_DIR"] = str(tmp_path_factory.mktemp("parse-cache"))
    yield
    if previous is None:
        os.environ.pop("PAPERFLOPS_CACHE_DIR", None)
    else:
        os.environ["PAPERFLOPS_CACHE_DIR"] = previous
