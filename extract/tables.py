"""Tables from word positions: the borderless and rule-only tables most papers use.

A table is found from its caption ("Table 3.", "TABLE 3", or "Figure 4:" over a table of
numbers): the lines next to it whose words stand in columns form its body, on the side where the
page's other captions have their tables (else the nearer side). pdfium cuts one printed row into
several lines at sub- and superscripts, so lines on one visual row are joined first. Numeric cells
are clustered into columns by their x extent, each column gets the header words above it (the
header row is the one over the most columns; rows above it are group headers), and each row's
label is the text left of the first value column. A stacked table (a header line after rows)
becomes one table per part. The result is a ``schema.records.Table`` whose first row is the
header: ``[label header, column 1 header, ...]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extract.pdf import CAPTION_KINDS
from schema.records import Box, Line, Page, Table

Word = tuple[str, float, float]  # a word and its x extent

CAPTION = re.compile(
    rf"^\s*(?P<kind>{CAPTION_KINDS})\s+(?P<number>[0-9]+|[IVX]+)\s*(?:[.:|]|$)"
)
NUMERIC_CELL = re.compile(
    r"^[~∼≈<>]?[-+]?(?:\d+(?:[.,]\d+)*|\.\d+)(?:%|[KMBGTk]|[kmb]n|[x×]|ms|s|h|m|min)?[*†‡§¶⋆∗\u2020\u2021a-d]?"
    r"(?:\(?[+-]\d+(?:\.\d+)?\)?)?$"
)
_ENCLOSED = re.compile(
    r"^\((\d+\.\d+(?:/\d+(?:\.\d+)?)?|\d+/\d+(?:\.\d+)?)\)$"
)  # "(86.7)", "(84.1/78.9)"
_NOTE_LETTER = re.compile(r"^[a-h]$")
_SPREAD = re.compile(r"^\(±\s*(\d+(?:\.\d+)?)\)$")
_HOURS, _MINUTES = re.compile(r"^\d+(?:\.\d+)?h$"), re.compile(r"^\d+m(?:in)?$")
_HOURS_MINUTES = re.compile(r"^\d+(?:\.\d+)?h \d+m(?:in)?$")
UNIT_WORD = re.compile(r"^(?:[KMBGTkmb]|[KMGT]?B|%|ms|s|h|min|x|×)$")  # "25 M", "4.3 G", "8 min"
_MARK_TAIL = re.compile(r"[*†‡§¶⋆∗\u2020\u2021,;]+$")
PLACEHOLDER = {"-", "–", "—", "n/a", "N/A", "?", "×", "✗"}
COLUMN_GAP = 7.0  # points: wider gaps than this separate table columns
SUBCAPTION = re.compile(r"^\s*\(([a-h])\)\s+\S")  # "(b) Various backbones ..." inside a table
MAX_CAPTION_LINES = 6
MAX_BODY_LINES = 60


@dataclass(slots=True)
class _Cell:
    text: str
    x0: float
    x1: float


def is_numeric_cell(text: str) -> bool:
    """A value, a placeholder, or a pair of them ("92.6/86.3", "83.1/-": two metrics), also
    in parentheses ("(89.0/85.5)": a secondary figure; a signed "(+0.5)" is a delta)."""
    enclosed = _ENCLOSED.match(text)
    if enclosed:
        text = enclosed.group(1)
    if bool(NUMERIC_CELL.match(text)) or text in PLACEHOLDER or _HOURS_MINUTES.match(text):
        return True
    parts = text.split("/")
    return (
        len(parts) == 2
        and all(NUMERIC_CELL.match(p) or p in PLACEHOLDER for p in parts)
        and parts != ["-", "-"]
    )


SCRIPT_GAP = 0.8  # points: a word starting closer than this to the previous one is its script


def _glue_scripts(words: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    """Sub- and superscripts joined to the word they sit on ("AP" "50" -> "AP50", "224" "2"
    -> "2242"): printed without a space, they are no cell of their own."""
    out: list[tuple[str, float, float]] = []
    for text, x0, x1 in words:
        if out and x0 < out[-1][2] + SCRIPT_GAP and x1 > out[-1][1]:
            prev = out[-1]
            out[-1] = (prev[0] + text, prev[1], max(prev[2], x1))
        else:
            out.append((text, x0, x1))
    return out


def _merge_pm(words: list[tuple[str, float, float]]) -> tuple[_Cell, ...]:
    """Join '76.0 ± 0.1', '76.0±' '0.1', '93.4 (±0.1)' and '15h' '7m' into one cell (scripts
    glued first); footnote letters right after a value are dropped. Cached: table finding asks
    about the same lines many times (the cells are never changed in place)."""
    return _cells_of(tuple(words))


@lru_cache(maxsize=8192)
def _cells_of(words: tuple[Word, ...]) -> tuple[_Cell, ...]:
    cells: list[_Cell] = []
    for text, x0, x1 in _glue_scripts(words):
        spread = _SPREAD.match(text)
        if (
            cells
            and _NOTE_LETTER.match(text)
            and x0 - cells[-1].x1 < 3.0
            and NUMERIC_CELL.match(cells[-1].text)
        ):
            continue  # "31.7 a": a footnote letter set after a value
        if cells and (text.startswith("±") or cells[-1].text.endswith("±")):
            cells[-1] = _Cell(cells[-1].text + text, cells[-1].x0, x1)
        elif cells and spread and NUMERIC_CELL.match(cells[-1].text):
            cells[-1] = _Cell(
                f"{cells[-1].text}±{spread.group(1)}", cells[-1].x0, x1
            )  # "92.71 (±0.05)"
        elif cells and _HOURS.match(cells[-1].text) and _MINUTES.match(text):
            cells[-1] = _Cell(f"{cells[-1].text} {text}", cells[-1].x0, x1)  # "13h 48m"
        elif len(cells) > 1 and cells[-1].text == "/" and _slash_pair(cells[-2].text, text):
            cells[-2:] = [_Cell(f"{cells[-2].text}/{text}", cells[-2].x0, x1)]  # "21.64 / 20.37"
        else:
            cells.append(_Cell(text, x0, x1))
    return tuple(cells)


def _slash_pair(left: str, right: str) -> bool:
    return bool(NUMERIC_CELL.match(left)) and bool(NUMERIC_CELL.match(right))


def _max_gap(line: Line) -> float:
    return _widest_gap(line.words or [])


def _widest_gap(words: list[Word] | tuple[Word, ...]) -> float:
    return max((b[1] - a[2] for a, b in zip(words, words[1:], strict=False)), default=0.0)


def _value_cells(line: Line) -> list[_Cell]:
    return _values_of(line.words or [])


def _values_of(words: list[Word] | tuple[Word, ...]) -> list[_Cell]:
    return [c for c in _merge_pm(list(words)) if is_numeric_cell(c.text.split("±")[0])]


def _is_row(line: Line) -> bool:
    """A line of a table body: it has value cells, ends in one, and stands in columns."""
    return _row_words(tuple(line.words or []))


@lru_cache(maxsize=8192)
def _row_words(words: tuple[Word, ...]) -> bool:
    if not words or len(words) > 30:
        return False
    values = _values_of(words)
    cells = [c.text for c in _merge_pm(list(words)) if _MARK_TAIL.sub("", c.text)]
    last = cells[-1] if cells else ""
    tail = _MARK_TAIL.sub("", last).split("±")[0]
    ends_in_value = is_numeric_cell(tail) or is_numeric_cell(tail.split("/")[-1])
    mostly_values = len(values) >= 2 and len(values) * 3 >= len(cells) * 2
    return bool(values) and ends_in_value and (_widest_gap(words) > COLUMN_GAP or mostly_values)


HEADER_GAP = 5.0  # points: a short line with a gap this wide is a header of tight columns


def _is_header(line: Line) -> bool:
    """A line that can head a table: short, or with a column gap ("#P  crop  img/sec  acc(%)")."""
    words = line.words or []
    gap = _max_gap(line)
    return 0 < len(words) <= 20 and (
        gap > COLUMN_GAP or len(words) <= 3 or (len(words) <= 8 and gap >= HEADER_GAP)
    )


def _collect(lines: list[Line], indices: range) -> list[int]:
    """Consecutive table-like line indices from the start of ``indices``: one other line is
    tolerated inside a table, two before its first row (notes between a table and its caption)."""
    taken: list[int] = []
    misses = 0
    for i in indices:
        line = lines[i]
        if CAPTION.match(_text(line)) or len(taken) >= MAX_BODY_LINES:
            break
        row = _is_row(line)
        if row or _is_header(line) or SUBCAPTION.match(_text(line)):
            taken.append(i)
            misses = 0 if row else misses
        else:
            misses += 1
            if misses > (1 if any(_is_row(lines[k]) for k in taken) else 2):
                break
    while taken and not _is_row(lines[taken[-1]]) and not _is_header(lines[taken[-1]]):
        taken.pop()
    return taken


def _text(line: Line) -> str:
    return " ".join(w[0] for w in (line.words or []))


MAX_ROW_HEIGHT = 24.0  # points: a taller line box is text wrapped across columns, not one row


def _same_band(a: Line, b: Line) -> bool:
    """Two lines printed on one visual row: their boxes overlap for half the smaller height.

    A line whose first and last characters sit far apart vertically (prose continued in the
    next column) has a box as tall as the page and joins nothing."""
    heights = (a.box.bottom - a.box.top, b.box.bottom - b.box.top)
    if max(heights) > MAX_ROW_HEIGHT:
        return False
    overlap = min(a.box.bottom, b.box.bottom) - max(a.box.top, b.box.top)
    return min(heights) > 0 and overlap >= 0.5 * min(heights)


def _joined(a: Line, b: Line) -> Line:
    words = sorted([*(a.words or []), *(b.words or [])], key=lambda w: w[1])
    return Line(min(a.start, b.start), max(a.end, b.end), a.box.union(b.box), words)


def merge_fragments(lines: list[Line]) -> list[Line]:
    """Consecutive lines on one visual row, joined into one line with its words in x order.

    pdfium starts a new line at a sub- or superscript ("AP" "box" "50", "224" "2") and at some
    font changes, so one printed header or table row can come as several lines; a caption
    line is never joined (a caption beside a table must still start its line).
    """
    out: list[Line] = []
    for line in lines:
        prev = out[-1] if out else None
        if (prev is not None and _same_band(prev, line)
                and not CAPTION.match(_text(prev)) and not CAPTION.match(_text(line))):  # fmt: skip
            out[-1] = _joined(prev, line)
        else:
            out.append(line)
    return out


def _caption_text(lines: list[Line], i: int) -> tuple[str, int]:
    """The caption paragraph starting at line i, and the index after it."""
    parts, j = [_text(lines[i])], i + 1
    while j < len(lines) and j < i + MAX_CAPTION_LINES and not _is_row(lines[j]):
        ended = parts[-1].endswith(".") and len(parts[-1]) > len(parts[0].split()[0]) + 4
        if _max_gap(lines[j]) > COLUMN_GAP * (1 if ended else 2):
            break  # a header row after the caption, not more caption
        parts.append(_text(lines[j]))
        if parts[-1].endswith("."):
            j += 1
            break
        j += 1
    return " ".join(parts), j


def _rows_of(lines: list[Line], taken: list[int]) -> int:
    return sum(1 for i in taken if _is_row(lines[i]))


@dataclass(slots=True)
class _Candidate:
    """A caption and the table-like blocks of lines above and below it."""

    cap: int
    end: int  # index after the caption paragraph
    caption: str
    above: list[int]
    below: list[int]


def _candidate(lines: list[Line], cap: int) -> _Candidate:
    caption, after = _caption_text(lines, cap)
    above = sorted(_collect(lines, range(cap - 1, max(cap - MAX_BODY_LINES, -1), -1)))
    below = _collect(lines, range(after, min(after + MAX_BODY_LINES, len(lines))))
    return _Candidate(cap, after, caption, above, below)


def _side_votes(lines: list[Line], candidates: list[_Candidate]) -> int:
    """Where this page puts captions: + for above their tables, - for below, counted over
    the captions that have a table on one side only."""
    votes = 0
    for cand in candidates:
        up, down = _rows_of(lines, cand.above) >= 2, _rows_of(lines, cand.below) >= 2
        votes += (down and not up) - (up and not down)
    return votes


def _closer(lines: list[Line], cand: _Candidate, votes: int) -> list[int]:
    """Of two table-like blocks around a caption, the one on the side where the page's other
    captions have their tables, else the one with rows that sits nearer to the caption."""
    above, below = cand.above, cand.below
    if _rows_of(lines, above) < 2 or _rows_of(lines, below) < 2:
        return above if _rows_of(lines, above) >= _rows_of(lines, below) else below
    if votes:
        return below if votes > 0 else above
    gap_above = abs(lines[cand.cap].box.top - lines[above[-1]].box.bottom)
    gap_below = abs(lines[below[0]].box.top - lines[max(cand.cap, cand.end - 1)].box.bottom)
    return above if gap_above <= gap_below else below


def _body(lines: list[Line], cand: _Candidate, votes: int) -> tuple[str, list[Line]] | None:
    best = _closer(lines, cand, votes)
    if _rows_of(lines, best) < 2:
        return None
    return cand.caption, [lines[i] for i in best]


def _columns(rows: list[Line]) -> list[tuple[float, float]]:
    """Column extents from the numeric cells of all rows (overlapping extents merge)."""
    spans = sorted((c.x0, c.x1) for line in rows for c in _value_cells(line))
    columns: list[list[float]] = []
    for x0, x1 in spans:
        if columns and x0 <= columns[-1][1] + 1.5:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    hits = [sum(1 for line in rows if any(c.x0 < x1 and c.x1 > x0 for c in _value_cells(line)))
            for x0, x1 in columns]  # fmt: skip
    kept = [(col, n) for col, n in zip(columns, hits, strict=True) if n >= max(1, len(rows) // 4)]
    while len(kept) > 1 and (kept[0][1] < max(2, len(rows) // 3) or _in_labels(kept[0][0], rows)):
        kept.pop(0)  # numbers inside row labels ("ResNeXt-101 32x48d", "+1 NL"), not a column
    return [col for col, _ in kept]


def _label_word(cell: _Cell, nxt: _Cell | None) -> bool:
    """Whether a word follows a number closely, as in a row label ("+1 NL"), not a unit."""
    if nxt is None or nxt.x0 - cell.x1 >= COLUMN_GAP:
        return False
    return not is_numeric_cell(nxt.text) and not UNIT_WORD.match(nxt.text)


def _in_labels(column: list[float], rows: list[Line]) -> bool:
    """Whether the numbers of a leading column are mostly followed closely by words: they
    are part of the row labels ("+1 NL", "12 layers"), not values."""
    x0, x1 = column
    followed = total = 0
    for line in rows:
        cells = _merge_pm(line.words or [])
        for cell, nxt in zip(cells, [*cells[1:], None], strict=True):
            if cell.x0 < x1 and cell.x1 > x0 and is_numeric_cell(cell.text):
                total += 1
                followed += _label_word(cell, nxt)
    return total > 0 and followed * 2 > total


PHRASE_GAP = 4.5  # points: header words closer than this belong to one phrase ("Exact Match")


def _phrase_words(line: Line) -> list[list[Word]]:
    """The words of a line grouped into phrases: runs of words less than PHRASE_GAP apart."""
    phrases: list[list[Word]] = []
    for word in line.words or []:
        if phrases and word[1] - phrases[-1][-1][2] < PHRASE_GAP:
            phrases[-1].append(word)
        else:
            phrases.append([word])
    return phrases


def _phrases(line: Line) -> list[Word]:
    return [(" ".join(w[0] for w in words), words[0][1], max(w[2] for w in words))
            for words in _phrase_words(line)]  # fmt: skip


def _bounds(columns: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Each column's share of the width: from the midpoint to its left neighbour to the
    midpoint to its right one (40 points past the outer columns)."""
    bounds = []
    for k, (x0, x1) in enumerate(columns):
        left = (columns[k - 1][1] + x0) / 2 if k else x0 - 40
        right = (x1 + columns[k + 1][0]) / 2 if k + 1 < len(columns) else x1 + 40
        bounds.append((left, right))
    return bounds


