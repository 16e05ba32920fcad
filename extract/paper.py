"""One paper, end to end and pure: PDF bytes -> PaperDoc -> Extraction.

This is what a worker process runs; it touches neither the database nor Prefect.
"""

from __future__ import annotations

from collections import Counter

from extract.benchmarks import benchmark_mentions
from extract.context import CITATION, OWN_WORK, is_own_model, own_model_names
from extract.pdf import parse_pdf
from extract.plausibility import flag_implausible
from extract.sections import inside, merge, reference_ranges, table_ranges
from extract.table_rules import extract_from_table
from extract.tables import find_tables
from extract.text_rules import extract_from_text
from extract.training import consolidate_runs
from extract.version import EXTRACTOR_VERSION, extractor_key  # noqa: F401 - re-exported
from schema.ids import parse_table_locator
from schema.records import (
    Extraction,
    PaperDoc,
    ResultCandidate,
    SizeCandidate,
    Table,
    TrainingCandidate,
)


def _dedupe_results(results: list[ResultCandidate]) -> list[ResultCandidate]:
    seen, out = set(), []
    for r in results:
        key = (r.benchmark, r.metric, r.value, (r.model or "").lower())
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _dedupe_sizes(sizes: list[SizeCandidate]) -> list[SizeCandidate]:
    seen, out = set(), []
    for s in sizes:
        key = (s.quantity, round(s.value, 3), (s.model or "").lower())
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def extract_doc(doc: PaperDoc) -> Extraction:
    """Every candidate value a parsed paper states, with evidence."""
    paper_counts: Counter = Counter()
    page_counts = {}
    for page in doc.pages:
        page_counts[page.number] = benchmark_mentions(page.text)
        paper_counts.update(page_counts[page.number])
    extraction = Extraction()
    refs = reference_ranges(doc.pages)
    for page in doc.pages:
        page_tables = [t for t in find_tables(page) if not inside(refs, page.number, *_span(t))]
        doc.tables.extend(page_tables)
        for table in page_tables:
            results, sizes, runs = extract_from_table(table, page_counts[page.number], paper_counts)
            extraction.results.extend(results)
            extraction.sizes.extend(sizes)
            extraction.training.extend(runs)
    skip = merge(refs, table_ranges(doc.tables))
    training, text_sizes, text_results = extract_from_text(doc.pages, doc.year, skip)
    extraction.results.extend(text_results)
    own = own_model_names(doc.title, doc.pages[0].text if doc.pages else "")
    _weigh_table_runs(extraction.training, doc.tables, own)
    _weigh_results(extraction.results, own)
    extraction.training = consolidate_runs(training + extraction.training)
    extraction.sizes.extend(text_sizes)
    extraction.results = _dedupe_results(extraction.results)
    extraction.sizes = _dedupe_sizes(extraction.sizes)
    flag_implausible(extraction, doc.year)
    return extraction


# A table row or prose result of the paper's own model, and one of a cited baseline.
OWN_CONFIDENCE, OTHER_CONFIDENCE = 0.6, 0.4


def _weigh_results(results: list[ResultCandidate], own: set[str]) -> None:
    """Results tables list baselines beside the paper's own models: the own rows ("ours", or
    named like the model the title and abstract introduce, ``own``) rank above the cited ones."""
    for result in results:
        mine = is_own_model(result.model, own) or (
            result.source == "text" and bool(OWN_WORK.search(result.evidence.snippet))
        )
        result.confidence = OWN_CONFIDENCE if mine else OTHER_CONFIDENCE


def _weigh_table_runs(runs: list[TrainingCandidate], tables: list[Table], own: set[str]) -> None:
    """Training-time columns list baselines too: only the paper's own rows keep confidence.
    A row is the paper's own when it cites nothing and is named like the paper's model, or
    sits bare in a table whose other rows cite theirs (papers cite baselines, not themselves)."""
    labels = _row_labels(tables)
    citing_tables = {
        (page, label) for (page, label, _), text in labels.items() if CITATION.search(text)
    }
    for run in runs:
        cell = parse_table_locator(run.evidence.locator)
        row = cell[:3] if cell else None
        if CITATION.search(labels.get(row, "") if row else ""):
            mine = False
        else:
            mine = is_own_model(run.model, own) or (row is not None and row[:2] in citing_tables)
        run.confidence = OWN_CONFIDENCE if mine else OTHER_CONFIDENCE


def _row_labels(tables: list[Table]) -> dict[tuple[int, str, int], str]:
    """The first non-empty cell of every table row (where a row names its model)."""
    return {(t.page, t.label, r): next((c for c in row if c), "")
            for t in tables for r, row in enumerate(t.rows)}  # fmt: skip


def _span(table: Table) -> tuple[int, int]:
    return table.char_start or 0, table.char_end or 0


def extract_pdf_bytes(data: bytes, paper_id: str, year: int | None = None) -> tuple[PaperDoc, Extraction]:
    """Parse and extract one PDF (raises extract.errors.PaperError for unusable input)."""
    doc = parse_pdf(data, paper_id)
    doc.year = year
    return doc, extract_doc(doc)
