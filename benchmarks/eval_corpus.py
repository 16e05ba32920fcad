"""Extraction quality on a PDF folder, in-process: extract, store, score, in about a minute.

    .venv/bin/python benchmarks/eval_corpus.py [--pdf-dir DIR] [--gold FILE] [--workers N]
        [--json OUT] [--misses FIELD ...] [--fps FIELD ...] [--only ID ...]

The same extraction and scoring as ``paperflops refresh`` + ``paperflops eval`` without Prefect:
``flows.worker.process_paper`` over every PDF (a process pool), each outcome stored into a
throw-away SQLite database exactly as the flow stores it, then ``extract.evaluate`` on
``db.queries.extracted_for_eval``. Defaults: ``../shared/corpus/pdf`` and
``../shared/corpus/gold/dev.jsonl`` beside the repository. ``--misses results`` prints the
gold rows not found for that field and ``--fps hardware`` the extracted rows that matched
nothing; ``--only`` restricts the run to some paper ids (scores then cover those only).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from db.engine import make_engine, migrate, session_scope  # noqa: E402
from db.queries import extracted_for_eval  # noqa: E402
from extract import evaluate as ev  # noqa: E402
from extract.version import extractor_key  # noqa: E402
from flows.pipeline import pdf_dir_refs, store_outcome  # noqa: E402
from flows.worker import process_paper  # noqa: E402

SHARED = REPO.parent / "shared" / "corpus"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pdf-dir", default=str(SHARED / "pdf"))
    parser.add_argument("--gold", default=str(SHARED / "gold" / "dev.jsonl"))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", help="write the full report (with misses) here")
    parser.add_argument("--misses", nargs="*", default=[], help="fields whose misses to print")
    parser.add_argument("--fps", nargs="*", default=[], help="fields whose unmatched rows to print")
    parser.add_argument("--only", nargs="*", default=[], help="paper ids to run")
    args = parser.parse_args(argv)

    refs = [r for r in pdf_dir_refs(args.pdf_dir) if not args.only or r.paper_id in args.only]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/eval.sqlite")
        migrate(engine)
        key = extractor_key()
        with ProcessPoolExecutor(max_workers=max(1, args.workers)) as pool:
            for outcome in pool.map(process_paper, refs):
                if outcome.status not in ("ok", "no_candidates"):
                    print(f"{outcome.ref.paper_id}: {outcome.status} {outcome.message}")
                store_outcome(engine, outcome, run_id="eval", key=key)
        with session_scope(engine) as session:
            extracted = extracted_for_eval(session)
        engine.dispose()
    gold = ev.load_gold(args.gold)
    if args.only:
        gold = {k: v for k, v in gold.items() if k in args.only}
    report = ev.evaluate(gold, extracted)
    data = ev.report_to_dict(report)
    print(f"{len(refs)} papers in {time.perf_counter() - started:.1f} s")
    for name, score in data["fields"].items():
        print(f"{name:13s} P {score['precision']}  R {score['recall']}  found "
              f"{score['found']}/{score['gold']}  matched {score['matched']}/{score['extracted']}")
    for name in args.misses:
        for miss in data["fields"][name]["misses"]:
            print("MISS", name, json.dumps(miss, default=str)[:400])
    for name in args.fps:
        for row in data["fields"][name].get("false_positives", []):
            print("FP", name, json.dumps(row, default=str)[:400])
    if args.json:
        Path(args.json).write_text(ev.report_to_json(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
