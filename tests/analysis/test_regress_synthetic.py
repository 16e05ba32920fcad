"""The regression on small synthetic snapshots with known answers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.fit import error_from_response, fit_ols, response
from analysis.regress import analyse_snapshot, fit_key, run_regression


def test_known_slope_recovered(synthetic_snapshot: Path):
    result = analyse_snapshot(synthetic_snapshot).benchmarks["imagenet"]
    fit = result.fits[fit_key("hardware_burden", "polynomial")]
    assert fit.n == 40
    assert fit.slope == pytest.approx(-0.1, abs=0.005)
    assert fit.intercept == pytest.approx(1.2, abs=0.1)
    assert fit.r2 > 0.95
    assert fit.ci_slope[0] < -0.1 < fit.ci_slope[1]
    assert fit.implied_exponent == pytest.approx(10, rel=0.05)


def test_response_round_trip():
    errors = np.array([1.0, 9.0, 50.0])
    for transform in ("error", "inverse_error"):
        for form in ("polynomial", "exponential"):
            y = response(errors, transform, form)
            assert np.allclose(error_from_response(y, transform, form), errors)


def test_year_control_recovers_both_coefficients():
    rng = np.random.default_rng(1)
    log_compute = rng.uniform(17, 23, 60)
    year = rng.integers(2012, 2023, 60).astype(float)
    log_error = 30.0 - 0.05 * log_compute - 0.015 * year + rng.normal(0, 0.005, 60)
    fit = fit_ols(10**log_compute, 100 * 10**log_error, "error", "polynomial", year)
    assert fit.slope == pytest.approx(-0.05, abs=0.003)
    assert fit.year_coef == pytest.approx(-0.015, abs=0.002)


def test_imputation_and_other_benchmark(tmp_path: Path, make_rows, save_snapshot):
    rng = np.random.default_rng(3)
    # log10 HW = 3 + 0.9 log10 net ops on rows with both; 1/error grows with compute.
    net = rng.uniform(17, 21, 12)
    hw = 3 + 0.9 * net
    both = make_rows("coco", "box_ap", hw, 100 * 10 ** (0.5 - 0.08 * hw), network_ops_flop=10**net)
    net_only = make_rows(
        "coco", "box_ap", hw[:5], 40 - np.arange(5), network_ops_flop=10 ** net[:5]
    )
    net_only = net_only.assign(
        paper_id=[f"n{i}" for i in range(5)], hardware_burden_flop=np.nan, compute_flop=np.nan
    )
    folder = save_snapshot(tmp_path / "s", pd.concat([both, net_only]))
    coco = analyse_snapshot(folder).benchmarks["coco"]
    assert coco.imputation.scope == "coco"
    assert coco.imputation.slope == pytest.approx(0.9, abs=1e-6)
    assert coco.imputation.intercept == pytest.approx(3.0, abs=1e-4)
    assert coco.fits[fit_key("hardware_burden", "polynomial")].n == 12
    imputed = coco.fits[fit_key("imputed", "polynomial")]
    assert imputed.n == 17 and imputed.transform == "inverse_error"
    assert coco.fits[fit_key("hardware_burden", "polynomial")].slope == pytest.approx(0.08)


def test_run_regression_writes_outputs(synthetic_snapshot: Path, tmp_path: Path):
    out = tmp_path / "out"
    results = run_regression(synthetic_snapshot, out, control_year=True)
    assert (out / "report.md").is_file()
    png = out / "imagenet.png"
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert results["figures"] == {"imagenet": "imagenet.png"}
    stored = json.loads((out / "results.json").read_text())
    fits = stored["snapshots"][0]["benchmarks"]["imagenet"]["fits"]
    assert {"hardware_burden:polynomial", "hardware_burden:polynomial:year"} <= set(fits)
    report = (out / "report.md").read_text()
    assert "## Polynomial form" in report and "controlling for year" in report
    assert "![imagenet](imagenet.png)" in report


def test_compare_mode_shows_both(
    synthetic_snapshot: Path, tmp_path: Path, make_rows, save_snapshot
):
    rows = make_rows("imagenet", "top1_error", np.linspace(18, 22, 10), np.linspace(30, 10, 10))
    other = save_snapshot(tmp_path / "ours", rows.assign(compute_method=None))
    results = run_regression(other, tmp_path / "out", compare_dir=synthetic_snapshot)
    labels = [s["label"] for s in results["snapshots"]]
    assert len(set(labels)) == 2
    report = (tmp_path / "out" / "report.md").read_text()
    assert all(label in report for label in labels)


def test_too_few_rows_is_not_fitted(tmp_path: Path, make_rows, save_snapshot):
    rows = make_rows("squad1.1", "f1", [18, 19], [20, 10])
    folder = save_snapshot(tmp_path / "few", rows)
    results = run_regression(folder, tmp_path / "out")
    assert results["snapshots"][0]["benchmarks"]["squad1.1"]["fits"] == {}
    assert results["figures"] == {}
    assert (tmp_path / "out" / "report.md").is_file()
