"""The review notebook's machinery: evidence images (pdfplumber) and ipywidgets controls.

Everything a widget does goes through ``db.curation.Reviewer``, so the same decisions can be
taken from code. ``render_evidence`` crops the evidence's page around its box and highlights
the box (and, inside it, the value as printed when it can be found on the page).
"""

from __future__ import annotations

import html
import io
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from db.curation import (
    STATUSES,
    Candidate,
    CurationError,
    Item,
    Reviewer,
)
from db.engine import session_scope
from extract.corrections import KINDS, InvalidValueError
from schema.tables import Document

log = logging.getLogger(__name__)

BOX_FILL = (255, 221, 0, 60)
BOX_STROKE = (230, 120, 0)
VALUE_FILL = (255, 0, 0, 50)
VALUE_STROKE = (220, 0, 0)


# --------------------------------------------------------------------------------------------
# evidence


def document_path(
    reviewer: Reviewer, candidate: Candidate, paper_id: str, pdf_root: Path | str | None = None
) -> Path | None:
    """The PDF a candidate was read from (by sha256, else any document of the paper), found as
    stored, or under ``pdf_root`` by relative path or file name."""
    with session_scope(reviewer.engine) as session:
        stmt = select(Document.path).where(Document.paper_id == paper_id)
        paths = [p for p in session.scalars(stmt) if p]
        if candidate.sha256:
            exact = session.scalar(select(Document.path).where(Document.sha256 == candidate.sha256))
            paths = [exact, *paths] if exact else paths
    for stored in paths:
        for path in _locations(Path(stored), pdf_root):
            if path.is_file():
                return path
    return None


def _locations(stored: Path, pdf_root: Path | str | None) -> list[Path]:
    found = [stored]
    if pdf_root is not None:
        root = Path(pdf_root)
        found += [root / stored, root / stored.name]
    return found


def render_evidence(
    pdf_path: Path | str,
    page: int,
    box: tuple[float, float, float, float] | None,
    raw_value: str | None = None,
    resolution: int = 110,
    margin: float = 40.0,
) -> Any:
    """A PIL image of ``page`` (from 1) cropped around ``box`` (PDF points, top-left origin)
    with the box highlighted, and ``raw_value`` inside it when found; the whole page when there
    is no box."""
    import pdfplumber

    with pdfplumber.open(str(pdf_path)) as pdf:
        if not 1 <= page <= len(pdf.pages):
            raise ValueError(f"{pdf_path}: no page {page} (has {len(pdf.pages)})")
        sheet = pdf.pages[page - 1]
        if box is None:
            return sheet.to_image(resolution=resolution).original
        x0, top, x1, bottom = box
        px0, ptop, px1, pbottom = sheet.bbox
        crop_box = (max(px0, x0 - margin), max(ptop, top - margin),
                    min(px1, x1 + margin), min(pbottom, bottom + margin))  # fmt: skip
        cropped = sheet.crop(crop_box)
        image = cropped.to_image(resolution=resolution)
        image.draw_rect((x0, top, x1, bottom), fill=BOX_FILL, stroke=BOX_STROKE, stroke_width=2)
        for hit in _value_hits(sheet.crop(_inside(box, sheet.bbox)), raw_value):
            image.draw_rect(hit, fill=VALUE_FILL, stroke=VALUE_STROKE, stroke_width=2)
        return image.annotated


def _inside(box: tuple[float, ...], page_box: tuple[float, ...]) -> tuple[float, ...]:
    return (max(box[0], page_box[0]), max(box[1], page_box[1]),
            min(box[2], page_box[2]), min(box[3], page_box[3]))  # fmt: skip


def _value_hits(region: Any, raw_value: str | None) -> list[tuple[float, float, float, float]]:
    text = (raw_value or "").strip()
    if not text or len(text) > 60:
        return []
    try:
        hits = region.search(text, regex=False, case=False)
    except Exception:  # noqa: BLE001 - highlighting the value is a bonus, never an error
        return []
    return [(h["x0"], h["top"], h["x1"], h["bottom"]) for h in hits[:3]]