def _header_bands(headers: list[Line]) -> list[Line]:
    """Header lines grouped by visual row, top to bottom (pdfium may split a row anywhere)."""
    bands: list[Line] = []
    for line in sorted(headers, key=lambda item: item.box.top):
        if bands and _same_band(bands[-1], line):
            bands[-1] = _joined(bands[-1], line)
        else:
            bands.append(line)
    return bands


def _column_of(x0: float, x1: float, bounds: list[tuple[float, float]]) -> int | None:
    centre = (x0 + x1) / 2
    return next((k for k, (left, right) in enumerate(bounds) if left <= centre < right), None)


def _columns_hit(line: Line, bounds: list[tuple[float, float]]) -> int:
    """How many columns the phrases of a header row stand over ("Exact Match" over two
    columns counts once)."""
    return len({_column_of(x0, x1, bounds) for _, x0, x1 in _phrases(line)} - {None})


def _is_spanning(line: Line, centres: list[float]) -> bool:
    """A one-phrase row across several columns ("ImageNet-22K pre-trained models"): a
    section heading inside the table, not a column header."""
    phrases = _phrases(line)
    return len(phrases) == 1 and sum(phrases[0][1] <= c <= phrases[0][2] for c in centres) >= 2


def _header_for(columns: list[tuple[float, float]], headers: list[Line]) -> list[str]:
    """Header text over each column.

    The header row is the row whose phrases stand over the most columns (the lowest of equals);
    it and the rows below it are read word by word: a word goes to the column whose bounds
    hold its centre. Rows above it are group headers ("SQuAD 1.1" over "EM F1"): each of their
    phrases goes to every column nearer to it than to any other phrase of that row. Section
    headings spanning the columns are skipped.
    """
    bounds = _bounds(columns)
    centres = [(x0 + x1) / 2 for x0, x1 in columns]
    texts: list[list[str]] = [[] for _ in columns]
    bands = _header_bands(headers)
    hits = [_columns_hit(line, bounds) for line in bands]
    main = max(range(len(bands)), key=lambda k: (hits[k], k), default=0)
    for depth, line in enumerate(bands):
        if depth < main:
            phrases = [p for p in _phrases(line) if (p[1] + p[2]) / 2 > bounds[0][0]]
            for k, centre in enumerate(centres):
                if phrases:
                    near = min(phrases, key=lambda p: _distance((p[1], p[2]), centre))
                    texts[k].append(near[0])
        elif depth == main or not _is_spanning(line, centres):
            for text, k in _word_columns(line, columns, bounds):
                texts[k].append(text)
    return [" ".join(t) for t in texts]


