"""Engines, sessions and migrations. Nothing connects at import time."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DB_FILE = "paperflops.sqlite"
ENV_DB_URL = "PAPERFLOPS_DB_URL"
ENV_DB_URL_FILE = "PAPERFLOPS_DB_URL_FILE"  # a secrets file holding the URL
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseUnavailableError(RuntimeError):
    """The database could not be reached or opened."""


def resolve_url(url: str | None = None) -> str:
    """The database URL: the argument, else $PAPERFLOPS_DB_URL, else the first line of the file
    named by $PAPERFLOPS_DB_URL_FILE (a secrets file), else an SQLite file here.

    Credentials come only from these; a URL is never logged or printed unredacted (``redact``).
    """
    chosen = url or os.environ.get(ENV_DB_URL) or _url_from_file()
    chosen = chosen or f"sqlite:///{DEFAULT_DB_FILE}"
    if chosen.startswith("postgresql://"):
        chosen = "postgresql+psycopg://" + chosen[len("postgresql://") :]
    return chosen


def _url_from_file() -> str | None:
    name = os.environ.get(ENV_DB_URL_FILE, "").strip()
    if not name:
        return None
    try:
        lines = Path(name).expanduser().read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DatabaseUnavailableError(
            f"cannot read ${ENV_DB_URL_FILE} ({name}): {exc.strerror or exc}"
        ) from exc
    url = next((line.strip() for line in lines if line.strip()), "")
    if not url:
        raise DatabaseUnavailableError(f"${ENV_DB_URL_FILE} ({name}) holds no database URL")
    return url


def redact(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL (readers never block) and a busy timeout."""
    resolved = resolve_url(url)
    try:
        parsed = make_url(resolved)
    except ArgumentError as exc:  # the text may hold a password: not echoed
        raise DatabaseUnavailableError(
            "invalid database URL (not shown, it may hold a password); expected e.g. "
            "postgresql+psycopg://user@host:5432/db or sqlite:///file.sqlite"
        ) from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    kwargs = {"future": True}
    if parsed.get_backend_name() == "postgresql":
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {"connect_timeout": 10}
    try:
        engine = create_engine(resolved, **kwargs)
    except ArgumentError as exc:  # e.g. an unknown dialect or driver
        raise DatabaseUnavailableError(
            f"unsupported database URL scheme {parsed.drivername!r}: use postgresql+psycopg:// "
            "or sqlite:///"
        ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def check_connection(engine: Engine) -> None:
    """Raise DatabaseUnavailableError with a readable message when the database is unreachable."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailableError(
            f"cannot reach database {redact(str(engine.url))}: {reason}"
        ) from exc


def alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic (idempotent)."""
    from alembic import command

    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
