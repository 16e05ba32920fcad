"""Published numbers of Thompson et al. recomputed from the real MIT FutureTech CSVs.

Published (DESIGN.md "Reference points"): ImageNet log10(top-1 error) = 1.1563 - 0.0933
log10(hardware burden), N = 36, R² = 0.766; imputation log10(HW) = 3.1337 + 0.8716 log10(net
ops) on N = 11; the 102-row fit of log10(1/error) has slope 0.0908, R² = 0.694.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.regress import BenchmarkResult, analyse_snapshot, fit_key

THREE_DECIMALS = 5e-4


@pytest.fixture(scope="module")
def mit(mit_snapshot: Path):
    return analyse_snapshot(mit_snapshot)


def _fit(result: BenchmarkResult, basis: str = "hardware_burden", form: str = "polynomial"):
    return result.fits[fit_key(basis, form)]


def test_imagenet_published_fit(mit):
    fit = _fit(mit.benchmarks["imagenet"])
    assert fit.transform == "error"
    assert fit.n == 36
    assert fit.slope == pytest.approx(-0.0933, abs=THREE_DECIMALS)
    assert fit.intercept == pytest.approx(1.1563, abs=THREE_DECIMALS)
    assert fit.r2 == pytest.approx(0.766, abs=THREE_DECIMALS)
    assert fit.ci_slope[0] < fit.slope < fit.ci_slope[1] < 0
    assert fit.implied_exponent == pytest.approx(1 / 0.0933, rel=0.01)


def test_imagenet_imputation(mit):
    imputation = mit.benchmarks["imagenet"].imputation
    assert imputation.scope == "imagenet"
    assert imputation.n == 11
    assert imputation.intercept == pytest.approx(3.1337, abs=THREE_DECIMALS)
    assert imputation.slope == pytest.approx(0.8716, abs=THREE_DECIMALS)


def test_imagenet_consolidated_102_rows(mit):
    fit = _fit(mit.benchmarks["imagenet"], basis="imputed")
    assert fit.transform == "inverse_error"
    assert fit.n == 102
    assert fit.slope == pytest.approx(0.0908, abs=THREE_DECIMALS)
    assert fit.r2 == pytest.approx(0.694, abs=THREE_DECIMALS)


@pytest.mark.parametrize(
    ("benchmark", "n"),
    [("coco", 13), ("squad1.1", 12), ("conll2003", 12), ("wmt14-en-de", 12), ("wmt14-en-fr", 14)],
)
def test_other_benchmarks_use_rows_with_hardware_burden(mit, benchmark, n):
    result = mit.benchmarks[benchmark]
    for form in ("polynomial", "exponential"):
        fit = _fit(result, form=form)
        assert fit.transform == "inverse_error"
        assert fit.n == n
        assert fit.n == int(result.rows["burden"].notna().sum())


def test_significant_benchmarks_improve_with_compute(mit):
    for benchmark in ("imagenet", "coco", "squad1.1", "conll2003"):
        fit = _fit(mit.benchmarks[benchmark])
        assert fit.improves_with_compute
        assert fit.p_slope < 0.05


def test_coco_imputation_is_pooled(mit):
    coco = mit.benchmarks["coco"]
    assert coco.imputation.scope == "pooled"
    assert int(coco.rows["imputed"].sum()) == 7
    assert _fit(coco, basis="imputed").n == 20


def test_imagenet_extrapolation_targets(mit):
    table = mit.benchmarks["imagenet"].extrapolation
    assert [row["target_error"] for row in table] == [5.0, 1.0]
    five, one = table
    assert five["polynomial_log10_flop"] < one["polynomial_log10_flop"]
    expected = (1.1563 - (-1.30103)) / 0.0933  # log10(0.05) on the published line
    assert five["polynomial_log10_flop"] == pytest.approx(expected, abs=0.05)
