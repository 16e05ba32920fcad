"""Rules are data: ``extract/rules/*.jsonl``, one spaCy pattern per line.

Each line has ``id`` (``<quantity>.<shape>.v<N>``), ``label`` and ``pattern``; optional
``examples`` / ``counter_examples`` are run by the tests. Only label, pattern and id reach
spaCy's span_ruler (loaded with validate=True).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent / "rules"
RULE_FILES = (
    "hardware.jsonl",
    "duration.jsonl",
    "params.jsonl",
    "flops.jsonl",
    "epochs.jsonl",
    "results.jsonl",
)


class RuleFileError(ValueError):
    """A rule file line that is not a valid rule."""


def _parse_line(path: Path, number: int, line: str) -> dict:
    try:
        rule = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RuleFileError(f"{path.name}:{number}: not JSON: {exc}") from exc
    missing = {"id", "label", "pattern"} - set(rule)
    if missing:
        raise RuleFileError(f"{path.name}:{number}: missing {sorted(missing)}")
    return rule


def read_rule_file(path: Path) -> list[dict]:
    rules = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            rules.append(_parse_line(path, number, line))
    return rules


@lru_cache(maxsize=1)
def load_rules() -> tuple[dict, ...]:
    """All text rules, in file order."""
    rules: list[dict] = []
    for name in RULE_FILES:
        rules.extend(read_rule_file(RULES_DIR / name))
    ids = [r["id"] for r in rules]
    duplicated = {i for i in ids if ids.count(i) > 1}
    if duplicated:
        raise RuleFileError(f"duplicate rule ids: {sorted(duplicated)}")
    return tuple(rules)


@lru_cache(maxsize=1)
def ruleset_sha256() -> str:
    """Hash of every rule and vocabulary file: a change re-extracts every paper."""
    digest = hashlib.sha256()
    data_dir = Path(__file__).resolve().parents[1] / "schema" / "data"
    for path in sorted([*RULES_DIR.iterdir(), *data_dir.glob("*")]):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
