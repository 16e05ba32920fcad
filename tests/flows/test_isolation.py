"""flows.isolation: per-paper timeout, memory cap and page cap in reusable worker processes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flows.isolation import IsolatedRunner, Limits, run_isolated
from flows.worker import PaperRef, process_paper
from schema import quantities as q
from tests.robustness import make_bad_pdfs as bad


def _ref(path: Path) -> PaperRef:
    return PaperRef(
        paper_id=path.stem, path=str(path), sha256="0" * 64, n_bytes=path.stat().st_size
    )


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    return path


def test_limits_from_env() -> None:
    assert Limits.from_env({}) == Limits(120.0, 400, 1500)
    env = {
        "PAPERFLOPS_TIMEOUT_S": "7.5",
        "PAPERFLOPS_MAX_PAGES": "50",
        "PAPERFLOPS_MAX_MEMORY_MB": "0",
    }
    assert Limits.from_env(env) == Limits(7.5, 50, 0)
    assert Limits.from_env(env, max_pages=3).max_pages == 3
    with pytest.raises(ValueError, match="PAPERFLOPS_MAX_PAGES"):
        Limits.from_env({"PAPERFLOPS_MAX_PAGES": "many"})
    with pytest.raises(ValueError):
        Limits(max_pages=0)


def test_isolated_outcome_equals_in_process(tmp_path: Path) -> None:
    path = _write(tmp_path, "good", bad.paper_like())
    with IsolatedRunner(Limits(timeout_s=60, max_memory_mb=1500)) as runner:
        isolated = runner.run(_ref(path))
    direct = process_paper(_ref(path))
    assert isolated.status == direct.status == q.STATUS_OK
    assert isolated.n_pages == direct.n_pages == 2
    assert len(isolated.extraction.training) == len(direct.extraction.training) >= 1


def test_spinning_pdf_times_out_and_the_next_paper_still_works(tmp_path: Path) -> None:
    spin = _write(tmp_path, "spin", bad.glyph_bomb())
    good = _write(tmp_path, "good", bad.paper_like())
    with IsolatedRunner(Limits(timeout_s=2, max_memory_mb=0)) as runner:
        runner.run(_ref(good))  # worker started and warm
        started = time.perf_counter()
        outcome = runner.run(_ref(spin))
        elapsed = time.perf_counter() - started
        after = runner.run(_ref(good))
    assert outcome.status == q.STATUS_TIMEOUT
    assert "longer than 2 s" in outcome.message and "PAPERFLOPS_TIMEOUT_S" in outcome.message
    assert elapsed < 10
    assert after.status == q.STATUS_OK


def test_decompression_bomb_hits_the_memory_cap(tmp_path: Path) -> None:
    bomb = _write(tmp_path, "bomb", bad.inflate_bomb(1024))
    good = _write(tmp_path, "good", bad.paper_like())
    with IsolatedRunner(Limits(timeout_s=60, max_memory_mb=600)) as runner:
        outcome = runner.run(_ref(bomb))
        after = runner.run(_ref(good))
    assert outcome.status == q.STATUS_TOO_LARGE
    assert "memory cap of 600 MB" in outcome.message
    assert after.status == q.STATUS_OK


def test_glyph_bomb_under_a_memory_cap_is_too_large(tmp_path: Path) -> None:
    bomb = _write(tmp_path, "glyphs", bad.glyph_bomb())
    with IsolatedRunner(Limits(timeout_s=60, max_memory_mb=600)) as runner:
        outcome = runner.run(_ref(bomb))
    assert outcome.status in (q.STATUS_TOO_LARGE, q.STATUS_TIMEOUT)
    assert outcome.message


def test_page_cap(tmp_path: Path) -> None:
    path = _write(tmp_path, "long", bad.many_pages(60))
    with IsolatedRunner(Limits(timeout_s=60, max_pages=50)) as runner:
        capped = runner.run(_ref(path))
        uncapped = runner.run(_ref(path), Limits(timeout_s=60, max_pages=100))
    assert capped.status == q.STATUS_TOO_LARGE
    assert capped.message == "60 pages exceeds the cap of 50"
    assert uncapped.status in (q.STATUS_OK, q.STATUS_NO_CANDIDATES)
    assert uncapped.n_pages == 60


def test_missing_file_and_shared_runner(tmp_path: Path) -> None:
    ref = PaperRef(paper_id="gone", path=str(tmp_path / "gone.pdf"), sha256="0" * 64, n_bytes=0)
    outcome = run_isolated(ref, Limits(timeout_s=30))
    assert outcome.status == q.STATUS_NO_PDF
    assert outcome.ref.paper_id == "gone"
