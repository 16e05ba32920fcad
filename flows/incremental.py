"""What a PDF-folder refresh would do, decided without starting Prefect or loading the
extractors: which files changed since they were last extracted.

The CLI uses it for the no-change fast path (a scheduled refresh of an unchanged folder ends
in about a second); the flow uses ``scan_pdf_dir`` for its own discovery.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from db import store
from db.engine import make_engine, session_scope
from extract.rules_loader import ruleset_sha256
from extract.version import extractor_key
from schema.ids import paper_id_from_path, sha256_file


@dataclass(frozen=True, slots=True)
class PdfFile:
    path: Path
    paper_id: str
    arxiv_version: int | None
    sha256: str
    n_bytes: int


def scan_pdf_dir(pdf_dir: str | Path, limit: int | None = None) -> list[PdfFile]:
    """Every *.pdf below ``pdf_dir`` (sorted), hashed; the id comes from the file name."""
    root = Path(pdf_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"--pdf-dir {str(pdf_dir)!r} is not a folder")
    paths = sorted(p for p in root.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file())
    files = []
    for path in paths[:limit] if limit else paths:
        paper_id, version = paper_id_from_path(path)
        files.append(PdfFile(path, paper_id, version, sha256_file(path), path.stat().st_size))
    return files


def unchanged_run(pdf_dir: str | Path, db_url: str | None, limit: int | None, code_version: str) -> int | None:
    """When no file below ``pdf_dir`` needs extraction, record a finished no-op run and return
    the number of papers; else None (the caller runs the flow)."""
    files = scan_pdf_dir(pdf_dir, limit)
    key = extractor_key()
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            if any(store.needs_extraction(session, f.paper_id, f.sha256, key) for f in files):
                return None
            run_id = f"noop-{uuid.uuid4().hex}"
            options = {"sources": ["pdf-dir"], "pdf_dir": str(pdf_dir), "limit": limit,
                       "fast_path": "no file changed; no flow run started"}  # fmt: skip
            store.start_run(session, run_id, code_version, ruleset_sha256(), options)
            store.finish_run(session, run_id, {"n_papers": len(files), "n_skipped": len(files)})
    finally:
        engine.dispose()
    return len(files)
