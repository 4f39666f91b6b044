"""The notebooks in ``notebooks/`` run top to bottom, each within two minutes, and are
committed without outputs.

Each notebook is executed with nbclient in a fresh ``python3`` kernel, from ``notebooks/``
(as Jupyter opens it) and, for the fastest one, from the repository root (the notebooks find
the data folder from either).  A notebook that raises fails the test with the cell's error;
a last cell, added for the test, checks every plan the notebook holds.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01_quickstart", "02_scenarios", "03_one_town"]
BUDGET_S = 120.0


def test_every_notebook_is_tested():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: clear the outputs before committing"


#: Appended to each notebook run: every plan the notebook holds (a variable, a dict of
#: plans, or a sweep's ``plans``) passes ``check()``.
CHECK_PLANS = """
import layout_opt as _lo
_plans = {}
for _name, _value in list(globals().items()):
    if isinstance(_value, _lo.Plan):
        _plans[_name] = _value
    _inner = getattr(_value, "plans", _value)
    if isinstance(_inner, dict):
        _plans |= {f"{_name}[{_k!r}]": _p for _k, _p in _inner.items() if isinstance(_p, _lo.Plan)}
assert _plans, "the notebook holds no plan"
_broken = {_n: _p.check()["rule"].tolist() for _n, _p in _plans.items() if not _p.check().empty}
assert not _broken, _broken
print(f"{len(_plans)} plan(s) checked")
"""


def _run(name: str, cwd: Path) -> float:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(CHECK_PLANS))
    client = NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(cwd)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_within_two_minutes(name):
    seconds = _run(name, NOTEBOOKS)
    print(f"{name}: {seconds:.1f} s")
    assert seconds < BUDGET_S, f"{name} took {seconds:.0f} s; the budget is {BUDGET_S:.0f} s"


@pytest.mark.slow
def test_a_notebook_runs_from_the_repository_root():
    assert _run("03_one_town", ROOT) < BUDGET_S
