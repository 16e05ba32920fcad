"""The two CLI commands, registered on a fresh Typer app."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from analysis.cli import REFERENCE_ENV, register

runner = CliRunner()


@pytest.fixture()
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_import_reference_with_option(app, mini_mit, tmp_path: Path):
    reference = mini_mit(tmp_path / "ref")
    out = tmp_path / "snap"
    args = ["import-reference", "mit", "--out", str(out), "--reference-dir", str(reference)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (out / "compute_per_result.csv").is_file()
    assert (out / "compute_per_result.parquet").is_file()
    assert (out / "manifest.json").is_file() and (out / "data_dictionary.json").is_file()


def test_import_reference_env_override(app, mini_mit, tmp_path: Path, monkeypatch):
    monkeypatch.setenv(REFERENCE_ENV, str(mini_mit(tmp_path / "ref")))
    result = runner.invoke(app, ["import-reference", "mit", "--out", str(tmp_path / "snap")])
    assert result.exit_code == 0, result.output


def test_import_reference_default_is_relative_to_cwd(app, mini_mit, tmp_path: Path, monkeypatch):
    monkeypatch.delenv(REFERENCE_ENV, raising=False)
    mini_mit(tmp_path / "shared" / "reference")
    checkout = tmp_path / "main"
    checkout.mkdir()
    monkeypatch.chdir(checkout)
    result = runner.invoke(app, ["import-reference", "mit", "--out", "snap"])
    assert result.exit_code == 0, result.output
    assert (checkout / "snap" / "compute_per_result.csv").is_file()


def test_import_reference_missing_folder(app, tmp_path: Path):
    missing = tmp_path / "nowhere"
    args = [
        "import-reference",
        "mit",
        "--out",
        str(tmp_path / "s"),
        "--reference-dir",
        str(missing),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "folder not found" in result.output


def test_import_reference_missing_file(app, tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    args = ["import-reference", "mit", "--out", str(tmp_path / "s"), "--reference-dir", str(empty)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "no MIT FutureTech CSVs" in result.output


def test_import_reference_unknown_source(app, tmp_path: Path):
    result = runner.invoke(app, ["import-reference", "epoch", "--out", str(tmp_path)])
    assert result.exit_code == 2


def test_regress_writes_report_and_png(app, synthetic_snapshot: Path, tmp_path: Path):
    out = tmp_path / "out"
    args = ["regress", "--snapshot", str(synthetic_snapshot), "--out", str(out)]
    result = runner.invoke(app, args + ["--compare", str(synthetic_snapshot), "--control-year"])
    assert result.exit_code == 0, result.output
    assert (out / "report.md").is_file() and (out / "imagenet.png").is_file()
    assert (out / "results.json").is_file()
    assert "imagenet" in result.output


@pytest.mark.parametrize("flag", ["--snapshot", "--compare"])
def test_regress_missing_snapshot(app, synthetic_snapshot: Path, tmp_path: Path, flag):
    good, bad = str(synthetic_snapshot), str(tmp_path / "missing")
    snapshot, compare = (bad, good) if flag == "--snapshot" else (good, bad)
    args = ["regress", "--snapshot", snapshot, "--out", str(tmp_path / "o"), "--compare", compare]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "folder not found" in result.output


def test_regress_folder_without_table(app, tmp_path: Path):
    args = ["regress", "--snapshot", str(tmp_path), "--out", str(tmp_path / "o")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "compute_per_result" in result.output
