"""Both notebooks run headless (papermill) on SQLite and PostgreSQL with a scripted correction;
the committed notebooks carry no outputs and match their jupytext .py pairs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from db.curation import FieldId, Reviewer
from tests.curation_data import RESNET, SCRIPTED_CORRECTION, seed

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
KERNEL = "python3"
CURATOR = "notebook-test"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def kernel() -> str:
    """The ``python3`` kernel spec; installed into this environment (--sys-prefix) if absent."""
    from jupyter_client.kernelspec import KernelSpecManager

    if KERNEL not in KernelSpecManager().find_kernel_specs():
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name",
                        KERNEL], check=True, capture_output=True)  # fmt: skip
    return KERNEL


def run(name: str, out: Path, kernel: str, **parameters: object) -> nbformat.NotebookNode:
    import papermill

    papermill.execute_notebook(str(NOTEBOOKS / name), str(out), parameters=parameters,
                               kernel_name=kernel, cwd=str(out.parent), progress_bar=False,
                               request_save_on_cell_execute=False, execution_timeout=300,
                               start_timeout=120)  # fmt: skip
    return nbformat.read(out, as_version=4)


def texts(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts += [str(data.get("text/html", "")), str(data.get("text/plain", ""))]
            parts.append(str(output.get("text", "")))
    return "\n".join(parts)


def has_image(nb: nbformat.NotebookNode) -> bool:
    return any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


@pytest.fixture
def corpus_pdf() -> Path | None:
    """A real PDF for the evidence image when ../shared is there (else the image is skipped)."""
    shared = Path(__file__).resolve().parents[2].parent / "shared"
    pdf = shared / "corpus" / "pdf" / "1512.03385.pdf"
    return pdf if pdf.is_file() else None


def test_review_notebook_applies_scripted_correction(engine, db_url, kernel, corpus_pdf,
                                                     tmp_path):  # fmt: skip
    seed(engine, pdf=corpus_pdf)
    nb = run("review.ipynb", tmp_path / "review.out.ipynb", kernel, db_url=db_url,
             curator=CURATOR, scripted_action=json.dumps(SCRIPTED_CORRECTION))  # fmt: skip
    field = FieldId.of(RESNET, "result", "ResNet-152", "imagenet/top1_error")
    item = Reviewer(engine).item(field)
    assert item.effective == {"value": 19.4, "unit": "%"} and item.status == "corrected"
    assert item.curation.curator == CURATOR
    out = texts(nb)
    assert "6 item(s)" in out  # the queue
    assert "after the scripted decision" in out and "corrected" in out and "19.4 %" in out
    assert "19.38 %" in out  # the candidates of the first item
    if corpus_pdf is not None:
        assert has_image(nb)  # the page cropped around the evidence


def test_explore_notebook_coverage_and_plot(engine, db_url, kernel, tmp_path):
    seed(engine)
    correction = {"action": "correct", "paper_id": RESNET, "kind": "size",
                  "model": "ResNet-152", "field_key": "param_count", "value": "60M"}  # fmt: skip
    nb = run("explore.ipynb", tmp_path / "explore.out.ipynb", kernel, db_url=db_url,
             curator=CURATOR, scripted_action=json.dumps(correction))  # fmt: skip
    size = Reviewer(engine).item(FieldId.of(RESNET, "size", "ResNet-152", "param_count"))
    assert size.effective == {"value": 6e7, "unit": "params"}
    out = texts(nb)
    assert "year" in out and "2014" in out and "2015" in out and "imagenet" in out
    assert "with_compute" in out and "curated" in out
    assert has_image(nb)  # the log-log plot


@pytest.mark.parametrize("name", ["review", "explore"])
def test_committed_notebooks_are_clean_and_paired(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count")
               for c in nb.cells if c.cell_type == "code")  # fmt: skip
    assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells)
    import jupytext

    paired = jupytext.read(NOTEBOOKS / f"{name}.py")
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert code == [c.source for c in paired.cells if c.cell_type == "code"]
