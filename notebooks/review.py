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
# # Curator review
#
# The queue puts conflicts first (a refresh found evidence that disagrees with an earlier
# decision), then fields whose extractions disagree, then low confidence. For each item: the
# value, unit and model, the snippet, the page cropped around the evidence with the value
# highlighted, and the other candidates. Decisions are recorded under the curator configured in
# `$PAPERFLOPS_CURATOR` or `~/.config/paperflops/curator` (or the `curator` parameter below,
# set once for this session). The same actions are methods of `db.curation.Reviewer`:
# `accept`, `correct`, `reject`, `add`, `mark_out_of_scope`, `apply`.

# %%
import json

from IPython.display import HTML, display

from db.curation import Reviewer, queue_frame
from db.engine import migrate
from flows.review_ui import ReviewApp, candidates_frame, evidence_image, item_html

# %% tags=["parameters"]
db_url = None  # None: $PAPERFLOPS_DB_URL, else the SQLite file paperflops.sqlite
curator = None  # None: $PAPERFLOPS_CURATOR or ~/.config/paperflops/curator
scripted_action = None  # JSON of one decision for headless runs (db.curation.Reviewer.apply)
pdf_root = None  # folder to look for PDFs that moved since extraction
status = "open"  # open (pending + conflict), curated, all, pending, conflict, corrected, ...
field = None  # kind or field key: result, size, training, param_count, imagenet/top1_accuracy
benchmark = None
paper = None

# %%
reviewer = Reviewer(db_url, curator=curator)
migrate(reviewer.engine)
filters = {"status": status, "field": field, "benchmark": benchmark, "paper": paper}

# %% [markdown]
# ## Queue

# %%
queue = reviewer.queue(**filters)
display(HTML(f"<b>{len(queue)} item(s)</b> ({status})"))
display(queue_frame(queue).head(30))

# %% [markdown]
# ## First item: value, evidence, other candidates

# %%
if queue:
    item = queue[0]
    display(HTML(item_html(item)))
    image = evidence_image(reviewer, item, pdf_root=pdf_root)
    display(image if image is not None else "no page image: the PDF was not found")
    display(candidates_frame(item))

# %% [markdown]
# ## Scripted decision (headless runs)

# %%
if scripted_action:
    spec = json.loads(scripted_action) if isinstance(scripted_action, str) else scripted_action
    reviewer.apply(spec)
    decided = queue_frame(reviewer.queue(status="all", paper=spec["paper_id"]))
    display(HTML("<b>after the scripted decision</b>"))
    display(decided[decided["status"] != "pending"])

# %% [markdown]
# ## Review with widgets

# %%
app = ReviewApp(reviewer, pdf_root=pdf_root, **{k: v for k, v in filters.items() if v})
display(app.widget)