def _word_columns(
    line: Line, columns: list[tuple[float, float]], bounds: list[tuple[float, float]]
) -> list[tuple[str, int]]:
    """(text, column) pairs of a header row read word by word: a word goes to the column
    whose bounds hold its centre, except that a phrase standing over the numbers of several
    columns ("SQuAD" over "v1.1" and "v2.0") goes to each of them."""
    out: list[tuple[str, int]] = []
    for inside in _phrase_words(line):
        text, x0, x1 = " ".join(w[0] for w in inside), inside[0][1], max(w[2] for w in inside)
        homes = [_column_of(w[1], w[2], bounds) for w in inside]
        spanned = [
            k for k, (c0, c1) in enumerate(columns) if min(x1, c1) - max(x0, c0) >= 0.25 * (c1 - c0)
        ]
        if len(spanned) >= 2 and len(set(homes)) < len(spanned):
            out.extend((text, k) for k in spanned)
            continue
        out.extend((w[0], k) for w, k in zip(inside, homes, strict=True) if k is not None)
    return out


def _row_cells(line: Line, columns: list[tuple[float, float]]) -> tuple[str, list[str]]:
    first = columns[0][0]
    words = _merge_pm(line.words or [])
    label = " ".join(c.text for c in words if c.x1 < first - 0.5)
    cells = [""] * len(columns)
    for cell in words:
        if cell.x1 < first - 0.5:
            continue
        centre = (cell.x0 + cell.x1) / 2
        k = min(range(len(columns)), key=lambda j: _distance(columns[j], centre))
        cells[k] = (cells[k] + " " + cell.text).strip()
    return label, cells


