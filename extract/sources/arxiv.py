"""arXiv discovery, the pure half: queries from config, API answers -> ``ArxivRecord``.

Nothing here touches the network; ``flows.fetching.harvest_arxiv`` does the IO and calls
these functions. A query is one ``ArxivQuery`` per benchmark (from ``flows/sources.toml``);
``build_search_query`` turns it, plus the incremental watermark, into the API's
``search_query`` syntax (https://info.arxiv.org/help/api/user-manual.html#query_details).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import arxiv
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from extract.sources.errors import FeedError

SORT_CRITERIA = {
    "relevance": arxiv.SortCriterion.Relevance,
    "lastUpdatedDate": arxiv.SortCriterion.LastUpdatedDate,
    "submittedDate": arxiv.SortCriterion.SubmittedDate,
}
SORT_ORDERS = {"ascending": arxiv.SortOrder.Ascending, "descending": arxiv.SortOrder.Descending}

# New-style ids (0704.0001 onwards, 4 or 5 digits after the dot) and old-style ids
# (archive[.SUBCLASS]/YYMMNNN, e.g. cs/0601001, math.GT/0309136), each with an optional version.
_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
_ID_IN_PATH = re.compile(rf"/(?:abs|pdf|html|format)/(?P<id>{_NEW_ID}|{_OLD_ID})(?:v(?P<v>\d+))?")
_BARE_ID = re.compile(rf"^(?:arxiv:)?(?P<id>{_NEW_ID}|{_OLD_ID})(?:v(?P<v>\d+))?$", re.I)


@dataclass(frozen=True, slots=True)
class ArxivQuery:
    """One configured arXiv search, usually one per benchmark.

    ``terms`` are OR-ed (phrases are quoted), ``categories`` are OR-ed, and the two groups
    are AND-ed with the submission window ``date_from``..``date_to``. ``raw`` replaces
    terms and categories with a hand-written ``search_query`` when set.
    """

    name: str
    benchmark: str | None = None
    terms: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    max_results: int | None = 200
    sort_by: str = "lastUpdatedDate"
    sort_order: str = "ascending"
    raw: str | None = None


@dataclass(frozen=True, slots=True)
class ArxivRecord:
    """Metadata of one arXiv paper version, as the API reported it.

    ``paper_id`` is the arXiv id without version (``1512.03385``, ``cs/0601001``);
    ``version`` is the version the API listed (the latest at query time).
    """

    paper_id: str
    version: int
    title: str
    authors: tuple[str, ...]
    abstract: str
    categories: tuple[str, ...]
    published: datetime
    updated: datetime
    pdf_url: str | None
    abs_url: str
    query_name: str
    primary_category: str | None = None


def arxiv_id_from_url(url: str) -> tuple[str, int | None] | None:
    """``(paper_id, version)`` from an arXiv abs/pdf address or a bare id, else ``None``.

    Accepts ``https://arxiv.org/abs/1512.03385v3``, ``http://arxiv.org/pdf/1808.09381.pdf``,
    ``arxiv.org/abs/cs/0601001v2``, ``arXiv:1706.03762`` and any host serving the arXiv path
    layout (``/abs/<id>``, ``/pdf/<id>``), such as a mirror or the local test server.
    """
    text = (url or "").strip()
    bare = _BARE_ID.match(text)
    if bare:
        return _id_and_version(bare)
    path = urlsplit(text if "//" in text else "//" + text).path
    found = _ID_IN_PATH.search(path)
    return _id_and_version(found) if found else None


def _id_and_version(match: re.Match[str]) -> tuple[str, int | None]:
    version = match.group("v")
    return match.group("id"), int(version) if version else None


def _term_clause(term: str) -> str:
    term = term.replace('"', " ").strip()
    return f'all:"{term}"' if " " in term else f"all:{term}"


def _or_group(clauses: Iterable[str]) -> str | None:
    items = list(clauses)
    if not items:
        return None
    return items[0] if len(items) == 1 else "(" + " OR ".join(items) + ")"


def _stamp(moment: datetime | date, end_of_day: bool = False) -> str:
    """arXiv's range format, YYYYMMDDHHMM in UTC."""
    if not isinstance(moment, datetime):
        suffix = "2359" if end_of_day else "0000"
        return moment.strftime("%Y%m%d") + suffix
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y%m%d%H%M")


