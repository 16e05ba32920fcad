"""PDF bytes -> PaperDoc: reading-order page text with line geometry.

The fast text path is pdfium (pypdfium2): ~400 pages/s, reading order follows the content
stream, which for LaTeX papers is column by column. Each line keeps its box so that every
extracted value points at a rectangle on its page. Ligatures and compatibility characters
are folded (NFKC), hyphenation at line ends is undone, and the arXiv stamp in the margin
gives the paper id and version when the file name does not.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium

from extract.errors import EncryptedPdfError, NeedsOcrError, NotPdfError, PaperError, TooLargeError
from schema.records import Box, Line, Page, PaperDoc

ARXIV_STAMP = re.compile(r"arXiv:\s?(\d{4}\.\d{4,5})(?:v(\d+))?")
MIN_CHARS_PER_PAGE = 200
DEFAULT_MAX_PAGES = 400
_FOLD = {
    "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u00a0": " ", "\u2009": " ", "\u00ad": "",
    "\ufffe": "-", "\x02": "-", "\u2217": "*", "\u2019": "'", "\u201c": '"', "\u201d": '"',
}  # fmt: skip
# Pages with a table caption, or a figure caption (some tables are captioned as figures), keep
# word positions for extract.tables, whose caption pattern opens with the same words (defined
# here: the parse cache is keyed on this file's code).
CAPTION_KINDS = r"Table|TABLE|Figure|FIGURE|Fig\."
TABLE_CAPTION = re.compile(rf"(?m)^\s*(?:{CAPTION_KINDS})\s+[0-9IVX]+\b")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_pdf_bytes(data: bytes) -> None:
    """Raise NotPdfError for bytes that are not a PDF (an HTML page saved as .pdf, empty files)."""
    if not data:
        raise NotPdfError("empty file (0 bytes)")
    head = data[:1024].lstrip()
    if b"%PDF-" not in data[:1024]:
        kind = "an HTML page" if head[:15].lower().startswith((b"<!doctype", b"<html")) else "not a PDF"
        raise NotPdfError(f"file is {kind} (no %PDF- header in the first 1024 bytes)")


def _fold_char(ch: str) -> str:
    if ch in _FOLD:
        return _FOLD[ch]
    if ord(ch) < 128:
        return ch
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) <= 3 else ch


def _page_lines(raw: str) -> list[tuple[int, int]]:
    """Spans of the lines of pdfium's raw page text (split on CR/LF)."""
    spans, start = [], 0
    for match in re.finditer(r"\r\n|\n|\r", raw):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(raw)))
    return spans


def _line_box(textpage: pdfium.PdfTextPage, lo: int, hi: int, height: float) -> Box | None:
    """The box of a line from its first and last visible characters (two look-ups, not one per char)."""
    while lo < hi and textpage.get_text_range(lo, 1, force_this=True).isspace():
        lo += 1
    while hi > lo and textpage.get_text_range(hi - 1, 1, force_this=True).isspace():
        hi -= 1
    if lo >= hi:
        return None
    l0, b0, r0, t0 = textpage.get_charbox(lo)
    l1, b1, r1, t1 = textpage.get_charbox(hi - 1)
    return Box(min(l0, l1), height - max(t0, t1), max(r0, r1), height - min(b0, b1))


# pdfium marks a hyphen it found at a printed line end as \x02; inside one of its text lines
# (lines it merged) a marker between lower-case letters is a word broken across the line
# ("sin\x02gle"), joined as at a line end.
_INNER_BREAK = re.compile(r"(?<=[a-z])\x02(?=[a-z])")


def fold_text(raw: str) -> str:
    if raw.isascii() and "\x02" not in raw:
        return raw
    raw = _INNER_BREAK.sub("", raw)
    return "".join(_fold_char(c) for c in raw)


def _join_lines(parts: list[tuple[str, Box | None]]) -> tuple[str, list[Line]]:
    """Join line texts with newlines, undoing hyphenation ("effi-\\nciency" -> "efficiency").

    A hyphen before a digit is kept but the line break goes ("ResNet-\\n50" -> "ResNet-50",
    "TPUv3-\\n512" -> "TPUv3-512").
    """
    text, lines = "", []
    for raw_line, box in parts:
        line = fold_text(raw_line)
        broken = text.endswith("-") and len(text) > 1 and text[-2].isalnum()
        if broken and line[:1].islower() and text[-2].isalpha():
            text = text[:-1]
            if lines:
                lines[-1].end = len(text)
        elif text and not (broken and line[:1].isdigit()):
            text += "\n"
        start = len(text)
        text += line
        if box is not None:
            lines.append(Line(start, len(text), box))
    return text, lines