def _distance(column: tuple[float, float], x: float) -> float:
    x0, x1 = column
    return 0.0 if x0 - 2 <= x <= x1 + 2 else min(abs(x - x0), abs(x - x1))


TEXT_HEIGHT = 10.0  # points: the height assumed for the header part of a wrapped line


def _within_table(headers: list[Line], rows: list[Line]) -> list[Line]:
    """Header lines cut to the width of the table's rows.

    Prose of the other page column can share a pdfium line with a header row (its box then
    spans both columns, or the whole page height when the prose wraps); only the words over
    the table are header words, and a wrapped line is taken to sit at its top.
    """
    left = min(w[1] for line in rows for w in line.words or []) - 6
    right = max(w[2] for line in rows for w in line.words or []) + 40
    out = []
    for line in headers:
        words = [w for w in line.words or [] if w[1] >= left and w[2] <= right]
        if not words:
            continue
        bottom = (
            line.box.bottom
            if line.box.bottom - line.box.top <= MAX_ROW_HEIGHT
            else line.box.top + TEXT_HEIGHT
        )
        box = Box(min(w[1] for w in words), line.box.top, max(w[2] for w in words), bottom)
        out.append(Line(line.start, line.end, box, words))
    return out


def _label_header(headers: list[Line], first: float) -> str:
    return " ".join(w[0] for line in headers for w in line.words or [] if w[2] < first - 0.5)