def build_search_query(query: ArxivQuery, since: datetime | None, now: datetime) -> str:
    """The API ``search_query`` for ``query``, restricted to versions updated at/after ``since``.

    ``now`` closes open-ended windows (the API needs both ends of a range); passing it in
    keeps this function pure. The ``since`` range is inclusive, so a paper updated in the
    watermark's own minute is seen again: store upserts are idempotent, a miss is not.
    """
    groups = (
        [query.raw]
        if query.raw
        else [
            _or_group(_term_clause(t) for t in query.terms),
            _or_group(f"cat:{c}" for c in query.categories),
        ]
    )
    if query.date_from or query.date_to:
        start = _stamp(query.date_from) if query.date_from else "199101010000"
        end = _stamp(query.date_to, end_of_day=True) if query.date_to else _stamp(now)
        groups.append(f"submittedDate:[{start} TO {end}]")
    if since is not None:
        groups.append(f"lastUpdatedDate:[{_stamp(since)} TO {_stamp(now)}]")
    present = [g for g in groups if g]
    if not present:
        raise ValueError(f"arXiv query {query.name!r} has no terms, categories or raw query")
    return " AND ".join(present)


def make_search(query: ArxivQuery, since: datetime | None, now: datetime) -> arxiv.Search:
    """An ``arxiv.Search`` for ``query`` (sort criterion and order checked against the API's)."""
    if query.sort_by not in SORT_CRITERIA or query.sort_order not in SORT_ORDERS:
        raise ValueError(
            f"arXiv query {query.name!r}: sort_by must be one of {sorted(SORT_CRITERIA)} and "
            f"sort_order one of {sorted(SORT_ORDERS)}"
        )
    return arxiv.Search(
        query=build_search_query(query, since, now),
        max_results=query.max_results,
        sort_by=SORT_CRITERIA[query.sort_by],
        sort_order=SORT_ORDERS[query.sort_order],
    )


def _abs_link(result: arxiv.Result) -> str:
    for link in result.links:
        if link.rel == "alternate" and link.href:
            return str(link.href)
    return result.entry_id


def record_from_result(result: arxiv.Result, query_name: str) -> ArxivRecord:
    """An ``ArxivRecord`` from an ``arxiv.Result``; the PDF address is the feed's pdf link."""
    parsed = arxiv_id_from_url(result.entry_id)
    if parsed is None:
        raise FeedError(f"arXiv entry id {result.entry_id!r} holds no arXiv identifier")
    paper_id, version = parsed
    return ArxivRecord(
        paper_id=paper_id,
        version=version or 1,
        title=" ".join(result.title.split()),
        authors=tuple(a.name for a in result.authors),
        abstract=" ".join((result.summary or "").split()),
        categories=tuple(c for c in result.categories if c),
        published=result.published,
        updated=result.updated,
        pdf_url=result.pdf_url,
        abs_url=_abs_link(result),
        query_name=query_name,
        primary_category=result.primary_category or None,
    )


ATOM_FEED_TAG = "{http://www.w3.org/2005/Atom}feed"


def check_feed_xml(content: bytes, url: str | None = None) -> None:
    """Refuse an API answer that is not a safe Atom feed (no DTD, no entities, Atom root).

    A real arXiv Atom feed never declares a DTD or entities, so any declaration is refused:
    that stops billion-laughs and external-entity attacks before any parser expands them.
    An HTML page (an error or login page) is named as such rather than reported as bad XML.
    """
    head = content[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise FeedError("arXiv API answered with an HTML page, not an Atom feed", url)
    try:
        root = SafeET.fromstring(
            content, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as err:
        raise FeedError(
            f"refused arXiv API answer: it declares a DTD or XML entities ({type(err).__name__});"
            " possible entity-expansion (billion laughs) attack",
            url,
        ) from err
    except SafeET.ParseError as err:
        raise FeedError(f"arXiv API answer is not well-formed XML: {err}", url) from err
    if root.tag != ATOM_FEED_TAG:
        raise FeedError(f"arXiv API answer is XML but not an Atom feed (root {root.tag!r})", url)


def next_watermark(records: Iterable[ArxivRecord], previous: datetime | None) -> datetime | None:
    """The watermark after a harvest: the latest ``updated`` seen, never moving backwards."""
    latest = max((r.updated for r in records), default=None)
    if latest is None or (previous is not None and previous >= latest):
        return previous
    return latest
