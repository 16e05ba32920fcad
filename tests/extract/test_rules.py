"""Every text rule fires on its own examples (asserting its id) and not on its counter-examples."""

from __future__ import annotations

import json

import pytest

from extract.nlp import SPANS_KEY, build_nlp
from extract.rules_loader import RULE_FILES, RULES_DIR, RuleFileError, load_rules, read_rule_file

RULES = load_rules()
EXAMPLES = [(r["id"], r["label"], ex) for r in RULES for ex in r.get("examples", [])]
COUNTER = [(r["id"], ex) for r in RULES for ex in r.get("counter_examples", [])]


def _spans(text: str) -> list[tuple[str, str]]:
    """(rule id, label) of every span the rules find in ``text``."""
    doc = build_nlp()(text)
    return [(s.id_, s.label_) for s in doc.spans[SPANS_KEY]]


def test_every_rule_has_examples_and_counter_examples() -> None:
    for rule in RULES:
        assert rule.get("examples"), f"{rule['id']} has no examples"
        assert rule.get("counter_examples"), f"{rule['id']} has no counter-examples"


def test_rule_ids_follow_the_naming_scheme() -> None:
    for rule in RULES:
        parts = rule["id"].split(".")
        assert len(parts) == 3 and parts[2].startswith("v"), rule["id"]


@pytest.mark.parametrize(("rule_id", "label", "text"), EXAMPLES)
def test_rule_fires_on_its_examples(rule_id: str, label: str, text: str) -> None:
    ids = {i for i, lab in _spans(text) if lab == label}
    assert rule_id in ids, f"{rule_id} did not fire on {text!r} (fired: {sorted(ids)})"


@pytest.mark.parametrize(("rule_id", "text"), COUNTER)
def test_rule_is_silent_on_its_counter_examples(rule_id: str, text: str) -> None:
    assert rule_id not in {i for i, _ in _spans(text)}


def test_every_rule_file_is_listed_and_present() -> None:
    on_disk = {p.name for p in RULES_DIR.glob("*.jsonl")}
    assert on_disk == set(RULE_FILES)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not JSON"),
        (json.dumps({"id": "x.y.v1", "label": "hardware"}), r"missing \['pattern'\]"),
    ],
)
def test_bad_rule_lines_are_reported_with_file_and_line(tmp_path, line: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(RuleFileError, match=message):
        read_rule_file(path)
