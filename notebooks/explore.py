# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Explore the dataset
#
# Effective values (curations applied, `curated` marks them), as the export snapshot carries
# them: coverage by benchmark and year, and error against training compute on log-log axes.

# %%
import json

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display

from db.curation import Reviewer
from db.engine import migrate, session_scope
from db.export import build_tables

# %% tags=["parameters"]
db_url = None  # None: $PAPERFLOPS_DB_URL, else the SQLite file paperflops.sqlite
curator = None  # only used by scripted_action
scripted_action = None  # JSON of one decision applied first (db.curation.Reviewer.apply)

# %%
reviewer = Reviewer(db_url, curator=curator)
migrate(reviewer.engine)
if scripted_action:
    spec = json.loads(scripted_action) if isinstance(scripted_action, str) else scripted_action
    reviewer.apply(spec)
with session_scope(reviewer.engine) as session:
    tables = build_tables(session)
results, cpr = tables["results"], tables["compute_per_result"]
display(
    HTML(
        f"{len(results)} results ({int(results['curated'].sum())} curated), "
        f"{len(cpr)} rows of compute_per_result"
    )
)

# %% [markdown]
# ## Coverage: papers with a result, by benchmark and year

# %%
coverage = cpr.assign(year=cpr["year"].astype("string").fillna("unknown")).pivot_table(
    index="benchmark", columns="year", values="paper_id", aggfunc="nunique", fill_value=0
)
coverage.columns.name = "year"
display(coverage)

# %%
with_compute = cpr.dropna(subset=["error_rate", "compute_flop"])
with_compute = with_compute[(with_compute["error_rate"] > 0) & (with_compute["compute_flop"] > 0)]
counts = cpr.assign(
    has_compute=cpr["compute_flop"].notna().astype(int),
    is_curated=cpr["curated"].fillna(False).astype(int),
)
by_benchmark = counts.groupby("benchmark").agg(
    results=("value", "size"),
    papers=("paper_id", "nunique"),
    with_compute=("has_compute", "sum"),
    curated=("is_curated", "sum"),
)
display(by_benchmark)

# %% [markdown]
# ## Error against compute (log-log)

# %%
fig, ax = plt.subplots(figsize=(7, 5))
for name, group in with_compute.groupby("benchmark"):
    ax.scatter(group["compute_flop"], group["error_rate"], label=name, alpha=0.8)
curated = with_compute[with_compute["curated"].fillna(False).astype(bool)]
ax.scatter(
    curated["compute_flop"],
    curated["error_rate"],
    facecolors="none",
    edgecolors="k",
    s=120,
    label="curated",
)
if len(with_compute) >= 2:
    x, y = np.log10(with_compute["compute_flop"]), np.log10(with_compute["error_rate"])
    if x.nunique() > 1:
        slope, intercept = np.polyfit(x, y, 1)
        grid = np.linspace(x.min(), x.max(), 20)
        ax.plot(
            10**grid, 10 ** (intercept + slope * grid), "k--", lw=1, label=f"fit: slope {slope:.3f}"
        )
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("training compute (FLOP)")
ax.set_ylabel("error rate (%)")
ax.set_title(f"error vs compute, {len(with_compute)} results")
if len(with_compute):
    ax.legend()
plt.show()
