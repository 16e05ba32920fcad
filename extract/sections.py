"""Regions of a paper that text rules must not read: the bibliography and table bodies.

A reference list is full of "Training ImageNet in 1 hour" titles; a table body read as prose
pairs numbers with the wrong words. Tables are read by the table rules instead.
"""

from __future__ import annotations

import re

from schema.records import Page, Table

REFERENCES = re.compile(r"(?m)^\s*(?:\d+\.?\s*)?(References|REFERENCES|Bibliography|BIBLIOGRAPHY)\s*$")
APPENDIX = re.compile(
    r"(?m)^\s*(?:Appendix\b.{0,80}|APPENDIX\b.{0,80}|Supplementary\b.{0,80}"
    r"|[A-H](?:\.\d+)?\.?\s+[A-Z][A-Za-z][A-Za-z ,:\-]{2,70})\s*$"
)

Ranges = dict[int, list[tuple[int, int]]]


def reference_ranges(pages: list[Page]) -> Ranges:
    """Character ranges, per page number, from the References heading to the next appendix."""
    ranges: Ranges = {}
    inside = False
    for page in pages:
        pos = 0
        while pos <= len(page.text):
            if not inside:
                match = REFERENCES.search(page.text, pos)
                if not match:
                    break
                inside, start = True, match.start()
                pos = match.end()
            else:
                start = pos
            end_match = APPENDIX.search(page.text, pos)
            if end_match:
                ranges.setdefault(page.number, []).append((start, end_match.start()))
                inside, pos = False, end_match.end()
            else:
                ranges.setdefault(page.number, []).append((start, len(page.text)))
                break
    return ranges


def table_ranges(tables: list[Table]) -> Ranges:
    ranges: Ranges = {}
    for table in tables:
        ranges.setdefault(table.page, []).extend(table.line_spans)
    return ranges


def merge(*parts: Ranges) -> Ranges:
    out: Ranges = {}
    for part in parts:
        for page, spans in part.items():
            out.setdefault(page, []).extend(spans)
    return out


def inside(ranges: Ranges, page: int, start: int, end: int) -> bool:
    """True when [start, end) lies mostly inside one of the page's ranges."""
    for lo, hi in ranges.get(page, ()):
        overlap = min(end, hi) - max(start, lo)
        if overlap > 0 and overlap >= 0.5 * (end - start):
            return True
    return False


def blank(text: str, spans: "list[tuple[int, int]] | tuple[()]") -> str:
    """``text`` with the given spans replaced by spaces (same length, offsets unchanged)."""
    if not spans:
        return text
    chars = list(text)
    for lo, hi in spans:
        chars[lo:hi] = " " * (min(hi, len(chars)) - lo)
    return "".join(chars)