def _first_data_row(body: list[Line]) -> int:
    """Index of the first row followed by another row: a row-like line above a header line
    ("SQuAD 1.1  SQuAD 2.0" over "EM F1 EM F1") is a group header, not data."""
    rows = [k for k, line in enumerate(body) if _is_row(line)]
    for k in rows:
        if k + 1 >= len(body) or _is_row(body[k + 1]):
            return k
    return rows[0]


@dataclass(slots=True)
class _Section:
    """One part of a table body: its header lines, its rows, and every line it spans."""

    headers: list[Line]
    rows: list[Line]
    lines: list[Line]


def _sections(
    body: list[Line], first_row: int, columns: list[tuple[float, float]]
) -> list[_Section]:
    """The body cut where a header line follows rows ("WMT'14 English-German | BLEU" after
    the English-Romanian rows): a stacked table whose parts each name their own benchmark.
    Spanning headings and lines without words over the columns cut nothing."""
    bounds, centres = _bounds(columns), [(x0 + x1) / 2 for x0, x1 in columns]
    sections = [_Section(body[:first_row], [], body[:first_row])]
    for line in body[first_row:]:
        current = sections[-1]
        if _is_row(line):
            current.rows.append(line)
        elif (current.rows and not _value_cells(line) and _columns_hit(line, bounds)
              and not _is_spanning(line, centres)):  # fmt: skip
            sections.append(_Section([line], [], []))
        elif not current.rows:
            current.headers.append(line)
        sections[-1].lines.append(line)
    return [section for section in sections if section.rows]


