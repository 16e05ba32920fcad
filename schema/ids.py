"""The only place ids are built."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

_NEW_STYLE = re.compile(r"^(\d{4}\.\d{4,5})(?:v(\d+))?$")
_OLD_STYLE = re.compile(r"^([a-z\-]+(?:\.[A-Z]{2})?)[_/](\d{7})(?:v(\d+))?$")


def split_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """'1512.03385v2' -> ('1512.03385', 2); old style 'cs_0601001' -> ('cs/0601001', None)."""
    match = _NEW_STYLE.match(text)
    if match:
        return match.group(1), int(match.group(2)) if match.group(2) else None
    match = _OLD_STYLE.match(text)
    if match:
        return f"{match.group(1)}/{match.group(2)}", int(match.group(3)) if match.group(3) else None
    return None


def paper_id_from_path(path: Path) -> tuple[str, int | None]:
    """A paper id from a file name: the arXiv id without version, else the file stem."""
    parsed = split_arxiv_id(path.stem)
    return parsed if parsed else (path.stem, None)


def sha256_file(path: Path) -> str:
    """A file's content id (papers, cached pages and snapshot files are keyed by it)."""
    with Path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def table_locator(page: int, label: str, row: int, col: int) -> str:
    """Locator of a table cell, e.g. 'table/p7-3/r4c2' (axcell-style cell id)."""
    return f"table/p{page}-{label}/r{row}c{col}"


_TABLE_LOCATOR = re.compile(r"table/p(\d+)-(.+)/r(\d+)c(\d+)$")


def parse_table_locator(locator: str | None) -> tuple[int, str, int, int] | None:
    """(page, label, row, col) of a ``table_locator``; None for any other locator."""
    match = _TABLE_LOCATOR.match(locator or "")
    if match is None:
        return None
    return int(match.group(1)), match.group(2), int(match.group(3)), int(match.group(4))


def leaderboard_locator(source: str, row_key: str) -> str:
    return f"leaderboard/{source}/{row_key}"


def model_key(model: str | None) -> str:
    """A model name as a curation identity holds it: NFKC, lower case, one space between
    words, no surrounding punctuation ('ResNet-50 ', 'resnet-50,' -> 'resnet-50')."""
    text = unicodedata.normalize("NFKC", model or "").lower()
    return re.sub(r"\s+", " ", text).strip(" \t,;:.()[]*\u2020\u2021")


def field_identity(
    paper_id: str, kind: str, model: str | None, key: str
) -> tuple[str, str, str, str]:
    """The identity a curation is keyed on: (paper, kind, normalised model, field key)."""
    return paper_id, kind, model_key(model), key