def _line_words(textpage: pdfium.PdfTextPage, raw: str, lo: int, hi: int) -> list[tuple[str, float, float]]:
    """Words of one raw line with their horizontal extent (for column detection in tables)."""
    words = []
    for match in re.finditer(r"\S+", raw[lo:hi]):
        a, b = lo + match.start(), lo + match.end() - 1
        x0 = textpage.get_charbox(a)[0]
        x1 = textpage.get_charbox(b)[2]
        words.append((fold_text(match.group(0)), x0, x1))
    return words


def _attach_words(textpage, raw, spans, parts, lines) -> None:  # type: ignore[no-untyped-def]
    """Give each line of a page with a table caption its words' x extents."""
    boxed = [span for span, (_, box) in zip(spans, parts, strict=True) if box is not None]
    for line, (lo, hi) in zip(lines, boxed, strict=True):
        line.words = _line_words(textpage, raw, lo, hi)


def _read_page(pdf: pdfium.PdfDocument, index: int) -> Page:
    page = pdf[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        raw = textpage.get_text_range(0, textpage.count_chars(), force_this=True)
        spans = _page_lines(raw)
        parts = [(raw[a:b], _line_box(textpage, a, b, height)) for a, b in spans]
        text, lines = _join_lines(parts)
        if TABLE_CAPTION.search(text):
            _attach_words(textpage, raw, spans, parts, lines)
        textpage.close()
    finally:
        page.close()
    return Page(number=index + 1, width=width, height=height, text=text, lines=lines)


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower() or "security" in message.lower():
            raise EncryptedPdfError(f"encrypted PDF: {message}") from exc
        raise PaperError(f"corrupt or unreadable PDF: {message}") from exc


def find_arxiv_stamp(pages: list[Page]) -> tuple[str, int | None] | None:
    """The arXiv id and version printed in the margin of the first page, if any."""
    for page in pages[:1]:
        match = ARXIV_STAMP.search(page.text)
        if match:
            return match.group(1), int(match.group(2)) if match.group(2) else None
    return None


def parse_pdf(
    data: bytes, paper_id: str, *, max_pages: int = DEFAULT_MAX_PAGES, sha256: str | None = None
) -> PaperDoc:
    """Parse PDF bytes into a PaperDoc, raising a PaperError subclass for unusable input."""
    check_pdf_bytes(data)
    pdf = _open(data)
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise PaperError("PDF has no pages")
        if n_pages > max_pages:
            raise TooLargeError(f"{n_pages} pages exceeds the cap of {max_pages}")
        pages = [_read_page(pdf, i) for i in range(n_pages)]
    except pdfium.PdfiumError as exc:
        raise PaperError(f"corrupt PDF page: {exc}") from exc
    finally:
        pdf.close()
    if sum(len(p.text.strip()) for p in pages) < MIN_CHARS_PER_PAGE * min(n_pages, 2):
        raise NeedsOcrError(f"no usable text layer ({n_pages} pages, image-only?)")
    return doc_from_pages(pages, paper_id, sha256 or sha256_bytes(data))


def doc_from_pages(pages: list[Page], paper_id: str, sha256: str) -> PaperDoc:
    """The PaperDoc of parsed pages (also used for pages read back from ``extract.cache``)."""
    stamp = find_arxiv_stamp(pages)
    return PaperDoc(
        paper_id=paper_id,
        sha256=sha256,
        pages=pages,
        arxiv_version=stamp[1] if stamp and stamp[0] == paper_id else None,
        title=guess_title(pages[0]),
    )


def guess_title(page: Page) -> str | None:
    """The first substantial line of page 1 (the stamp and running heads skipped)."""
    for line in page.text.splitlines()[:8]:
        text = line.strip()
        if len(text.split()) >= 2 and not ARXIV_STAMP.search(text) and len(text) < 200:
            return text
    return None


def parse_pdf_file(path: Path, paper_id: str, **kwargs: object) -> PaperDoc:
    return parse_pdf(path.read_bytes(), paper_id, **kwargs)  # type: ignore[arg-type]
