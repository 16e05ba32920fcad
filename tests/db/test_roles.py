"""Least-privilege roles on PostgreSQL: an analyst reads but cannot write; a curator adds
curations but cannot change results; the refresh writes extractions but not curations.

Roles are cluster-wide: each test run uses its own prefix and drops its roles afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from typer.testing import CliRunner

from db import roles, store
from db.engine import make_engine, session_scope
from schema.records import Evidence, Extraction, ResultCandidate
from schema.tables import Curation, Paper, Result

PG = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def _result(value: float, ev: Evidence) -> ResultCandidate:
    return ResultCandidate("imagenet", "top1_accuracy", value, str(value), ev)


def _curation(curator: str) -> dict:
    return {"paper_id": "p1", "kind": "result", "model": "", "field_key": "imagenet/top1_accuracy",
            "action": "set", "after": {"value": 77.0}, "curator": curator}  # fmt: skip


@pytest.fixture
def users(engine: Engine, db_url: str) -> Iterator[dict[str, Engine]]:
    """The three roles on the test schema, one login user in each; engines that log in as them."""
    prefix = f"pft_{uuid.uuid4().hex[:10]}"
    names = roles.role_names(prefix)
    with session_scope(engine) as session:
        store.upsert_paper(session, "p1", title="A paper")
        ev = Evidence(page=1, snippet="76.1", rule_id="t")
        store.store_extraction(
            session, paper_id="p1", sha256="a" * 64, doc_path=None, n_bytes=1, n_pages=1,
            extraction=Extraction(results=[_result(76.1, ev)]),
            extractor_key="k", extractor_version="v", run_id="r", seconds=0.1,
        )  # fmt: skip
    roles.create_roles(engine, prefix)
    logins = {kind: f"{prefix}_{kind}_user" for kind in ("refresh", "analyst", "curator")}
    with engine.begin() as conn:
        for kind, user in logins.items():
            conn.exec_driver_sql(f'CREATE ROLE "{user}" LOGIN IN ROLE "{getattr(names, kind)}"')
    engines = {kind: make_engine(make_url(db_url).set(username=user).render_as_string(False))
               for kind, user in logins.items()}  # fmt: skip
    try:
        yield engines
    finally:
        for eng in engines.values():
            eng.dispose()
        with engine.begin() as conn:
            for user in logins.values():
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{user}"')
        roles.drop_roles(engine, prefix)
        with engine.connect() as conn:
            left = conn.execute(
                text("SELECT count(*) FROM pg_roles WHERE rolname LIKE :p"), {"p": f"{prefix}%"}
            ).scalar_one()
        assert left == 0


def _denied(eng: Engine, statement) -> bool:  # type: ignore[no-untyped-def]
    try:
        with eng.begin() as conn:
            conn.execute(statement)
    except ProgrammingError as exc:
        import psycopg

        assert isinstance(exc.orig, psycopg.errors.InsufficientPrivilege), exc.orig
        return True
    return False


@PG
def test_analyst_reads_tables_and_views_but_cannot_write(users: dict[str, Engine]) -> None:
    analyst = users["analyst"]
    with analyst.connect() as conn:
        assert conn.execute(select(Result.value)).scalars().all() == [76.1]
        assert conn.execute(text("SELECT count(*) FROM best_results")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM compute_per_result")).scalar_one() == 1
    assert _denied(analyst, update(Result).values(value=99.0))
    assert _denied(analyst, Result.__table__.delete())
    assert _denied(analyst, insert(Paper).values(paper_id="p2"))
    assert _denied(analyst, insert(Curation).values(**_curation("analyst")))
    assert _denied(analyst, text("CREATE TABLE sneaky (x int)"))
    assert _denied(analyst, text("UPDATE alembic_version SET version_num = 'x'"))
    with users["analyst"].connect() as conn:
        assert conn.execute(select(Result.value)).scalars().all() == [76.1]


@PG
def test_curator_adds_curations_only(users: dict[str, Engine]) -> None:
    curator = users["curator"]
    with curator.begin() as conn:
        conn.execute(insert(Curation).values(**_curation("cora")))
    assert _denied(curator, update(Result).values(value=99.0))
    assert _denied(curator, update(Curation).values(reason="rewrite history"))
    assert _denied(curator, Curation.__table__.delete())
    assert _denied(curator, insert(Paper).values(paper_id="p3"))
    with curator.connect() as conn:
        assert conn.execute(select(Curation.curator)).scalars().all() == ["cora"]


@PG
def test_refresh_writes_extractions_but_not_curations(users: dict[str, Engine]) -> None:
    refresh = users["refresh"]
    with session_scope(refresh) as session:  # the store's whole write path
        store.upsert_paper(session, "p2", title="Another")
        ev = Evidence(page=2, snippet="80.0", rule_id="t")
        store.store_extraction(
            session, paper_id="p2", sha256="b" * 64, doc_path=None, n_bytes=1, n_pages=1,
            extraction=Extraction(results=[_result(80.0, ev)]),
            extractor_key="k", extractor_version="v", run_id="r2", seconds=0.1,
        )  # fmt: skip
        store.record_failure(session, paper_id="p3", status="not_pdf", message="html",
                             sha256=None, extractor_key="k", run_id="r2")  # fmt: skip
    assert _denied(refresh, insert(Curation).values(**_curation("bot")))
    assert _denied(refresh, text("CREATE TABLE sneaky (x int)"))
    assert _denied(refresh, text("DROP TABLE results"))


@PG
def test_cli_status_works_as_analyst_and_db_roles_prints_sql(
    users: dict[str, Engine], db_url: str
) -> None:
    from flows.cli import app

    analyst_url = users["analyst"].url.render_as_string(hide_password=False)
    answer = CliRunner().invoke(app, ["status", "--db", analyst_url])
    assert answer.exit_code == 0, answer.output
    printed = CliRunner().invoke(
        app, ["db-roles", "--print", "--prefix", "pft_print", "--db", db_url]
    )
    assert printed.exit_code == 0, printed.output
    assert "GRANT INSERT ON" in printed.output and '"pft_print_curator"' in printed.output
    assert "GRANT UPDATE" not in printed.output.replace("INSERT, UPDATE, DELETE", "")


def test_sql_for_roles_never_grants_writes_to_analysts() -> None:
    sql = roles.role_statements("public", ["papers", "results", "curations", "alembic_version"],
                                ["best_results"], "x", "public.curations_id_seq")  # fmt: skip
    analyst = [s for s in sql if '"x_analyst"' in s and s.startswith("GRANT")]
    assert all(s.startswith(("GRANT SELECT", "GRANT USAGE ON SCHEMA")) for s in analyst)
    curator_writes = [s for s in sql if '"x_curator"' in s and "INSERT" in s]
    assert curator_writes == ['GRANT INSERT ON "public"."curations" TO "x_curator"']
    with pytest.raises(ValueError):
        roles.role_names("Robert'); DROP TABLE papers;--")


def test_db_roles_on_sqlite_is_a_usage_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from flows.cli import app

    target = tmp_path / "pf.sqlite"
    answer = CliRunner().invoke(app, ["db-roles", "--db", f"sqlite:///{target}"])
    assert answer.exit_code == 2
    assert "need PostgreSQL" in answer.output
    assert not target.exists()
