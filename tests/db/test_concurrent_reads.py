"""A refresh writing a paper does not block analysts' reads (SQLite WAL, PostgreSQL MVCC).

The writer holds an open transaction that has inserted and updated rows, as ``db.store`` does
for one paper; a reader on another connection (another engine, as another process would have)
must answer at once, from the last committed state.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine, func, select, text

from db import store
from db.engine import make_engine, session_scope
from schema.tables import Paper

READ_DEADLINE_S = 5.0  # far below SQLite's 30 s busy timeout: a blocked read would show


def _count_in_thread(
    db_url: str, pending_title: str | None = None
) -> tuple[int | None, float, BaseException | None]:
    """Count papers from a fresh engine in another thread; (count, seconds, error).

    No title read may be ``pending_title`` (the writer's uncommitted value).
    """
    result: dict[str, object] = {}

    def read() -> None:
        reader = make_engine(db_url)
        started = time.perf_counter()
        try:
            with reader.connect() as conn:
                result["count"] = conn.execute(select(func.count()).select_from(Paper)).scalar()
                titles = conn.execute(select(Paper.title)).scalars().all()
                if pending_title is not None and pending_title in titles:
                    raise AssertionError("the reader saw an uncommitted write")
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            result["error"] = exc
        finally:
            result["seconds"] = time.perf_counter() - started
            reader.dispose()

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(READ_DEADLINE_S)
    if thread.is_alive():
        return None, READ_DEADLINE_S, TimeoutError("read blocked by the open write transaction")
    return result.get("count"), result["seconds"], result.get("error")  # type: ignore[return-value]


def test_reads_are_not_blocked_by_an_open_write_transaction(engine: Engine, db_url: str) -> None:
    with session_scope(engine) as session:
        store.upsert_paper(session, "1512.03385", title="committed title", year=2015)
    with engine.connect() as writer:
        tx = writer.begin()
        writer.execute(
            text("UPDATE papers SET title = 'uncommitted' WHERE paper_id = '1512.03385'")
        )
        writer.execute(
            Paper.__table__.insert().values(paper_id="1409.1556", title="new paper", year=2014)
        )
        count, seconds, error = _count_in_thread(db_url, pending_title="uncommitted")
        assert error is None, error
        assert count == 1  # the committed state only
        assert seconds < READ_DEADLINE_S
        tx.commit()
    count, _, error = _count_in_thread(db_url)
    assert error is None and count == 2


def test_reads_during_a_store_session(engine: Engine, db_url: str) -> None:
    """The same through the ORM: a session that has flushed a paper but not committed."""
    with session_scope(engine) as session:
        store.upsert_paper(session, "1512.03385", title="committed", year=2015)
        session.flush()
        store.upsert_paper(session, "1409.1556", title="pending", year=2014)
        session.flush()
        count, seconds, error = _count_in_thread(db_url, pending_title="pending")
        assert error is None, error
        assert count == 0 and seconds < READ_DEADLINE_S
    count, _, error = _count_in_thread(db_url)
    assert error is None and count == 2