Columns = list[tuple[float, float]]


def _table_of(page: Page, label: str, caption: str, section: _Section, columns: Columns,
              inherited: list[str] | None) -> Table:  # fmt: skip
    """The Table of one section; header cells it leaves empty come from the first section."""
    headers = _within_table(section.headers, section.rows)
    header_row = [_label_header(headers, columns[0][0]), *_header_for(columns, headers)]
    if inherited:
        header_row = [own or old for own, old in zip(header_row, inherited, strict=True)]
    table_rows = [header_row]
    for line in section.rows:
        row_label, cells = _row_cells(line, columns)
        table_rows.append([row_label, *cells])
    lines = section.lines
    box = lines[0].box
    for line in lines[1:]:
        box = box.union(line.box)
    return Table(page=page.number, label=label, caption=caption, rows=table_rows,
                 method="words", box=box, char_start=lines[0].start, char_end=lines[-1].end,
                 line_spans=[(line.start, line.end) for line in lines])  # fmt: skip


def _subtables(body: list[Line]) -> list[tuple[str, list[Line]]]:
    """The body cut at sub-captions ("(a) ...", "(b) ...") into its lettered sub-tables, each
    with its own columns; ('', body) when there are none."""
    parts: list[tuple[str, list[Line]]] = [("", [])]
    for line in body:
        sub = SUBCAPTION.match(_text(line))
        if sub and not _is_row(line):
            parts.append((sub.group(1), []))
        parts[-1][1].append(line)
    return [(letter, lines) for letter, lines in parts if any(_is_row(x) for x in lines)]


