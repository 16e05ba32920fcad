"""``paperflops curate export|import``: round trip through a spreadsheet, all-or-nothing import
with errors per line, curator from configuration; SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from db.curation import FieldId, Reviewer
from db.curation_csv import CSV_COLUMNS
from flows.curate_cli import register
from tests.curation_data import RESNET, VGG, seed

runner = CliRunner()
R152 = FieldId.of(RESNET, "result", "ResNet-152", "imagenet/top1_error")


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    app.command("noop")(lambda: None)  # a second command keeps "curate" a sub-command
    register(app)
    return app


@pytest.fixture
def env(monkeypatch, tmp_path) -> dict[str, str]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("PAPERFLOPS_CURATOR", raising=False)
    return {"PAPERFLOPS_CURATOR": "sheet-person"}


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def write(path: Path, lines: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(lines)


def test_export_edit_import(app, engine, db_url, env, tmp_path):
    seed(engine)
    sheet = tmp_path / "queue.csv"
    result = runner.invoke(app, ["curate", "export", "--out", str(sheet), "--db", db_url])
    assert result.exit_code == 0, result.output
    lines = read(sheet)
    assert list(lines[0]) == CSV_COLUMNS and len(lines) == 6
    by_key = {(r["paper_id"], r["model"], r["field_key"]): r for r in lines}
    r152 = by_key[(RESNET, "ResNet-152", "imagenet/top1_error")]
    assert r152["extracted"] == "19.38 %" and r152["seq"] == "0"
    run = next(r for r in lines if r["kind"] == "training" and r["paper_id"] == RESNET)
    assert run["effective"] == "hardware=tesla-v100; count=8 chip; duration_hours=72"
    r152.update(action="correct", value="19.4", unit="%", reason="Table 4")
    run.update(action="correct", value=run["effective"].replace("72", "96"))
    lines.append({**dict.fromkeys(CSV_COLUMNS, ""), "paper_id": RESNET, "kind": "size",
                  "model": "ResNet-50", "field_key": "param_count", "action": "add",
                  "value": "25.6M"})  # fmt: skip
    lines.append({**dict.fromkeys(CSV_COLUMNS, ""), "paper_id": VGG, "kind": "paper",
                  "field_key": "in_scope", "action": "out_of_scope", "reason": "test"})  # fmt: skip
    write(sheet, lines)
    result = runner.invoke(app, ["curate", "import", str(sheet), "--db", db_url], env=env)
    assert result.exit_code == 0, result.output
    assert "4 decision(s) recorded by sheet-person" in result.output
    reviewer = Reviewer(engine)
    assert reviewer.item(R152).effective == {"value": 19.4, "unit": "%"}
    assert reviewer.history(R152)[0].curator == "sheet-person"
    runs = reviewer.item(FieldId.of(RESNET, "training", None, "train"))
    assert runs.effective["duration_hours"] == 96
    added = reviewer.item(FieldId.of(RESNET, "size", "ResNet-50", "param_count"))
    assert added.status == "added" and added.effective["value"] == 25.6e6
    assert VGG not in {i.field.paper_id for i in reviewer.queue()}
    again = runner.invoke(app, ["curate", "import", str(sheet), "--db", db_url], env=env)
    assert again.exit_code == 1 and "curated since the file was exported" in again.output


def test_invalid_lines_are_listed_and_nothing_applied(app, engine, db_url, env, tmp_path):
    seed(engine)
    sheet = tmp_path / "queue.csv"
    exported = runner.invoke(app, ["curate", "export", "--out", str(sheet), "--db", db_url])
    assert exported.exit_code == 0
    lines = read(sheet)
    lines[0].update(action="accept")  # valid
    lines[1].update(action="correct", value="lots")  # invalid value
    lines[2].update(action="frobnicate")  # unknown action
    lines.append({**dict.fromkeys(CSV_COLUMNS, ""), "paper_id": "0000.00000", "kind": "result",
                  "model": "X", "field_key": "imagenet/top1_error", "action": "add",
                  "value": "10"})  # fmt: skip
    write(sheet, lines)
    result = runner.invoke(app, ["curate", "import", str(sheet), "--db", db_url], env=env)
    assert result.exit_code == 1, result.output
    assert "line 3:" in result.output and "line 4:" in result.output and "line 8:" in result.output
    assert "line 2:" not in result.output
    assert "3 invalid line(s); nothing applied" in result.output
    assert all(i.curation is None for i in Reviewer(engine).queue(status="all"))


def test_import_needs_a_configured_curator(app, engine, db_url, tmp_path, env):
    seed(engine)
    sheet = tmp_path / "queue.csv"
    runner.invoke(app, ["curate", "export", "--out", str(sheet), "--db", db_url])
    result = runner.invoke(app, ["curate", "import", str(sheet), "--db", db_url])
    assert result.exit_code == 2 and "no curator configured" in result.output
    dry = runner.invoke(app, ["curate", "import", str(sheet), "--dry-run", "--db", db_url], env=env)
    assert dry.exit_code == 0 and "nothing applied" in dry.output


def test_export_filters(app, engine, db_url, tmp_path):
    seed(engine)
    sheet = tmp_path / "sizes.csv"
    args = ["curate", "export", "--out", str(sheet), "--field", "param_count", "--db", db_url]
    assert runner.invoke(app, args).exit_code == 0
    assert [r["field_key"] for r in read(sheet)] == ["param_count"]
    args = ["curate", "export", "--out", str(sheet), "--paper", VGG, "--status", "all",
            "--db", db_url]  # fmt: skip
    assert runner.invoke(app, args).exit_code == 0
    assert {r["paper_id"] for r in read(sheet)} == {VGG}
