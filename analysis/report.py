"""``report.md``: the regression tables, imputation, extrapolation and figures in Markdown."""

from __future__ import annotations

from pathlib import Path

from analysis.fit import FORMS, Fit
from analysis.regress import BASES, SPECS, SnapshotAnalysis, fit_key
from analysis.snapshot import read_manifest

TRANSFORM_TEXT = {"error": "error", "inverse_error": "1/error"}
BASIS_TEXT = {"hardware_burden": "hardware burden", "imputed": "HW burden + imputed"}


def _num(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _sci(log10_value: float | None) -> str:
    return "n/a" if log10_value is None else f"1e{log10_value:.1f}"


def _lhs(fit: Fit) -> str:
    text = TRANSFORM_TEXT[fit.transform]
    return f"log10({text})" if fit.form == "polynomial" else text


def _fit_row(label: str, bench: str, basis: str, fit: Fit) -> str:
    k = fit.implied_exponent
    cells = [
        bench,
        label,
        BASIS_TEXT[basis],
        _lhs(fit),
        str(fit.n),
        f"{fit.intercept:.4f} ({fit.se_intercept:.4f})",
        f"{fit.slope:.4f} ({fit.se_slope:.4f})",
        f"[{fit.ci_slope[0]:.4f}, {fit.ci_slope[1]:.4f}]",
        f"{fit.r2:.3f}",
        f"{fit.p_slope:.2g}",
        _num(k, 1) if fit.form == "polynomial" else _num(1 / fit.slope, 2),
    ]
    if fit.year_coef is not None:
        cells.append(f"{fit.year_coef:.4f} ({fit.year_se:.4f})")
    return "| " + " | ".join(cells) + " |"


def fit_table(analyses: list[SnapshotAnalysis], form: str, control_year: bool) -> list[str]:
    """Markdown table of every benchmark's fits of one form, snapshots side by side."""
    last = "k" if form == "polynomial" else "1/slope"
    head = ["benchmark", "snapshot", "compute", "y", "N", "intercept (SE)", "slope (SE)"]
    head += ["slope 95% CI", "R²", "p", last] + (["year (SE)"] if control_year else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for spec in SPECS:
        for basis in BASES:
            for analysis in analyses:
                result = analysis.benchmarks.get(spec.benchmark)
                fit = result.fits.get(fit_key(basis, form, control_year)) if result else None
                if fit is not None:
                    lines.append(_fit_row(analysis.label, spec.benchmark, basis, fit))
    return lines


def imputation_lines(analyses: list[SnapshotAnalysis]) -> list[str]:
    """One line per benchmark whose rows were imputed."""
    lines = []
    for analysis in analyses:
        for name, result in analysis.benchmarks.items():
            imp, count = result.imputation, int(result.rows["imputed"].sum())
            if imp is None or count == 0:
                continue
            lines.append(
                f"- {analysis.label} / {name}: log10(HW) = {imp.intercept:.4f} + "
                f"{imp.slope:.4f}·log10(net ops), fitted on {imp.n} rows ({imp.scope}), "
                f"R² {imp.r2:.3f}; {count} rows imputed"
            )
    return lines or ["- no rows needed imputation"]


def extrapolation_table(analyses: list[SnapshotAnalysis]) -> list[str]:
    """Compute needed (FLOP) for target error rates, both forms."""
    head = ["benchmark", "snapshot", "best error % (FLOP)", "target error %"]
    head += ["polynomial: FLOP", "exponential: FLOP"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for spec in SPECS:
        for analysis in analyses:
            result = analysis.benchmarks.get(spec.benchmark)
            for row in result.extrapolation if result else []:
                best = f"{row['best_error']:.2f} ({row['best_compute_flop']:.1e})"
                cells = [spec.benchmark, analysis.label, best, f"{row['target_error']:g}"]
                cells += [_sci(row["polynomial_log10_flop"]), _sci(row["exponential_log10_flop"])]
                lines.append("| " + " | ".join(cells) + " |")
    return lines


def snapshot_lines(analyses: list[SnapshotAnalysis]) -> list[str]:
    """Where each snapshot comes from."""
    lines = []
    for analysis in analyses:
        manifest = read_manifest(analysis.path)
        rows = manifest.get("row_counts", {}).get("compute_per_result", "?")
        lines.append(f"- **{analysis.label}**: `{analysis.path}` ({rows} result rows)")
    return lines


RULES = """\
- Rows: the headline metric of each benchmark (ImageNet top-1, COCO box AP, SQuAD 1.1 F1,
  CoNLL-2003 F1, WMT'14 BLEU), one row per (paper, model), error in (0, 100) percent points.
- Error = top-1 error for ImageNet, 1 − score elsewhere (BLEU included), as a fraction in
  the fits (so intercepts compare with Thompson et al.'s); tables show errors in percent.
- *hardware burden* fits use rows with a hardware burden only (chips × peak FLOP/s × seconds,
  no utilization). No other filter: the MIT data's `relevant` column is empty.
- *HW burden + imputed* fits add rows that have only network operations, with
  log10(HW) = a + b·log10(net ops) fitted on the benchmark's rows having both (else on all
  benchmarks' rows having both: "pooled").
- Polynomial form: log10(y) = a + b·log10(FLOP); k is the exponent in FLOP ∝ (1/error)^k.
  Exponential form: y = a + b·log10(FLOP); 1/slope is decades of FLOP per unit of y
  (y = error fraction or 1/error fraction).
- Extrapolation uses the hardware-burden fits; "n/a" when the slope does not predict
  improvement with compute."""


def write_report(
    analyses: list[SnapshotAnalysis], figures: dict[str, str], path: Path, control_year: bool
) -> Path:
    """Write the Markdown report to ``path``."""
    title = " vs ".join(a.label for a in analyses)
    parts = ["# Scaling regression: " + title, "", "## Snapshots", *snapshot_lines(analyses)]
    parts += ["", "## Selection rules", RULES, ""]
    for form in FORMS:
        parts += [f"## {form.capitalize()} form", "", *fit_table(analyses, form, False), ""]
        if control_year:
            parts += [f"### {form.capitalize()} form, controlling for year", ""]
            parts += [*fit_table(analyses, form, True), ""]
    parts += ["## Hardware burden imputed from network operations", *imputation_lines(analyses)]
    parts += ["", "## Extrapolation (compute needed)", "", *extrapolation_table(analyses), ""]
    parts += ["## Figures", ""]
    parts += [f"![{name}]({filename})" for name, filename in figures.items()]
    Path(path).write_text("\n".join(parts) + "\n")
    return Path(path)