def _build(page: Page, label: str, caption: str, body: list[Line]) -> list[Table]:
    """The tables of a caption's body: one per lettered sub-table (labels '2a', '2b' ...) and
    per part of a stacked table ('2', '2.2', '2.3' ...)."""
    body = [line for line in body if any(ch.isalnum() for ch in _text(line))]  # lone marks
    tables: list[Table] = []
    for letter, lines in _subtables(body):
        tables.extend(_parts(page, f"{label}{letter}", caption, lines))
    return tables


def _parts(page: Page, label: str, caption: str, body: list[Line]) -> list[Table]:
    first_row = _first_data_row(body)
    columns = _columns([line for line in body[first_row:] if _is_row(line)])
    if not columns:
        return []
    tables: list[Table] = []
    for n, section in enumerate(_sections(body, first_row, columns)):
        part = label if n == 0 else f"{label}.{n + 1}"
        tables.append(
            _table_of(page, part, caption, section, columns, tables[0].rows[0] if tables else None)
        )
    return tables


def caption_label(match: re.Match) -> str:
    """'3' for "Table 3.", 'fig4' for "Figure 4:" (some papers caption their tables as figures)."""
    number = match.group("number")
    return number if match.group("kind").upper().startswith("TAB") else f"fig{number}"


def find_tables(page: Page) -> list[Table]:
    """Tables of one page, from the word positions kept for pages that have a caption."""
    lines = merge_fragments([line for line in page.lines if line.words])
    captions = [(i, match) for i, line in enumerate(lines) if (match := CAPTION.match(_text(line)))]
    candidates = [_candidate(lines, i) for i, _ in captions]
    votes = _side_votes(lines, candidates)
    tables = []
    for (_, match), cand in zip(captions, candidates, strict=True):
        found = _body(lines, cand, votes)
        if found:
            tables.extend(_build(page, caption_label(match), *found))
    return tables
