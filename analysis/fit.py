"""Ordinary least squares fits (statsmodels) of a transformed error on log10(compute).

Two functional forms, as in Thompson et al.:

- polynomial: ``log10(T(error)) = a + b * log10(compute)``, i.e. compute grows as a power of
  the improvement;
- exponential: ``T(error) = a + b * log10(compute)``, i.e. compute grows exponentially in the
  improvement.

``T`` is the error or its reciprocal (``inverse_error``, i.e. 1/(1 - score)). As in Thompson
et al., the error enters as a fraction (1 - score, score in [0, 1]): the functions here take
errors in percent points (the snapshot's ``error_rate``) and divide by 100, so the intercepts are
comparable with theirs (ImageNet: log10(error) = 1.1563 - 0.0933 log10(FLOP)).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm

Transform = Literal["error", "inverse_error"]
Form = Literal["polynomial", "exponential"]
TRANSFORMS: tuple[Transform, ...] = ("error", "inverse_error")
FORMS: tuple[Form, ...] = ("polynomial", "exponential")
ALPHA = 0.05


def transformed(error: np.ndarray | float, transform: Transform) -> np.ndarray:
    """``T(error)`` for an error in percent points: the error fraction or its reciprocal."""
    error = np.asarray(error, dtype=float) / 100.0
    if transform == "error":
        return error
    if transform == "inverse_error":
        return 1.0 / error
    raise ValueError(f"unknown transform {transform!r}")


def response(error: np.ndarray | float, transform: Transform, form: Form) -> np.ndarray:
    """The regression's left-hand side for ``form``: log10(T) or T."""
    values = transformed(error, transform)
    return np.log10(values) if form == "polynomial" else values


def error_from_response(y: np.ndarray | float, transform: Transform, form: Form) -> np.ndarray:
    """Inverse of :func:`response`: the error (percent) a left-hand side value stands for."""
    values = np.power(10.0, y) if form == "polynomial" else np.asarray(y, dtype=float)
    fraction = values if transform == "error" else 1.0 / values
    return 100.0 * fraction


@dataclass
class Fit:
    """One OLS fit and the statistics the report needs (``model`` is kept for predictions)."""

    form: Form
    transform: Transform
    n: int
    intercept: float
    slope: float
    se_intercept: float
    se_slope: float
    ci_intercept: tuple[float, float]
    ci_slope: tuple[float, float]
    r2: float
    r2_adj: float
    p_slope: float
    year_coef: float | None = None
    year_se: float | None = None
    model: object = field(default=None, repr=False, compare=False)

    @property
    def implied_exponent(self) -> float | None:
        """k in compute ∝ (1/error)^k (polynomial form only)."""
        if self.form != "polynomial" or self.slope == 0:
            return None
        return (-1.0 if self.transform == "error" else 1.0) / self.slope

    @property
    def improves_with_compute(self) -> bool:
        """True when more compute predicts a lower error (the expected sign)."""
        return self.slope < 0 if self.transform == "error" else self.slope > 0

    def to_dict(self) -> dict:
        """JSON-ready statistics (no statsmodels object)."""
        out = {k: v for k, v in self.__dict__.items() if k != "model"}
        out["ci_intercept"], out["ci_slope"] = list(self.ci_intercept), list(self.ci_slope)
        out["implied_exponent"] = self.implied_exponent
        out["controls"] = ["year"] if self.year_coef is not None else []
        return out


def design(log_compute: np.ndarray, year: np.ndarray | None = None) -> pd.DataFrame:
    """Regressor matrix: constant, log10(compute) and optionally year."""
    columns = {"const": np.ones(len(log_compute)), "log10_compute": log_compute}
    if year is not None:
        columns["year"] = np.asarray(year, dtype=float)
    return pd.DataFrame(columns)


def fit_ols(
    compute: np.ndarray,
    error: np.ndarray,
    transform: Transform,
    form: Form,
    year: np.ndarray | None = None,
) -> Fit:
    """OLS of ``response(error)`` on log10(compute) (+ year); compute in FLOP, error in %.

    With ``year``, the fit is ``response = a + b*log10(compute) + c*year``.
    """
    x = design(np.log10(np.asarray(compute, dtype=float)), year)
    y = response(error, transform, form)
    result = sm.OLS(y, x).fit()
    ci = result.conf_int(alpha=ALPHA).to_numpy()
    params, bse = result.params.to_numpy(), result.bse.to_numpy()
    return Fit(
        form=form,
        transform=transform,
        n=int(result.nobs),
        intercept=float(params[0]),
        slope=float(params[1]),
        se_intercept=float(bse[0]),
        se_slope=float(bse[1]),
        ci_intercept=(float(ci[0, 0]), float(ci[0, 1])),
        ci_slope=(float(ci[1, 0]), float(ci[1, 1])),
        r2=float(result.rsquared),
        r2_adj=float(result.rsquared_adj),
        p_slope=float(result.pvalues.iloc[1]),
        year_coef=float(params[2]) if year is not None else None,
        year_se=float(bse[2]) if year is not None else None,
        model=result,
    )


def band(fit: Fit, log_compute: np.ndarray, year: float | None = None) -> pd.DataFrame:
    """Fitted mean and its 95% confidence band at ``log_compute`` (year held at ``year``)."""
    years = None if fit.year_coef is None else np.full(len(log_compute), year)
    frame = fit.model.get_prediction(design(log_compute, years)).summary_frame(alpha=ALPHA)
    return frame[["mean", "mean_ci_lower", "mean_ci_upper"]].reset_index(drop=True)


def log_compute_needed(fit: Fit, error: float, year: float | None = None) -> float | None:
    """log10(compute) at which the fit predicts ``error`` (percent); None if it never does."""
    if not fit.improves_with_compute:
        return None
    target = float(response(error, fit.transform, fit.form))
    year_term = (fit.year_coef or 0.0) * (year if year is not None else 0.0)
    return (target - fit.intercept - year_term) / fit.slope


@dataclass(frozen=True)
class Imputation:
    """log10(hardware burden) = intercept + slope * log10(network operations)."""

    intercept: float
    slope: float
    n: int
    r2: float
    scope: str

    def apply(self, network_ops: pd.Series) -> pd.Series:
        """Imputed hardware burden (FLOP) for network operations (FLOP)."""
        return np.power(10.0, self.intercept + self.slope * np.log10(network_ops))

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def fit_imputation(burden: pd.Series, network_ops: pd.Series, scope: str) -> Imputation:
    """Log-log OLS of hardware burden on network operations over rows with both (> 0)."""
    both = (burden > 0) & (network_ops > 0)
    x = sm.add_constant(np.log10(network_ops[both].to_numpy(dtype=float)))
    result = sm.OLS(np.log10(burden[both].to_numpy(dtype=float)), x).fit()
    return Imputation(
        intercept=float(result.params[0]),
        slope=float(result.params[1]),
        n=int(result.nobs),
        r2=float(result.rsquared),
        scope=scope,
    )