def evidence_image(
    reviewer: Reviewer, item: Item, candidate: Candidate | None = None, **kwargs: Any
) -> Any:
    """The evidence image of ``candidate`` (default the item's best), or None when there is no
    page or the PDF cannot be found (``pdf_root=`` helps find moved files)."""
    candidate = candidate or item.best or (item.candidates[0] if item.candidates else None)
    if candidate is None or candidate.page is None:
        return None
    pdf_root = kwargs.pop("pdf_root", None)
    path = document_path(reviewer, candidate, item.field.paper_id, pdf_root)
    if path is None:
        return None
    return render_evidence(path, candidate.page, candidate.box, candidate.raw, **kwargs)


def png_bytes(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# item views


def candidates_frame(item: Item) -> pd.DataFrame:
    """Every candidate of an item, best first."""
    return pd.DataFrame(
        [{"value": c.text, "model": c.model, "confidence": c.confidence, "status": c.status,
          "reject_reason": c.reject_reason, "page": c.page, "rule_id": c.rule_id,
          "snippet": c.snippet} for c in item.candidates],  # fmt: skip
        columns=["value", "model", "confidence", "status", "reject_reason", "page", "rule_id",
                 "snippet"],  # fmt: skip
    )


def item_html(item: Item) -> str:
    """The item's value, unit, model, snippet and latest decision as HTML."""
    best, cur = item.best, item.curation
    e = html.escape
    rows = [
        ("paper", f"{item.field.paper_id} {item.title or ''} ({item.year or '?'})"),
        ("field", f"{item.field.kind} / {item.field.field_key}"),
        ("model", item.model or "-"),
        ("extracted", item.describe(item.extracted)),
        ("effective", item.describe(item.effective)),
        ("confidence", "-" if item.confidence is None else f"{item.confidence:.2f}"),
        ("status", item.status + (" (new evidence disagrees)" if item.conflict else "")),
        ("page", "-" if not best or best.page is None else str(best.page)),
    ]
    if cur is not None:
        rows.append(("decision", f"{cur.action} by {cur.curator} (seq {cur.seq}): "
                                 f"{cur.reason or ''}"))  # fmt: skip
    body = "".join(f"<tr><th style='text-align:left'>{e(k)}</th><td>{e(v)}</td></tr>"
                   for k, v in rows)  # fmt: skip
    snippet = e(best.snippet or "") if best else ""
    return f"<table>{body}</table><blockquote>{snippet}</blockquote>"


# --------------------------------------------------------------------------------------------
# widgets


class ReviewApp:
    """ipywidgets front end over a Reviewer: filters, queue, evidence, actions.

    The curator is the Reviewer's (configuration), shown but not editable.
    """

    def __init__(self, reviewer: Reviewer, pdf_root: Path | str | None = None,
                 **filters: Any) -> None:  # fmt: skip
        import ipywidgets as w

        self.reviewer, self.pdf_root, self.items = reviewer, pdf_root, []
        self.w = w
        self.kind = w.Dropdown(options=["", *KINDS[:3]], value=filters.get("field") or "",
                               description="field")  # fmt: skip
        self.benchmark = w.Text(value=filters.get("benchmark") or "", description="benchmark")
        self.paper = w.Text(value=filters.get("paper") or "", description="paper")
        self.status = w.Dropdown(options=["open", "curated", "all", *STATUSES],
                                 value=filters.get("status") or "open", description="status")
        self.queue = w.Select(options=[], rows=12, layout=w.Layout(width="100%"))
        self.detail, self.image = w.HTML(), w.Image(format="png")
        self.others = w.Output()
        self.value, self.unit = w.Text(description="value"), w.Text(description="unit")
        self.reason = w.Text(description="reason")
        self.message = w.HTML()
        self.add_kind = w.Dropdown(options=list(KINDS[:3]), description="kind")
        self.add_model, self.add_key = w.Text(description="model"), w.Text(description="key")
        self._wire()
        self.reload()

    def _button(self, label: str, handler: Callable[[], Any], style: str = "") -> Any:
        button = self.w.Button(description=label, button_style=style)
        button.on_click(lambda _b: self._guard(handler))
        return button

    def _wire(self) -> None:
        w = self.w
        self.queue.observe(lambda change: self.show(change["new"]), names="value")
        for control in (self.kind, self.status):
            control.observe(lambda _c: self.reload(), names="value")
        try:
            curator = self.reviewer.curator
        except CurationError as exc:
            curator = f"not configured ({exc})"
        actions = w.HBox([
            self._button("Accept", self.accept, "success"),
            self._button("Correct", self.correct, "info"),
            self._button("Reject", self.reject, "danger"),
            self._button("Paper out of scope", self.out_of_scope, "warning"),
        ])
        adding = w.HBox([self.add_kind, self.add_model, self.add_key,
                         self._button("Add value", self.add)])  # fmt: skip
        self.widget = w.VBox([
            w.HTML(f"<b>curator:</b> {html.escape(curator)}"),
            w.HBox([self.kind, self.benchmark, self.paper, self.status,
                    self._button("Reload", self.reload)]),
            self.queue, self.detail, self.image, self.others,
            w.HBox([self.value, self.unit, self.reason]), actions, adding, self.message,
        ])  # fmt: skip

    def _guard(self, handler: Callable[[], Any]) -> None:
        try:
            handler()
        except (CurationError, InvalidValueError, KeyError) as exc:
            self.message.value = f"<span style='color:#b00'>{html.escape(str(exc))}</span>"

    def _filters(self) -> dict[str, Any]:
        return {"field": self.kind.value or None, "benchmark": self.benchmark.value or None,
                "paper": self.paper.value.strip() or None, "status": self.status.value}  # fmt: skip

    def reload(self) -> None:
        self.items = self.reviewer.queue(**self._filters())
        self.queue.options = [(self._label(i), n) for n, i in enumerate(self.items)]
        if self.items:
            self.queue.value = 0
            self.show(0)

    @staticmethod
    def _label(item: Item) -> str:
        conf = "  -" if item.confidence is None else f"{item.confidence:.2f}"
        return (f"[{item.status}] {conf} {item.field.paper_id} {item.model or '-'} "
                f"{item.field.field_key} = {item.describe(item.effective)}")  # fmt: skip

    @property
    def current(self) -> Item:
        if self.queue.value is None or not self.items:
            raise CurationError("no item selected")
        return self.items[self.queue.value]

    def show(self, index: int | None) -> None:
        if index is None or index >= len(self.items):
            return
        item = self.items[index]
        self.detail.value = item_html(item)
        try:
            image = evidence_image(self.reviewer, item, pdf_root=self.pdf_root)
        except (OSError, ValueError) as exc:
            log.warning("evidence image of %s: %s", item.field, exc)
            image = None
        self.image.value = png_bytes(image) if image is not None else b""
        self.others.clear_output()
        with self.others:
            from IPython.display import display

            display(candidates_frame(item))

    def _done(self, item: Item | bool, what: str) -> None:
        self.message.value = f"<span style='color:#070'>{html.escape(what)}</span>"
        self.reload()

    def accept(self) -> None:
        self._done(self.reviewer.accept(self.current, self.reason.value or None), "accepted")

    def correct(self) -> None:
        item = self.reviewer.correct(self.current, self.value.value, self.unit.value or None,
                                     self.reason.value or None)  # fmt: skip
        self._done(item, f"corrected to {item.describe(item.effective)}")

    def reject(self) -> None:
        self._done(self.reviewer.reject(self.current, self.reason.value or None), "rejected")

    def out_of_scope(self) -> None:
        paper_id = self.current.field.paper_id
        self.reviewer.mark_out_of_scope(paper_id, self.reason.value or None)
        self._done(False, f"{paper_id} marked out of scope")

    def add(self) -> None:
        paper_id = self.paper.value.strip() or self.current.field.paper_id
        item = self.reviewer.add(paper_id, self.add_kind.value, self.add_model.value or None,
                                 self.add_key.value.strip(), self.value.value,
                                 self.unit.value or None, self.reason.value or None)  # fmt: skip
        self._done(item, f"added {item.field}")
