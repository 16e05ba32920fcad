"""Pipeline speed beside poppler's pdftotext, on the same PDFs, in one run.

    .venv/bin/python benchmarks/pipeline_speed.py [PDF_DIR] [--workers N] [--limit N]

PDF_DIR defaults to ../shared/corpus/pdf (relative to the repository root). The script:

1. runs ``pdftotext`` over every file (one process per file, sequential, output discarded);
   skipped with a message when poppler-utils is not installed;
2. runs ``flows.worker.process_paper`` (parse + extract, no database) over every file in this
   process (one core);
3. runs it again with N worker processes (``concurrent.futures.ProcessPoolExecutor``);

then prints pages/s of each, the ratio pipeline / pdftotext, the peak resident memory of this
process and of its children (``resource.getrusage``), and the projection to 1,000 papers
(~12,000 pages).

The parse cache (``PAPERFLOPS_CACHE_DIR``) is pointed at a fresh temporary folder, so every
paper is really parsed; ``--cached`` runs a second pass over the warm cache as well.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from flows.worker import PaperOutcome, PaperRef, process_paper  # noqa: E402
from schema.ids import paper_id_from_path  # noqa: E402

PAGES_PER_1000_PAPERS = 12_000
DEFAULT_DIR = REPO.parent / "shared" / "corpus" / "pdf"


def _refs(pdf_dir: Path, limit: int | None) -> list[PaperRef]:
    paths = sorted(p for p in pdf_dir.rglob("*.pdf") if p.is_file())[:limit]
    refs = []
    for path in paths:
        paper_id, version = paper_id_from_path(path)
        refs.append(PaperRef(paper_id=paper_id, path=str(path), sha256="",
                             n_bytes=path.stat().st_size, arxiv_version=version))  # fmt: skip
    return refs


def _pdf_pages(path: str) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


def _cpu_seconds() -> float:
    """User + system CPU time of this process and of its reaped children so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def time_pdftotext(refs: list[PaperRef]) -> tuple[float, float] | None:
    """(wall, CPU) seconds for pdftotext over every file, or None when it is not installed."""
    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    started, cpu = time.perf_counter(), _cpu_seconds()
    for ref in refs:
        subprocess.run([exe, "-q", ref.path, os.devnull], check=False)
    return time.perf_counter() - started, _cpu_seconds() - cpu


def time_pipeline(refs: list[PaperRef], workers: int) -> tuple[float, float, list[PaperOutcome]]:
    """(wall, CPU) seconds and outcomes of process_paper over every file."""
    started, cpu = time.perf_counter(), _cpu_seconds()
    if workers <= 1:
        outcomes = [process_paper(ref) for ref in refs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(process_paper, refs, chunksize=1))
    return time.perf_counter() - started, _cpu_seconds() - cpu, outcomes


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def _line(label: str, pages: int, timing: tuple[float, float], base: float | None) -> str:
    """One row: wall pages/s, ratio to pdftotext, CPU pages/s, projection to 1,000 papers."""
    seconds, cpu = timing
    rate = pages / seconds
    ratio = f"{rate / base:5.2f}x" if base else "    -"
    projected = PAGES_PER_1000_PAPERS / rate
    return (f"{label:<32} {seconds:7.1f} s {rate:7.1f} pages/s {ratio}  "
            f"{pages / max(cpu, 1e-9):7.1f} pages/CPU-s  "
            f"1,000 papers: {projected / 60:5.1f} min")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--cached", action="store_true", help="also time a warm-cache pass")
    parser.add_argument("--skip-single", action="store_true", help="skip the one-process pass")
    args = parser.parse_args(argv)
    if not args.pdf_dir.is_dir():
        print(f"no such folder: {args.pdf_dir}", file=sys.stderr)
        return 2
    os.environ["PAPERFLOPS_CACHE_DIR"] = tempfile.mkdtemp(prefix="paperflops-bench-cache-")
    refs = _refs(args.pdf_dir, args.limit)
    pages = sum(_pdf_pages(r.path) for r in refs)
    print(f"{len(refs)} PDFs, {pages} pages ({pages / max(len(refs), 1):.1f} per paper); "
          f"{os.cpu_count()} CPUs, {args.workers} workers")  # fmt: skip

    print(f"{'':<32} {'wall':>9} {'rate':>15} {'ratio':>5}  {'CPU rate':>19}  projection "
          f"(~{PAGES_PER_1000_PAPERS:,} pages)")  # fmt: skip
    base = None
    poppler = time_pdftotext(refs)
    if poppler is None:
        print("pdftotext not found (apt-get install poppler-utils): comparison skipped")
    else:
        base = pages / poppler[0]
        print(_line("pdftotext (1 process)", pages, poppler, None))

    if not args.skip_single:
        *timing, outcomes = time_pipeline(refs, 1)
        print(_line("pipeline, 1 process", pages, tuple(timing), base))
        failed = [o for o in outcomes if o.status not in ("ok", "no_candidates")]
        if failed:
            print(f"  {len(failed)} papers failed: " +
                  ", ".join(f"{o.ref.paper_id} {o.status}" for o in failed[:5]))  # fmt: skip
    os.environ["PAPERFLOPS_CACHE_DIR"] = tempfile.mkdtemp(prefix="paperflops-bench-cache-")
    *timing, _ = time_pipeline(refs, args.workers)
    print(_line(f"pipeline, {args.workers} processes", pages, tuple(timing), base))
    if args.cached:
        *timing, _ = time_pipeline(refs, args.workers)
        print(_line(f"pipeline, {args.workers} processes, warm cache", pages, tuple(timing), base))
    print("(ratio = pipeline pages/s / pdftotext pages/s, wall clock; pages/CPU-s does not "
          "depend on other load on the machine)")

    own, children = _peak_mb(resource.RUSAGE_SELF), _peak_mb(resource.RUSAGE_CHILDREN)
    print(f"peak RSS: this process {own:.0f} MB, largest child {children:.0f} MB "
          f"(upper bound for the pool: {own + args.workers * children:.0f} MB)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
