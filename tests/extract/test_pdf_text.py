"""Page text hygiene of extract.pdf: pdfium's hyphen markers and line joins."""

from __future__ import annotations

import pytest

from extract.pdf import _join_lines, fold_text
from schema.records import Box

BOX = Box(0.0, 0.0, 10.0, 10.0)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("on a sin\x02gle Cloud TPU", "on a single Cloud TPU"),  # merged line: word rejoined
        ("pre\x02dict a word", "predict a word"),
        ("ResNet\x0250", "ResNet-50"),  # before a digit the marker is a hyphen
        ("BERT\x02Large", "BERT-Large"),  # before a capital too
        ("e\ufb03cient \ufb01ne-tuning", "efficient fine-tuning"),  # ligatures
        ("x \u2212 1 \u2013 2", "x - 1 - 2"),
    ],
)
def test_fold_text(raw: str, folded: str) -> None:
    assert fold_text(raw) == folded


@pytest.mark.parametrize(
    ("lines", "text"),
    [
        (["the effi-", "ciency of"], "the efficiency of"),
        (["a ResNet-", "50 model"], "a ResNet-50 model"),
        (["a Cloud TPUv3-", "512 pod"], "a Cloud TPUv3-512 pod"),
        (["pages 10-", "Table 2"], "pages 10-\nTable 2"),
        (["state-of-the-", "Art"], "state-of-the-\nArt"),
        (["first line", "second line"], "first line\nsecond line"),
    ],
)
def test_join_lines_undoes_line_end_hyphens(lines: list[str], text: str) -> None:
    joined, boxes = _join_lines([(line, BOX) for line in lines])
    assert joined == text
    assert [joined[b.start : b.end] for b in boxes][-1].endswith(lines[-1][-3:])
