"""Targeted rule mutations: does a fast test fail when a rule of the model, an entry of a
rule table or a rule of the plan checker is changed?

Usage::

    python scripts/mutate.py                     # every mutation, the Markdown table on stdout
    python scripts/mutate.py --list              # the mutations, checked against the sources
    python scripts/mutate.py --only stay-row --only beds-row
    python scripts/mutate.py --tests tests/test_check.py tests/test_model.py
    python scripts/mutate.py --output scripts/MUTATIONS.md

Each mutation is one or more exact edits of one source file of ``src/layout_opt``: a rule
of the layout model removed (a row family of :mod:`layout_opt.model.build` made
vacuous, a filter of the allowed positions dropped, a cost term priced at 0), an entry of
a rule table altered (:mod:`layout_opt.schema`, the defaults of
:class:`layout_opt.Scenario`, the boarding-rule bands) or a rule of
:mod:`layout_opt.check` removed or altered.  The edit is applied to a temporary copy of
the repository (``src``, ``tests``, ``scenarios``, ``data``, ``pyproject.toml``), the copy's
``src`` is put first on ``PYTHONPATH``, and the fast tests run there::

    python -m pytest -q -x -m "not slow" -p no:cacheprovider <tests>

A mutation is **killed** when a test fails (the first failing test is reported),
**survived** when every test passes, and **equivalent** when it survives and is marked
as unable to change any plan (the reason is given).  Before the mutations, the unmutated
copy must pass and a canary mutation (an exception raised when the copy's package is
imported) must be killed: the tests import the copy, not the installed package.
Hypothesis does not shrink failing examples in the copy (a failure found is a kill).

The working tree is never written: ``git status --porcelain`` is compared before and after
the run (the file given with ``--output`` is written after that comparison).  The exit
status is 1 when a mutation that is not marked equivalent survives.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger("mutate")

ROOT = Path(__file__).resolve().parent.parent
#: What the copy holds (the tests read ``scenarios/`` and ``data/`` from the repository root).
COPIED: tuple[str, ...] = ("src", "tests", "scenarios", "data", "pyproject.toml")
#: The fast test files, in the order they run: the checker's corrupted plans first (they
#: solve a dozen tiny plans once), then the model's hand-made and random districts.
DEFAULT_TESTS: tuple[str, ...] = (
    "tests/test_check.py",
    "tests/test_model.py",
    "tests/test_diagnose.py",
    "tests/test_scenario.py",
)
PYTEST_ARGS: tuple[str, ...] = ("-q", "-x", "-m", "not slow", "-p", "no:cacheprovider")
#: A pytest plugin written into the copy: Hypothesis reports the first failing example
#: without shrinking it (shrinking a mutant's failure only costs time).
HYPOTHESIS_PLUGIN = '''"""Hypothesis settings of a mutation run: no shrinking, no example database."""
from hypothesis import Phase, settings

settings.register_profile("mutate", phases=[Phase.explicit, Phase.reuse, Phase.generate], database=None)
settings.load_profile("mutate")
'''
CANARY_MESSAGE = "mutation canary: the tests import the copy"

BUILD = "src/layout_opt/model/build.py"
SOLVE = "src/layout_opt/model/solve.py"
PROBLEM = "src/layout_opt/model/problem.py"
POSITIONS = "src/layout_opt/model/positions.py"
SCHEMA = "src/layout_opt/schema.py"
SCENARIO = "src/layout_opt/scenario.py"
CHECK = "src/layout_opt/check.py"

RULE = "model rule removed"
TABLE = "rule table altered"
CHECKER = "checker rule"


@dataclass(frozen=True)
class Mutation:
    """Exact edits of one source file.

    Attributes
    ----------
    name : str
        Short identifier (``--only``).
    group : str
        :data:`RULE`, :data:`TABLE` or :data:`CHECKER`.
    file : str
        Path of the source file, relative to the repository root.
    edits : tuple of (str, str)
        ``(old, new)`` pairs; each ``old`` occurs exactly once in the file.
    description : str
        What the mutation changes, in the words of the rule.
    equivalent : str or None
        Why the mutation cannot change any plan, when it cannot.
    """

    name: str
    group: str
    file: str
    edits: tuple[tuple[str, str], ...]
    description: str
    equivalent: str | None = None

    def apply(self, text: str) -> str:
        """The file's text with every edit made.

        Raises
        ------
        ValueError
            When an ``old`` snippet does not occur exactly once (the source has changed).
        """
        for old, new in self.edits:
            n = text.count(old)
            if n != 1:
                raise ValueError(f"{self.name}: the snippet {old!r} occurs {n} times in {self.file}, not once")
            text = text.replace(old, new)
        return text


def _m(name: str, group: str, file: str, old: str, new: str, description: str, **kw) -> Mutation:
    return Mutation(name, group, file, ((old, new),), description, **kw)


def _drop_line(name: str, file: str, line: str, description: str, group: str = CHECKER) -> Mutation:
    """Remove one whole line (given without its newline): a ``pass`` of the same indentation
    takes its place, so that a block it was alone in stays valid Python."""
    indent = line[: len(line) - len(line.lstrip())]
    return _m(name, group, file, line + "\n", indent + "pass\n", description)


def _drop_entry(name: str, file: str, line: str, description: str, group: str = RULE) -> Mutation:
    """Remove one whole line (given without its newline) of a tuple or list."""
    return _m(name, group, file, line + "\n", "", description)


MUTATIONS: tuple[Mutation, ...] = (
    # ------------------------------------------------------------------ rules of the model removed
    _m(
        "moved-site-closes",
        RULE,
        PROBLEM,
        "        close_by = np.minimum(close_by, moved_away_year(s))\n",
        "",
        "a school that moves to a new site (moves_to) need not close when the site opens",
    ),
    _m(
        "class-cap-row",
        RULE,
        BUILD,
        '-const,\n                    label=("class_cap", k, int(s), int(gr)),',
        'INF,\n                    label=("class_cap", k, int(s), int(gr)),',
        "class cap row (pupils of a class group <= cap x classes) removed",
    ),
    _m(
        "fewest-classes",
        RULE,
        SOLVE,
        "    values = fewest_classes(model, result.values)",
        "    values = result.values",
        "a plan's class counts left where the solver put them (more classes than the pupils need)",
    ),
    _m(
        "classrooms-row",
        RULE,
        BUILD,
        'blk.add_row("classrooms", cols, vals, -INF, float(problem.rooms[s]),',
        'blk.add_row("classrooms", cols, vals, -INF, INF,',
        "one classroom per class every year (build before close) removed",
    ),
    Mutation(
        "school-size-row",
        RULE,
        BUILD,
        (
            (
                '-const,\n                    label=("school_size", k, int(s)),',
                'INF,\n                    label=("school_size", k, int(s)),',
            ),
            (
                'float(size_cap[s]) - const,\n                    label=("school_size", k, int(s)),',
                'INF,\n                    label=("school_size", k, int(s)),',
            ),
        ),
        "school-size cap rows (both forms) removed",
    ),
    _m(
        "day-limit",
        RULE,
        PROBLEM,
        "day = base & (t <= self.day_limit_min[b])",
        "day = base & np.isfinite(t)",
        "day trip limit dropped from the allowed positions",
    ),
    _m(
        "boarding-limit",
        RULE,
        PROBLEM,
        "& (t <= self.boarding_limit_min[b])",
        "& np.isfinite(t)",
        "boarding trip limit dropped from the allowed positions",
    ),
    _m(
        "boarding-bands-rule",
        RULE,
        PROBLEM,
        "board = np.array([scenario.boarding_limit_min if b in scenario.boarding_bands else 0.0 for b in BANDS])",
        "board = np.array([scenario.boarding_limit_min for b in BANDS])",
        "every band may board (boarding_bands ignored)",
    ),
    _m(
        "boarding-needs-beds",
        RULE,
        PROBLEM,
        "board_ok = (self.beds > 0) | self.may_add_beds",
        "board_ok = np.ones(len(self.beds), dtype=bool)",
        "boarding positions no longer need a school with beds or that may add them",
    ),
    _m(
        "boarding-by-choice",
        RULE,
        PROBLEM,
        "& ((t > self.day_limit_min[b]) | (km >= self.boarding_min_km))",
        "& (t > self.day_limit_min[b])",
        "boarding from boarding_min_km within the day limit dropped (only beyond it)",
    ),
    _m(
        "boarding-from-next-door",
        RULE,
        PROBLEM,
        "& ((t > self.day_limit_min[b]) | (km >= self.boarding_min_km))",
        "",
        "boarding allowed from any distance (boarding_min_km dropped)",
    ),
    _m(
        "beds-row",
        RULE,
        BUILD,
        'float(problem.beds[s]) - const_b, label=("beds", k, int(s))',
        'INF, label=("beds", k, int(s))',
        "beds >= boarders row removed",
    ),
    _m(
        "boarding-town-row",
        RULE,
        BUILD,
        'blk.add_row("boarding_town", cols, 1.0, float(n_need), INF,',
        'blk.add_row("boarding_town", cols, 1.0, 0.0, INF,',
        "boarding schools per town (define_boarding_towns) removed",
    ),
    _m(
        "boarding-town-open",
        RULE,
        BUILD,
        'blk.add_row("boarding_open", [c, open_idx[s, k]], [1.0, -1.0], -INF, 0.0)',
        'blk.add_row("boarding_open", [c, open_idx[s, k]], [1.0, -1.0], -INF, INF)',
        "a town's boarding school need not be open",
    ),
    _m(
        "boarding-town-beds",
        RULE,
        BUILD,
        "if problem.beds[s] < problem.min_boarding_beds:",
        "if False:",
        "a town's boarding school needs no min_boarding_beds",
    ),
    _m(
        "min-boarders",
        RULE,
        BUILD,
        "if problem.min_boarders > 0:",
        "if False:",
        "a town's boarding school needs no min_boarders",
    ),
    _m(
        "three-concentrations",
        RULE,
        PROBLEM,
        "                all(\n                    (ur[j] in scenario.expand_ur_codes(lv))",
        "                True\n                or all(\n                    (ur[j] in scenario.expand_ur_codes(lv))",
        "every site may grow (three concentrations / may-grow rule removed)",
    ),
    _m(
        "central-village-grows",
        RULE,
        PROBLEM,
        ' or (lv in ("primary", "preschool") and central[j])\n',
        "\n",
        "a central village's primary (or kindergarten) may no longer grow",
    ),
    _m(
        "planned-adds-rooms",
        RULE,
        PROBLEM,
        "max_added = np.where(may_grow & ~planned,",
        "max_added = np.where(may_grow,",
        "a planned project may add classrooms",
    ),
    _drop_entry(
        "rooms-cumulative",
        BUILD,
        '        ("rooms_cumulative", rooms_idx, -1.0),',
        "added classrooms need not accumulate (a classroom built may vanish)",
        RULE,
    ),
    _drop_entry(
        "beds-cumulative",
        BUILD,
        '        ("beds_cumulative", beds_idx, -1.0),',
        "added beds need not accumulate",
        RULE,
    ),
    _drop_entry("stay-closed", BUILD, '        ("stay_closed", open_idx, 1.0),', "closed stays closed removed", RULE),
    _m(
        "open-link",
        RULE,
        BUILD,
        'blk.add_pair_rows("link", cols[at_cand], open_idx[t_s[rows][at_cand], k], -1.0, -INF, 0.0)',
        'blk.add_pair_rows("link", cols[at_cand], open_idx[t_s[rows][at_cand], k], -1.0, -INF, INF)',
        "pupils only at open schools (x <= open) removed",
    ),
    _m(
        "closure-target",
        RULE,
        BUILD,
        "    if min_closures <= 0:\n        return\n    cand = unit.candidates(problem)",
        "    if True:\n        return\n    cand = unit.candidates(problem)",
        "closure target row removed",
    ),
    _m(
        "assign-row",
        RULE,
        BUILD,
        'blk.add_row("assign", cols, 1.0, 1.0, 1.0, label=label)',
        'blk.add_row("assign", cols, 1.0, 0.0, 1.0, label=label)',
        "every group placed (one position each) relaxed to at most one",
    ),
    _m(
        "stay-row",
        RULE,
        BUILD,
        'lo,\n                            INF,\n                            label=("stay", int(q), k, int(s)),',
        '-INF,\n                            INF,\n                            label=("stay", int(q), k, int(s)),',
        "stay row of enrolled pupils at a closure candidate removed",
    ),
    _m(
        "stay-rule",
        RULE,
        BUILD,
        "            if prev is None:\n                rows, cols = catchment(v, b)[k]",
        "            if True:\n                rows, cols = catchment(v, b)[k]",
        "stay rule removed: enrolled pupils follow the catchment every year",
    ),
    _m(
        "to-catchment",
        RULE,
        BUILD,
        'blk.add_pair_rows("to_catchment", cols[moving], target, -1.0, -INF, 0.0)',
        'blk.add_pair_rows("to_catchment", cols[moving], target, -1.0, -INF, INF)',
        "pupils who move need not go to their catchment",
    ),
    _m(
        "catchment-stays",
        RULE,
        BUILD,
        "-1.0 if o >= 0 else 0.0,",
        "-INF,",
        "a catchment need not stay while its school is open",
    ),
    Mutation(
        "same-mode",
        RULE,
        BUILD,
        (
            (
                'blk.add_row("same_mode", [col], [1.0], -INF, 0.0)',
                'blk.add_row("same_mode", [col], [1.0], -INF, INF)',
            ),
            (
                'blk.add_row("same_mode", [col, c], [1.0, 1.0], -INF, 1.0)',
                'blk.add_row("same_mode", [col, c], [1.0, 1.0], -INF, INF)',
            ),
        ),
        "pupils who stay need not keep their mode",
    ),
    _m(
        "catchment-zones",
        RULE,
        PROBLEM,
        "if zoned and self.zoned_band[b]:",
        "if False:",
        "catchment zones removed",
    ),
    _m(
        "subdistricts-one-zone",
        RULE,
        PROBLEM,
        'return "主城区"',
        'return str(towns.at[code, "town"])',
        "the subdistricts of the main urban area are separate zones",
    ),
    _m(
        "small-school-own-village",
        RULE,
        PROBLEM,
        "host_only=candidate & scenario.small_schools_keep_own_village_only,",
        "host_only=candidate & False,",
        "a kept small school may take other villages' pupils",
    ),
    _m(
        "senior-relocation",
        RULE,
        PROBLEM,
        "close_by = np.where(outside, scenario.senior_relocation_year, NEVER)",
        "close_by = np.where(outside, NEVER, NEVER)",
        "high schools outside the main urban area no longer close",
    ),
    _m(
        "planned-open-year",
        RULE,
        PROBLEM,
        'open_from = np.where(planned, s["open_year"].to_numpy(np.int64), -NEVER)',
        "open_from = np.where(planned, -NEVER, -NEVER)",
        "a planned project takes pupils before its opening year",
    ),
    _m(
        "candidate-planned-band",
        RULE,
        PROBLEM,
        "        candidate &= teaches[:, [b in bands for b in BANDS]].any(axis=1)\n",
        "",
        "a candidate need not teach a planned band",
    ),
    _m(
        "small-school-boundary",
        RULE,
        PROBLEM,
        "(enrol < scenario.small_school_pupils)",
        "(enrol <= scenario.small_school_pupils)",
        "a school of exactly small_school_pupils is a closure candidate",
    ),
    _m(
        "caps-today",
        RULE,
        PROBLEM,
        "class_cap_today=np.where(class_cap > 0, np.maximum(class_cap, per_class_today[:, None]), 0),",
        "class_cap_today=class_cap,",
        "before caps_from_year a school over the class cap may not keep today's class size",
    ),
    _m(
        "caps-from-year",
        RULE,
        PROBLEM,
        "return self.class_cap if self.years[k] >= self.caps_from_year else self.class_cap_today",
        "return self.class_cap if self.years[k] > self.caps_from_year else self.class_cap_today",
        "the class caps hold from the year after caps_from_year",
    ),
    _m(
        "mixed-classes",
        RULE,
        PROBLEM,
        "class_group[j, g - 1] = grades[0] - 1 if mixed else g - 1",
        "class_group[j, g - 1] = g - 1",
        "a teaching point's grades no longer share mixed classes",
    ),
    _m(
        "bus-bands",
        RULE,
        PROBLEM,
        "& bool(self.bus_band[b]),",
        "& True,",
        "every band's day pupils beyond the walking distance ride buses (bus_bands ignored)",
    ),
    _m(
        "teachers-per-class",
        RULE,
        BUILD,
        "np.r_[1.0, -np.full(len(cls), problem.min_teachers_per_class)],",
        "np.r_[1.0, -np.full(len(cls), 0.0)],",
        "teachers per class staffing floor removed",
    ),
    _m(
        "teachers-ratio",
        RULE,
        BUILD,
        'const,\n                INF,\n                label=("teachers", k, int(s)),',
        '-INF,\n                INF,\n                label=("teachers", k, int(s)),',
        "pupils per teacher staffing row removed",
    ),
    _m(
        "bus-cost",
        RULE,
        BUILD,
        'blk.add_cost("buses", b, problem.year_weight[k] * problem.bus_cost_yuan)',
        'blk.add_cost("buses", b, 0.0 * problem.bus_cost_yuan)',
        "bus fleet cost term removed",
    ),
    _m(
        "bus-km-cost",
        RULE,
        BUILD,
        '("buses", bus_km)):',
        '("buses", 0.0 * bus_km)):',
        "bus-kilometre cost term removed",
    ),
    _m(
        "boarding-cost",
        RULE,
        BUILD,
        "boarding = w * n * (mode == BOARDING) * problem.boarding_cost_yuan",
        "boarding = w * n * (mode == BOARDING) * 0.0",
        "boarding cost term removed",
    ),
    _m(
        "running-cost",
        RULE,
        BUILD,
        'blk.add_cost("running", open_idx[s, ks], w[ks] * problem.school_cost_yuan[s])',
        'blk.add_cost("running", open_idx[s, ks], 0.0 * w[ks])',
        "running cost of a candidate kept open removed",
    ),
    _m(
        "teacher-cost",
        RULE,
        BUILD,
        'blk.add_cost("running", t, problem.year_weight[k] * problem.teacher_cost_yuan)',
        'blk.add_cost("running", t, 0.0 * problem.teacher_cost_yuan)',
        "teacher cost term removed",
    ),
    _m(
        "travel-cost",
        RULE,
        BUILD,
        '(("travel", travel),',
        '(("travel", 0.0 * travel),',
        "travel time cost term removed",
    ),
    _m(
        "room-cost",
        RULE,
        BUILD,
        'blk.add_cost("capital", rooms_idx[s], problem.room_cost_yuan[s] * step)',
        'blk.add_cost("capital", rooms_idx[s], 0.0 * step)',
        "capital cost of added classrooms removed",
    ),
    _m(
        "bed-cost",
        RULE,
        BUILD,
        'blk.add_cost("capital", beds_idx[s], problem.bed_cost_yuan[s] * step)',
        'blk.add_cost("capital", beds_idx[s], 0.0 * step)',
        "capital cost of added beds removed",
    ),
    _m(
        "reassignment-cost",
        RULE,
        BUILD,
        "cw * n_m * problem.reassignment_cost_yuan)",
        "0.0 * cw * n_m)",
        "reassignment cost term removed",
    ),
    # ------------------------------------------------------------------ rule tables altered
    _m(
        "size-cap-junior",
        TABLE,
        SCHEMA,
        '    "junior": "junior",\n    "nine_year": "nine_year",',
        '    "junior": "senior",\n    "nine_year": "nine_year",',
        'SIZE_CAP_CLASS_OF_KIND["junior"] = "senior"',
    ),
    _m(
        "size-cap-nine-year",
        TABLE,
        SCHEMA,
        '    "nine_year": "nine_year",',
        '    "nine_year": "primary",',
        'SIZE_CAP_CLASS_OF_KIND["nine_year"] = "primary"',
    ),
    _m(
        "size-cap-teaching-point",
        TABLE,
        SCHEMA,
        'SIZE_CAP_CLASS_OF_KIND: Final[dict[str, str]] = {\n    "teaching_point": "primary",',
        'SIZE_CAP_CLASS_OF_KIND: Final[dict[str, str]] = {\n    "teaching_point": "senior",',
        'SIZE_CAP_CLASS_OF_KIND["teaching_point"] = "senior"',
    ),
    _m(
        "level-of-band",
        TABLE,
        SCHEMA,
        '    "upper_primary": "primary",\n    "junior": "junior",\n    "senior": "senior",',
        '    "upper_primary": "junior",\n    "junior": "junior",\n    "senior": "senior",',
        'LEVEL_OF_BAND["upper_primary"] = "junior"',
    ),
    _m(
        "grades-of-band",
        TABLE,
        SCHEMA,
        '    "lower_primary": (1, 2, 3),\n    "upper_primary": (4, 5, 6),',
        '    "lower_primary": (1, 2, 3, 4),\n    "upper_primary": (5, 6),',
        'GRADES_OF_BAND: grade 4 in "lower_primary"',
    ),
    _m(
        "bands-of-teaching-point",
        TABLE,
        SCHEMA,
        '    "teaching_point": ("lower_primary",),',
        '    "teaching_point": ("lower_primary", "upper_primary"),',
        'BANDS_OF_KIND["teaching_point"] also teaches "upper_primary"',
    ),
    _m(
        "level-of-kind",
        TABLE,
        SCHEMA,
        '    "junior": "junior",\n    "nine_year": "primary",\n    "high": "senior",',
        '    "junior": "junior",\n    "nine_year": "junior",\n    "high": "senior",',
        'LEVEL_OF_KIND["nine_year"] = "junior" (the level of its added seats)',
    ),
    _m(
        "room-level",
        TABLE,
        PROBLEM,
        "        room_cost = np.array([scenario.room_price_yuan(LEVEL_OF_KIND[k]) for k in kinds], dtype=float)\n",
        "        room_cost = np.array([scenario.room_price_yuan(LEVEL_OF_KIND[k]) for k in kinds], dtype=float)\n"
        '        room_seats = np.where(kinds == "nine_year", scenario.class_cap("junior"), room_seats)\n'
        '        room_cost = np.where(kinds == "nine_year", scenario.room_price_yuan("junior"), room_cost)\n',
        "a nine-year school's classroom sized and priced at the junior class cap",
    ),
    _m(
        "boarding-rule-bands",
        TABLE,
        POSITIONS,
        '{"primary": "upper_primary", "junior": "junior"}',
        '{"primary": "lower_primary", "junior": "junior"}',
        'BOARDING_RULE_BANDS["primary"] = "lower_primary"',
    ),
    _m(
        "class-cap-primary",
        TABLE,
        SCENARIO,
        "    class_cap_primary: int = 45\n",
        "    class_cap_primary: int = 50\n",
        "class_cap_primary default 45 -> 50",
    ),
    _m(
        "class-cap-junior",
        TABLE,
        SCENARIO,
        "    class_cap_junior: int = 50\n",
        "    class_cap_junior: int = 45\n",
        "class_cap_junior default 50 -> 45",
    ),
    _m(
        "class-cap-teaching-point",
        TABLE,
        SCENARIO,
        "    class_cap_teaching_point: int = 25\n",
        "    class_cap_teaching_point: int = 30\n",
        "class_cap_teaching_point default 25 -> 30",
    ),
    _m(
        "class-cap-teaching-point-use",
        TABLE,
        PROBLEM,
        "class_cap[j, g - 1] = scenario.class_cap_teaching_point if mixed else scenario.class_cap_of_grade(g)",
        "class_cap[j, g - 1] = scenario.class_cap_of_grade(g)",
        "a teaching point's mixed classes at the primary class cap",
    ),
    Mutation(
        "school-caps",
        TABLE,
        SCENARIO,
        (
            ("    school_cap_primary: int = 2000\n", "    school_cap_primary: int = 2200\n"),
            ("    school_cap_junior: int = 2000\n", "    school_cap_junior: int = 2200\n"),
            ("    school_cap_nine_year: int = 2500\n", "    school_cap_nine_year: int = 2750\n"),
            ("    school_cap_senior: int = 3000\n", "    school_cap_senior: int = 3300\n"),
        ),
        "every school-size cap default +10 %",
    ),
    _m(
        "day-limit-lower",
        TABLE,
        SCENARIO,
        "    day_limit_lower_primary_min: float = 30.0\n",
        "    day_limit_lower_primary_min: float = 35.0\n",
        "day_limit_lower_primary_min default 30 -> 35",
    ),
    _m(
        "day-limit-junior",
        TABLE,
        SCENARIO,
        "    day_limit_junior_min: float = 45.0\n",
        "    day_limit_junior_min: float = 50.0\n",
        "day_limit_junior_min default 45 -> 50",
    ),
    _m(
        "boarding-limit-default",
        TABLE,
        SCENARIO,
        "    boarding_limit_min: float = 90.0\n",
        "    boarding_limit_min: float = 100.0\n",
        "boarding_limit_min default 90 -> 100",
    ),
    _m(
        "boarding-bands",
        TABLE,
        SCENARIO,
        '    boarding_bands: tuple[str, ...] = ("upper_primary", "junior", "senior")\n',
        '    boarding_bands: tuple[str, ...] = ("junior", "senior")\n',
        'boarding_bands default without "upper_primary"',
    ),
    _m(
        "expand-primary",
        TABLE,
        SCENARIO,
        "    expand_ur_codes_primary: tuple[int, ...] = (111, 112, 121, 122)\n",
        "    expand_ur_codes_primary: tuple[int, ...] = (111, 112, 121)\n",
        "expand_ur_codes_primary default without 122",
    ),
    _m(
        "expand-junior",
        TABLE,
        SCENARIO,
        "    expand_ur_codes_junior: tuple[int, ...] = (111, 112, 121, 122)\n",
        "    expand_ur_codes_junior: tuple[int, ...] = (111, 112, 122)\n",
        "expand_ur_codes_junior default without 121",
    ),
    _m(
        "expand-senior",
        TABLE,
        SCENARIO,
        "    expand_ur_codes_senior: tuple[int, ...] = (111, 112)\n",
        "    expand_ur_codes_senior: tuple[int, ...] = (111, 112, 121)\n",
        "expand_ur_codes_senior default with 121",
    ),
    _m(
        "pupils-per-teacher",
        TABLE,
        SCENARIO,
        "    pupils_per_teacher_primary: float = 19.0\n    pupils_per_teacher_junior: float = 13.5\n",
        "    pupils_per_teacher_primary: float = 13.5\n    pupils_per_teacher_junior: float = 19.0\n",
        "pupils_per_teacher defaults of primary and junior swapped",
    ),
    _m(
        "pupils-per-teacher-use",
        TABLE,
        PROBLEM,
        "teachers_per_pupil=np.tile([1.0 / scenario.pupils_per_teacher(LEVEL_OF_BAND[b]) for b in BANDS], (S, 1)),",
        'teachers_per_pupil=np.tile([1.0 / scenario.pupils_per_teacher("primary") for b in BANDS], (S, 1)),',
        "every level staffed at the primary pupils per teacher",
    ),
    _m(
        "min-boarders-default",
        TABLE,
        SCENARIO,
        "    min_boarders: int = 20\n",
        "    min_boarders: int = 15\n",
        "min_boarders default 20 -> 15",
    ),
    _m(
        "senior-urban-codes",
        TABLE,
        SCENARIO,
        "    senior_urban_ur_codes: tuple[int, ...] = (111, 112)\n",
        "    senior_urban_ur_codes: tuple[int, ...] = (111,)\n",
        "senior_urban_ur_codes default without 112",
    ),
    # ------------------------------------------------------------------ the checker's rules and tables
    _m(
        "check-room-level",
        CHECKER,
        CHECK,
        '    "junior": "junior",\n    "nine_year": "primary",\n    "high": "senior",\n    "kindergarten": "preschool",\n}\n#: Pupils per teacher',
        '    "junior": "junior",\n    "nine_year": "junior",\n    "high": "senior",\n    "kindergarten": "preschool",\n}\n#: Pupils per teacher',
        'check: ROOM_LEVEL_OF_KIND["nine_year"] = "junior"',
    ),
    _m(
        "check-teacher-level",
        CHECKER,
        CHECK,
        'g: "primary" if g <= 6 else "junior" if g <= 9 else "senior"',
        'g: "primary" if g <= 5 else "junior" if g <= 9 else "senior"',
        'check: TEACHER_LEVEL_OF_GRADE[6] = "junior"',
    ),
    _m(
        "check-entry-grades",
        CHECKER,
        CHECK,
        "ENTRY_GRADES: tuple[int, ...] = (1, 7, 10, 13)",
        "ENTRY_GRADES: tuple[int, ...] = (1, 10, 13)",
        "check: ENTRY_GRADES without grade 7",
    ),
    _m(
        "check-urban-zone",
        CHECKER,
        CHECK,
        'vid: ("urban" if kind_of_town.get(str(t)) == "subdistrict" else str(t))',
        "vid: str(t)",
        "check: the subdistricts are separate zones",
    ),
    _m(
        "check-candidate-boundary",
        CHECKER,
        CHECK,
        "and enrol < scenario.small_school_pupils",
        "and enrol <= scenario.small_school_pupils",
        "check: a school of exactly small_school_pupils is a candidate",
    ),
    _m(
        "check-central-village",
        CHECKER,
        CHECK,
        ' or (lv == "primary" and central) for lv in levels)',
        " for lv in levels)",
        "check: a central village's primary may not grow",
    ),
    _m(
        "check-day-limit",
        CHECKER,
        CHECK,
        'if r.mode == "day" and t > day + 1e-6:',
        "if False:",
        "check: day trip limit removed",
    ),
    _m(
        "check-boarding-limit",
        CHECKER,
        CHECK,
        "if t > sc.boarding_limit_min + 1e-6:",
        "if False:",
        "check: boarding trip limit removed",
    ),
    _m(
        "check-boarding-distance",
        CHECKER,
        CHECK,
        "if t <= day + 1e-6 and math.isfinite(km) and km < sc.boarding_min_km - 1e-9:",
        "if False:",
        "check: boarding from boarding_min_km removed",
    ),
    _m(
        "check-no-boarding-band",
        CHECKER,
        CHECK,
        "if r.band not in sc.boarding_bands:",
        "if False:",
        "check: bands that may not board removed",
    ),
    _m(
        "check-class-cap",
        CHECKER,
        CHECK,
        "if need > rooms:",
        "if False:",
        "check: class size cap removed",
    ),
    _m(
        "check-classes-above-need",
        CHECKER,
        CHECK,
        'if r.classes != need and r.status in ("open", "new"):',
        'if r.classes < need and r.status in ("open", "new"):',
        "check: more classes than the pupils need pass",
    ),
    _m(
        "check-size-cap",
        CHECKER,
        CHECK,
        "if pupils.sum() > size_cap:",
        "if False:",
        "check: school size cap removed",
    ),
    _m(
        "check-beds",
        CHECKER,
        CHECK,
        'if boarders > int(rec["beds"]) + int(r.added_beds):',
        "if False:",
        "check: beds >= boarders removed",
    ),
    _m(
        "check-teachers",
        CHECKER,
        CHECK,
        "if r.teachers < staff - 0.01:",
        "if False:",
        "check: staffing standard removed",
    ),
    _m(
        "check-closure-target",
        CHECKER,
        CHECK,
        "if sc.closure_target > 0 and len(closed_candidates) < sc.closure_target:",
        "if False:",
        "check: closure target removed",
    ),
    _m(
        "check-stays-closed",
        CHECKER,
        CHECK,
        'if any(x in ("open", "new") for y, x in zip(years, seq) if y > first):',
        "if False:",
        "check: closed stays closed removed",
    ),
    _m(
        "check-senior-relocation",
        CHECKER,
        CHECK,
        "if _outside_main_urban(rec, sc) and r.year >= sc.senior_relocation_year:",
        "if False:",
        "check: seniors outside the main urban area removed (pupils table)",
    ),
    _m(
        "check-own-village",
        CHECKER,
        CHECK,
        "        and ctx.candidate[r.school_id]\n",
        "        and False\n",
        "check: a kept small school keeps its own village removed",
    ),
    _m(
        "check-zone",
        CHECKER,
        CHECK,
        "        and not _enrolled_today(ctx, r)\n",
        "        and False\n",
        "check: catchment zone removed",
    ),
    _drop_line("check-schools-table", CHECK, "    _check_schools_table(ctx)", "check: _check_schools_table removed"),
    _drop_line("check-conserved", CHECK, "    _check_pupils_conserved(ctx)", "check: _check_pupils_conserved removed"),
    _drop_line("check-trip", CHECK, "        _check_trip(ctx, r)", "check: _check_trip removed"),
    _drop_line(
        "check-may-take", CHECK, "        _check_school_may_take(ctx, r, rec)", "check: _check_school_may_take removed"
    ),
    _drop_line(
        "check-catchments", CHECK, "    _check_catchments(ctx)", "check: _check_catchments (one catchment) removed"
    ),
    _drop_line(
        "check-enrolled-stay", CHECK, "        _check_enrolled_stay(ctx)", "check: _check_enrolled_stay removed"
    ),
    _drop_line("check-capacity", CHECK, "    _check_capacity(ctx, known)", "check: _check_capacity removed"),
    _drop_line(
        "check-beds-family",
        CHECK,
        "        _check_beds(ctx, r, rec, sum(board.get(key, {}).values()))",
        "check: _check_beds removed",
    ),
    _drop_line(
        "check-growth",
        CHECK,
        "        _check_growth(ctx, r, rec, prev.get(r.school_id))",
        "check: _check_growth removed",
    ),
    _drop_line("check-closures", CHECK, "    _check_closures(ctx)", "check: _check_closures removed"),
    _drop_line("check-closures-table", CHECK, "    _check_closures_table(ctx)", "check: _check_closures_table removed"),
    _drop_line("check-boarding-towns", CHECK, "    _check_boarding_towns(ctx)", "check: _check_boarding_towns removed"),
    _drop_line(
        "check-public-kindergartens",
        CHECK,
        "    _check_public_kindergartens(ctx)",
        "check: _check_public_kindergartens removed",
    ),
    _m(
        "check-moved-site",
        CHECKER,
        CHECK,
        '            if y >= moved and x not in ("closed", "missing"):',
        "            if False:",
        "check: a school that moves to a new site may stay open",
    ),
    _drop_line("check-costs", CHECK, "    _check_costs(ctx)", "check: _check_costs removed"),
    _drop_line("check-objective", CHECK, "    _check_objective(ctx, terms)", "check: _check_objective removed"),
)


@dataclass
class Outcome:
    """What the tests did with one mutation."""

    mutation: Mutation
    result: str  # killed, survived, equivalent, timeout
    first_failure: str
    seconds: float


def _copy_repository(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".hypothesis", ".pytest_cache")
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, dest / name)
    (dest / "_mutation_hypothesis.py").write_text(HYPOTHESIS_PLUGIN, encoding="utf-8")


def _environment(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(copy / "src"), str(copy)])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTEST_ADDOPTS", None)
    return env


_FAILURE = re.compile(r"^(FAILED|ERROR) (\S+)")
_CONFTEST = re.compile(r"^ImportError while loading conftest '(.*)'")


def _first_failure(output: str) -> str:
    """The first ``FAILED``/``ERROR`` test id of pytest's short summary, or the conftest
    that could not be imported."""
    for line in output.splitlines():
        m = _FAILURE.match(line)
        if m:
            return m.group(2)
    for line in output.splitlines():
        m = _CONFTEST.match(line)
        if m:
            return f"{Path(m.group(1)).parent.name}/{Path(m.group(1)).name} (import)"
    return ""


def run_tests(copy: Path, tests: list[str], timeout_s: float) -> tuple[int | None, str, float]:
    """Run the fast tests in ``copy``.

    Returns
    -------
    tuple
        pytest's exit code (``None`` on timeout), its output and the seconds taken.
    """
    cmd = [sys.executable, "-m", "pytest", *PYTEST_ARGS, "-p", "_mutation_hypothesis", *tests]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, cwd=copy, env=_environment(copy), capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return None, out, time.perf_counter() - t0
    return proc.returncode, proc.stdout + proc.stderr, time.perf_counter() - t0


def run_mutation(mutation: Mutation, tests: list[str], timeout_s: float) -> Outcome:
    """Apply ``mutation`` to a fresh copy of the repository and run the tests there."""
    with tempfile.TemporaryDirectory(prefix="layout-opt-mutant-") as tmp:
        copy = Path(tmp)
        _copy_repository(copy)
        target = copy / mutation.file
        target.write_text(mutation.apply(target.read_text(encoding="utf-8")), encoding="utf-8")
        code, output, seconds = run_tests(copy, tests, timeout_s)
    if code is None:
        return Outcome(mutation, "timeout", "", seconds)
    if code == 0:
        return Outcome(mutation, "equivalent" if mutation.equivalent else "survived", "", seconds)
    failure = _first_failure(output)
    if not failure:
        tail = "\n".join(output.splitlines()[-30:])
        raise RuntimeError(f"{mutation.name}: pytest exited with {code} and no failing test:\n{tail}")
    if mutation.equivalent:
        logger.warning("%s is marked equivalent but %s fails", mutation.name, failure)
    return Outcome(mutation, "killed", failure, seconds)


def check_copy_is_imported(tests: list[str], timeout_s: float) -> float:
    """The copy's package is the one imported, the unmutated copy passes, and a canary
    mutation of the copy's package is killed.  Returns the seconds of the unmutated run.

    Raises
    ------
    RuntimeError
        When any of the three does not hold.
    """
    with tempfile.TemporaryDirectory(prefix="layout-opt-mutant-") as tmp:
        copy = Path(tmp)
        _copy_repository(copy)
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import layout_opt, tests.tiny; print(layout_opt.__file__); print(tests.tiny.__file__)",
            ],
            cwd=copy,
            env=_environment(copy),
            capture_output=True,
            text=True,
            check=True,
        )
        for path in probe.stdout.split():
            if not Path(path).resolve().is_relative_to(copy.resolve()):
                raise RuntimeError(f"the tests would import {path}, not the copy in {copy}")
        code, output, seconds = run_tests(copy, tests, timeout_s)
        if code != 0:
            tail = "\n".join(output.splitlines()[-30:])
            raise RuntimeError(f"the unmutated copy does not pass the tests (exit {code}):\n{tail}")
        logger.info("unmutated copy: the tests pass in %.1f s", seconds)
        init = copy / "src" / "layout_opt" / "__init__.py"
        init.write_text(
            init.read_text(encoding="utf-8") + f"\nraise ImportError({CANARY_MESSAGE!r})\n", encoding="utf-8"
        )
        code, output, _ = run_tests(copy, tests, timeout_s)
        if code == 0 or CANARY_MESSAGE not in output:
            raise RuntimeError("the canary mutation of the copy was not seen by the tests")
        logger.info("canary mutation killed: the tests import the copy")
    return seconds


def _git_status() -> str | None:
    try:
        return subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        logger.warning("not a git checkout: the working tree is not compared")
        return None


def markdown(outcomes: list[Outcome], tests: list[str], total_s: float, baseline_s: float, command: str) -> str:
    """The report: command, date, the table and the totals."""
    counts = {r: sum(o.result == r for o in outcomes) for r in ("killed", "survived", "equivalent", "timeout")}
    lines = [
        "# Rule mutations",
        "",
        f"Command: `{command}`  ",
        f"Date: {dt.date.today().isoformat()}  ",
        f"Tests: `python -m pytest {shlex.join([*PYTEST_ARGS, *tests])}` (unmutated: pass in {baseline_s:.0f} s)",
        "",
        f"{len(outcomes)} mutations: {counts['killed']} killed, {counts['survived']} survived, "
        f"{counts['equivalent']} equivalent, {counts['timeout']} timed out; {total_s:.0f} s in all.",
        "",
        "| # | mutation | what changes | file | result | first failing test | s |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, o in enumerate(outcomes, 1):
        m = o.mutation
        result = o.result
        if o.result == "equivalent":
            result = f"equivalent: {m.equivalent}"
        test = f"`{o.first_failure}`" if o.first_failure else ""
        what = m.description.replace("|", "\\|")
        file = m.file.removeprefix("src/layout_opt/")
        lines.append(f"| {i} | `{m.name}` ({m.group}) | {what} | `{file}` | {result} | {test} | {o.seconds:.1f} |")
    return "\n".join(lines) + "\n"


def _select(names: list[str] | None) -> list[Mutation]:
    if not names:
        return list(MUTATIONS)
    wanted = [n for name in names for n in name.split(",") if n]
    known = {m.name: m for m in MUTATIONS}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise SystemExit(f"unknown mutation(s): {', '.join(unknown)} (see --list)")
    return [known[n] for n in dict.fromkeys(wanted)]


def main(argv: list[str] | None = None) -> int:
    """Run the mutations and print the table; see the module docstring."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--list", action="store_true", help="list the mutations (and check their snippets)")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only these mutations (repeat or comma)")
    parser.add_argument("--tests", nargs="+", default=list(DEFAULT_TESTS), help="test files, in the order they run")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds one mutation's tests may take")
    parser.add_argument("--output", type=Path, help="also write the report to this file (after the run)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each mutation's progress")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose or not args.list else logging.WARNING, format="%(message)s")

    selected = _select(args.only)
    for m in selected:  # every snippet still matches once, changes the file and leaves valid Python
        source = (ROOT / m.file).read_text(encoding="utf-8")
        mutated = m.apply(source)
        if mutated == source:
            raise SystemExit(f"{m.name} does not change {m.file}")
        try:
            compile(mutated, m.file, "exec")
        except SyntaxError as e:
            raise SystemExit(f"{m.name} leaves {m.file} invalid: {e}") from None
    names = {m.name for m in MUTATIONS}
    if len(names) != len(MUTATIONS):
        raise SystemExit("two mutations share a name")
    if args.list:
        for m in selected:
            print(f"{m.name:30s} {m.group:20s} {m.file.removeprefix('src/layout_opt/'):22s} {m.description}")
        return 0

    before = _git_status()
    t0 = time.perf_counter()
    baseline_s = check_copy_is_imported(args.tests, args.timeout)
    outcomes = []
    for i, m in enumerate(selected, 1):
        o = run_mutation(m, args.tests, args.timeout)
        outcomes.append(o)
        logger.info("[%d/%d] %-30s %-10s %5.1f s %s", i, len(selected), m.name, o.result, o.seconds, o.first_failure)
    total_s = time.perf_counter() - t0
    after = _git_status()
    if before != after:
        raise RuntimeError(f"the working tree changed during the run:\nbefore:\n{before}\nafter:\n{after}")
    command = "python scripts/mutate.py" + "".join(f" {a}" for a in (argv if argv is not None else sys.argv[1:]))
    report = markdown(outcomes, args.tests, total_s, baseline_s, command)
    print(report, end="")
    if args.output:
        args.output.write_text(report, encoding="utf-8")
    return 1 if any(o.result in ("survived", "timeout") for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
