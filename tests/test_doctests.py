"""The examples in the docstrings of the planner's API run and give what they show.

Covers the modules of :class:`~layout_opt.Scenario`, :func:`~layout_opt.solve`,
:func:`~layout_opt.compare` and :class:`~layout_opt.Plan` (small synthetic districts,
seconds each).  Other modules' docstrings are not run here.
"""

from __future__ import annotations

import doctest
import io

import pytest

import layout_opt
import layout_opt.api
import layout_opt.kpis
import layout_opt.plan
import layout_opt.scenario

MODULES = [layout_opt.scenario, layout_opt.api, layout_opt.kpis, layout_opt.plan]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module):
    out = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    tests = [t for t in doctest.DocTestFinder().find(module) if t.examples]
    assert tests, f"{module.__name__} has no examples"
    for test in tests:
        runner.run(test, out=out.write)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, out.getvalue()


@pytest.mark.parametrize(
    "obj", [layout_opt.Scenario, layout_opt.solve, layout_opt.Plan, layout_opt.compare], ids=lambda o: o.__name__
)
def test_the_entry_points_have_runnable_examples(obj):
    """Scenario, solve, Plan and compare each show an example in their own docstring."""
    examples = doctest.DocTestParser().get_examples(obj.__doc__ or "")
    assert len(examples) >= 2
    assert obj.__module__ in {m.__name__ for m in MODULES}
