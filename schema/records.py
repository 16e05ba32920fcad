"""Record types passed between pipeline steps: parse -> extract -> normalize -> store.

Plain slotted dataclasses: they are created by the hundred thousand per refresh and
cross process boundaries (pickled) when extraction runs in worker processes.
Pages are numbered from 1 everywhere a person sees them (evidence, exports, review).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle on a page in PDF points, origin top-left."""

    x0: float
    top: float
    x1: float
    bottom: float

    def union(self, other: Box) -> Box:
        return Box(
            min(self.x0, other.x0),
            min(self.top, other.top),
            max(self.x1, other.x1),
            max(self.bottom, other.bottom),
        )

    def to_json(self) -> list[float]:
        return [round(self.x0, 2), round(self.top, 2), round(self.x1, 2), round(self.bottom, 2)]

    @classmethod
    def from_json(cls, values: list[float]) -> Box:
        return cls(*values)


@dataclass(slots=True)
class Line:
    """One text line of a page: its character span in ``Page.text`` and its box."""

    start: int
    end: int
    box: Box
    words: list[tuple[str, float, float]] | None = None  # (text, x0, x1), on table pages only


@dataclass(slots=True)
class Page:
    """A page's reading-order text (lines joined by newlines) and line geometry."""

    number: int
    width: float
    height: float
    text: str
    lines: list[Line] = field(default_factory=list)

    def box_for_span(self, start: int, end: int) -> Box | None:
        """The union of the boxes of the lines that the character span touches."""
        box: Box | None = None
        for line in self.lines:
            if line.end < start:
                continue
            if line.start > end:
                break
            box = line.box if box is None else box.union(line.box)
        return box


@dataclass(slots=True)
class Table:
    """A table found on a page: caption, cell texts by row, and where it came from."""

    page: int
    label: str
    caption: str
    rows: list[list[str]]
    method: str
    box: Box | None = None
    char_start: int | None = None
    char_end: int | None = None
    line_spans: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class PaperDoc:
    """A parsed paper: the output of ``extract.pdf.parse_pdf``."""

    paper_id: str
    sha256: str
    pages: list[Page]
    tables: list[Table] = field(default_factory=list)
    arxiv_version: int | None = None
    title: str | None = None
    year: int | None = None

    @property
    def n_pages(self) -> int:
        return len(self.pages)


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a value was read: page, span, box, snippet and the rule that read it."""

    page: int | None
    snippet: str
    rule_id: str
    locator: str = "text"
    char_start: int | None = None
    char_end: int | None = None
    box: Box | None = None


@dataclass(slots=True)
class ResultCandidate:
    benchmark: str
    metric: str
    value: float
    raw_value: str
    evidence: Evidence
    model: str | None = None
    source: str = "table"
    confidence: float = 0.5
    status: str = "candidate"
    reject_reason: str | None = None


@dataclass(slots=True)
class TrainingCandidate:
    """A training run: hardware and/or duration, as one sentence states them."""

    evidence: Evidence
    stage: str = "train"
    model: str | None = None
    hardware: str | None = None
    hardware_raw: str | None = None
    hardware_count: float | None = None
    count_unit: str | None = None
    chips: float | None = None
    duration_hours: float | None = None
    duration_lo_hours: float | None = None
    duration_hi_hours: float | None = None
    device_hours: float | None = None
    duration_raw: str | None = None
    epochs: float | None = None
    confidence: float = 0.5
    status: str = "candidate"
    reject_reason: str | None = None


@dataclass(slots=True)
class SizeCandidate:
    """A model size: parameter count or FLOPs per forward pass."""

    quantity: str
    value: float
    raw_value: str
    unit: str
    evidence: Evidence
    model: str | None = None
    confidence: float = 0.5
    status: str = "candidate"
    reject_reason: str | None = None


@dataclass(slots=True)
class Extraction:
    """Everything extracted from one paper."""

    results: list[ResultCandidate] = field(default_factory=list)
    training: list[TrainingCandidate] = field(default_factory=list)
    sizes: list[SizeCandidate] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.results) + len(self.training) + len(self.sizes)
