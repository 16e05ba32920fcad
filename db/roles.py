"""Least-privilege PostgreSQL roles (see docs/security.md).

Three group roles (NOLOGIN; people and services log in as their own users and are granted one):

- ``<prefix>_refresh``: the scheduled refresh. Reads everything; inserts, updates and deletes
  the extraction tables (papers, documents, evidence, values, statuses, runs, compute
  estimates, watermarks). Cannot write curations.
- ``<prefix>_analyst``: SELECT on every table and view of the schema; nothing else.
- ``<prefix>_curator``: SELECT on every table and view, INSERT on ``curations`` only
  (curations are append-only: no UPDATE or DELETE, not even of its own rows).

No role may create objects: migrations are run by the schema owner (the account that runs
``paperflops db-roles``), so ``alembic_version`` is readable by all and writable by none of
the three. Grants are per existing object: run ``paperflops db-roles`` again after a
migration adds a table or view (it is idempotent).

Nothing here runs at import time; ``role_statements`` only builds SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine, text

DEFAULT_PREFIX = "paperflops"
# Tables a curator may only read and the refresh may only read.
CURATION_TABLES = ("curations",)
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")


@dataclass(frozen=True, slots=True)
class RoleNames:
    refresh: str
    analyst: str
    curator: str

    def all(self) -> tuple[str, str, str]:
        return self.refresh, self.analyst, self.curator


def role_names(prefix: str = DEFAULT_PREFIX) -> RoleNames:
    if not _NAME.match(prefix):
        raise ValueError(f"role prefix {prefix!r} must match {_NAME.pattern}")
    return RoleNames(f"{prefix}_refresh", f"{prefix}_analyst", f"{prefix}_curator")


def _ident(name: str) -> str:
    if not _NAME.match(name) and not re.match(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$", name):
        raise ValueError(f"unsafe SQL identifier {name!r}")
    return f'"{name}"'


def role_statements(
    schema: str,
    tables: list[str],
    views: list[str],
    prefix: str = DEFAULT_PREFIX,
    curation_sequence: str | None = None,
) -> list[str]:
    """The SQL that (re)creates the roles and their grants on ``schema``'s objects."""
    names = role_names(prefix)
    s = _ident(schema)
    statements = []
    for role in names.all():
        statements.append(
            "DO $$ BEGIN "
            f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN "
            f"CREATE ROLE {_ident(role)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; "
            "END IF; END $$"
        )
        statements.append(f"REVOKE ALL ON SCHEMA {s} FROM {_ident(role)}")
        statements.append(f"GRANT USAGE ON SCHEMA {s} TO {_ident(role)}")
        statements.append(f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {_ident(role)}")
        statements.append(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {_ident(role)}")
    readable = [f"{s}.{_ident(t)}" for t in [*tables, *views]]
    if readable:
        for role in names.all():
            statements.append(f"GRANT SELECT ON {', '.join(readable)} TO {_ident(role)}")
    writable = [t for t in tables if t not in CURATION_TABLES and t != "alembic_version"]
    if writable:
        targets = ", ".join(f"{s}.{_ident(t)}" for t in writable)
        statements.append(f"GRANT INSERT, UPDATE, DELETE ON {targets} TO {_ident(names.refresh)}")
    statements.append(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {_ident(names.refresh)}")
    for table in CURATION_TABLES:
        if table in tables:
            statements.append(f"GRANT INSERT ON {s}.{_ident(table)} TO {_ident(names.curator)}")
    if curation_sequence:  # the curator's INSERT draws ids from it
        statements.append(f"GRANT USAGE ON SEQUENCE {curation_sequence} TO {_ident(names.curator)}")
    return statements


def drop_statements(schema: str, prefix: str = DEFAULT_PREFIX) -> list[str]:
    """SQL that removes the roles' grants in this database and then the roles."""
    statements = []
    for role in role_names(prefix).all():
        statements.append(
            "DO $$ BEGIN "
            f"IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN "
            f"EXECUTE 'DROP OWNED BY {_ident(role)}'; EXECUTE 'DROP ROLE {_ident(role)}'; "
            "END IF; END $$"
        )
    return statements


def schema_objects(engine: Engine, schema: str | None = None) -> tuple[str, list[str], list[str]]:
    """The schema (default: the connection's current schema), its tables and its views."""
    with engine.connect() as conn:
        schema = schema or conn.execute(text("SELECT current_schema()")).scalar_one()
        tables = list(conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"),
            {"s": schema},
        ).scalars())  # fmt: skip
        views = list(conn.execute(
            text("SELECT viewname FROM pg_views WHERE schemaname = :s ORDER BY viewname"),
            {"s": schema},
        ).scalars())  # fmt: skip
    return schema, tables, views


def _curation_sequence(engine: Engine, schema: str) -> str | None:
    with engine.connect() as conn:
        name = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f'"{schema}".curations'}
        ).scalar_one()
    return name


def create_roles(
    engine: Engine, prefix: str = DEFAULT_PREFIX, schema: str | None = None
) -> list[str]:
    """Create or refresh the three roles and their grants; returns the statements run."""
    if engine.dialect.name != "postgresql":
        raise ValueError("database roles are a PostgreSQL feature (SQLite: use file permissions)")
    schema, tables, views = schema_objects(engine, schema)
    if "curations" not in tables:
        raise ValueError(f"schema {schema!r} has no paperflops tables: run a migration first")
    statements = role_statements(schema, tables, views, prefix, _curation_sequence(engine, schema))
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    return statements


def drop_roles(engine: Engine, prefix: str = DEFAULT_PREFIX, schema: str | None = None) -> None:
    if engine.dialect.name != "postgresql":
        raise ValueError("database roles are a PostgreSQL feature")
    with engine.begin() as conn:
        schema = schema or conn.execute(text("SELECT current_schema()")).scalar_one()
        for statement in drop_statements(schema, prefix):
            conn.exec_driver_sql(statement)
