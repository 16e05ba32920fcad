"""A full disk while storing a PDF: a clear DiskFullError, no partial or corrupt file left.

On a real 1 MB tmpfs when the test may mount one (root, Linux); the same checks with ENOSPC
simulated at the write otherwise (and always, for the local-file path).
"""

from __future__ import annotations

import errno
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from extract.sources.errors import DiskFullError
from flows import fetching
from flows.config import SourcesConfig
from flows.fetching import PdfStore
from tests.fakes.http_server import FakeArxivServer

BIG = "1512.03385"  # a corpus PDF well over 1 MB


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "index.sqlite")


def _assert_clean(store: PdfStore) -> None:
    assert not list(store.partial_dir.iterdir()), "partial file left behind"
    assert not list(store.root.glob("*/*.pdf")), "a PDF was committed"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs mounted under tmp_path (skipped when mounting is not allowed)."""
    mount = tmp_path / f"tiny-{uuid.uuid4().hex[:8]}"
    mount.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_real_full_disk_while_downloading(
    tiny_disk: Path, fake_arxiv: FakeArxivServer, config: SourcesConfig
) -> None:
    store = PdfStore(tiny_disk / "pdfs", config.downloads)
    assert fake_arxiv.by_id[BIG].path.stat().st_size > 1 << 20
    with pytest.raises(DiskFullError, match="disk full while storing .*partial file removed"):
        store.fetch(fake_arxiv.pdf_url(BIG))
    _assert_clean(store)
    assert store.lookup(BIG) is None
    small = min(fake_arxiv.papers, key=lambda p: p.path.stat().st_size)
    assert small.path.stat().st_size < 600_000
    got = store.fetch(fake_arxiv.pdf_url(small.arxiv_id))  # the space was given back
    assert got.path.read_bytes() == small.path.read_bytes()


def test_real_full_disk_while_adding_a_local_file(tiny_disk: Path, corpus_dir: Path) -> None:
    store = PdfStore(tiny_disk / "pdfs")
    with pytest.raises(DiskFullError, match="No space left on device"):
        store.add_file(corpus_dir / "pdf" / f"{BIG}.pdf", paper_id=BIG)
    _assert_clean(store)


def test_simulated_enospc_while_adding_a_local_file(
    tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = PdfStore(tmp_path / "pdfs")

    def copy_then_fill(src, dst, max_bytes, name):  # type: ignore[no-untyped-def]
        dst.write(src.read(100_000))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fetching, "_copy_checked", copy_then_fill)
    with pytest.raises(DiskFullError) as caught:
        store.add_file(corpus_dir / "pdf" / f"{BIG}.pdf", paper_id=BIG)
    assert "No space left on device" in str(caught.value)
    assert caught.value.status == "error"
    _assert_clean(store)
    assert store.lookup(BIG) is None


def test_other_os_errors_are_not_disguised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corpus_dir: Path
) -> None:
    store = PdfStore(tmp_path / "pdfs")

    def denied(*_args):  # type: ignore[no-untyped-def]
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(fetching, "_copy_checked", denied)
    with pytest.raises(PermissionError):
        store.add_file(corpus_dir / "pdf" / f"{BIG}.pdf")
