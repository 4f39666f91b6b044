"""Why a scenario has no plan, in a planner's words.

Two layers:

* :func:`presolve_checks` finds the plain causes before any solve: villages that no
  school can take within the travel limits, towns that cannot have a boarding school,
  capacity that runs out even with every allowed classroom built, a closure target above
  the number of candidates.
* :func:`explain_infeasible` handles the rest: an elastic copy of the model, where every
  rule that can break gets a penalised slack, shows which rules must give, naming the
  villages, schools and towns involved.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np

from .errors import InfeasibleError
from .model.problem import PlanningProblem
from .schema import BANDS, GRADES_OF_BAND, LEVEL_OF_BAND

logger = logging.getLogger(__name__)

#: Penalty per pupil of a village band left without a school in the elastic copy (other
#: rules cost 1 per classroom, pupil, bed, school or closure).
UNPLACED_PENALTY = 1000.0

_BAND_ZH = {
    "lower_primary": "grades 1-3",
    "upper_primary": "grades 4-6",
    "junior": "grades 7-9",
    "senior": "grades 10-12",
}


def _names(problem: PlanningProblem, villages: list[int], limit: int = 12) -> str:
    names = [f"{problem.village_names[v]} ({problem.village_ids[v]})" for v in villages[:limit]]
    more = f" and {len(villages) - limit} more" if len(villages) > limit else ""
    return ", ".join(names) + more


def presolve_checks(problem: PlanningProblem) -> None:
    """Raise :class:`InfeasibleError` for causes visible before solving.

    Parameters
    ----------
    problem : PlanningProblem
        The arrays of the scenario.

    Raises
    ------
    InfeasibleError
        Listing every cause found.
    """
    reasons: list[str] = []
    details: dict = {"unreachable": [], "towns_without_boarding": [], "capacity": [], "closure_target": None}
    K, V, S = problem.shape
    bd = problem.band_demand()
    avail = problem.available()
    pairs = problem.pairs()
    for b, band in enumerate(BANDS):
        for k, year in enumerate(problem.years):
            need = np.flatnonzero(bd[k, :, b] > 0)
            if len(need) == 0:
                continue
            pb = pairs[(pairs["b"] == b)]
            ok_s = avail[k, pb["s"].to_numpy()]
            reach = set(pb.loc[ok_s, "v"].tolist())
            missing = [int(v) for v in need if v not in reach]
            if missing:
                limit = f"{problem.day_limit_min[b]:.0f} min by day" + (
                    f" or {problem.boarding_limit_min[b]:.0f} min as boarders"
                    if problem.boarding_limit_min[b] > 0
                    else ""
                )
                reasons.append(
                    f"In {year}, {len(missing)} village(s) have no school for {_BAND_ZH[band]} within {limit}: {_names(problem, missing)}."
                )
                details["unreachable"] += [
                    {"year": int(year), "band": band, "village_id": problem.village_ids[v]} for v in missing
                ]
    if problem.boarding_schools_per_town > 0:
        # A school can board when it has the beds, or may add beds for a band that boards,
        # and is open that year; the rule holds every year.
        boarding_band = problem.boarding_limit_min > 0
        can_add = problem.may_add_beds & (problem.teaches & boarding_band[None, :]).any(axis=1)
        with_pupils = [bb for bb in range(len(BANDS)) if bd[:, :, bb].sum() > 0]
        for t in np.flatnonzero(problem.town_needs_boarding):
            for level, b in (("primary", BANDS.index("upper_primary")), ("junior", BANDS.index("junior"))):
                if b not in with_pupils:
                    continue
                elig = (
                    (problem.town == t)
                    & problem.teaches[:, b]
                    & ((problem.beds >= problem.min_boarding_beds) | can_add)
                )
                n_open = (elig[None, :] & avail).sum(axis=1)  # (K,)
                short = [int(y) for y, n in zip(problem.years, n_open) if n < problem.boarding_schools_per_town]
                if not short:
                    continue
                when = "" if len(short) == len(problem.years) else f"In {', '.join(map(str, short))}, "
                town = f"town {problem.town_names[t]}" if when else f"Town {problem.town_names[t]}"
                need = (
                    "a boarding"
                    if problem.boarding_schools_per_town == 1
                    else f"{problem.boarding_schools_per_town} boarding"
                )
                reasons.append(
                    f"{when}{town} cannot have {need} {level} school: not enough of its open {level} schools have {problem.min_boarding_beds} beds "
                    "or stand where beds may be added (three concentrations)."
                )
                entry = {"town": str(problem.town_names[t]), "level": level}
                details["towns_without_boarding"] += [entry] if not when else [entry | {"year": y} for y in short]
    for k, year in enumerate(problem.years):
        for level in ("primary", "junior", "senior"):
            bands = [b for b, band in enumerate(BANDS) if LEVEL_OF_BAND[band] == level]
            pupils = int(bd[k, :, bands].sum())
            if pupils == 0:
                continue
            teaching = problem.teaches[:, bands].any(axis=1) & avail[k]
            cap = problem.class_cap[:, [GRADES_OF_BAND[BANDS[bands[0]]][0] - 1]].ravel()
            seats = int(((problem.rooms + problem.max_added_rooms) * cap)[teaching].sum())
            size = int(problem.size_cap[teaching].sum())
            if pupils > min(seats, size):
                reasons.append(
                    f"In {year}, {pupils:,} {level} pupils exceed what the {level} schools can hold even with every allowed classroom built "
                    f"({seats:,} seats; school-size caps {size:,})."
                )
                details["capacity"].append({"year": int(year), "level": level, "pupils": pupils, "seats": seats})
    n_cand = int(problem.candidate.sum())
    if problem.closure_target > n_cand:
        reasons.append(
            f"The closure target is {problem.closure_target} but only {n_cand} schools are closure candidates (teaching points and schools under the small-school threshold)."
        )
        details["closure_target"] = {"target": problem.closure_target, "candidates": n_cand}
    if reasons:
        raise InfeasibleError(reasons, details)


def explain_infeasible(problem: PlanningProblem, report) -> InfeasibleError:
    """Find the rules that must give, with an elastic copy of each failing component.

    Every assignment, classroom, school-size, bed, boarding-town and closure-target row
    gets a slack; the elastic copy minimises the slacks alone (the real costs are
    dropped), and the slacks it needs are the rules that cannot all hold.  A classroom,
    a pupil over a size cap, a bed, a boarding school or a closure costs 1; leaving a
    village band without a school costs :data:`UNPLACED_PENALTY` per pupil, so the
    explanation names the capacity, town or target that must give before it says that
    pupils cannot be placed.

    Returns
    -------
    InfeasibleError
        To be raised by the caller.
    """
    from .model.solve import solve_model

    reasons: list[str] = []
    details: dict = {"broken": []}
    for comp in report.components:
        if comp.result.has_plan:
            continue
        m = comp.model
        if comp.result.status != "infeasible":
            reasons.append(
                f"The solver found no plan for {', '.join(BANDS[b] for b in comp.bands)} within the time limit, and could not prove that none exists; allow more time."
            )
            continue
        labelled = np.array(sorted(m.row_labels), dtype=np.int64)
        lo_fin = np.isfinite(m.row_lo[labelled])
        hi_fin = np.isfinite(m.row_hi[labelled])
        # slack up (helps a >= or = row) and down (helps a <= or = row)
        import scipy.sparse as sp

        up = np.flatnonzero(lo_fin)
        down = np.flatnonzero(hi_fin)
        cols = len(m.c)
        bd = problem.band_demand()
        weight = np.array(
            [
                UNPLACED_PENALTY * max(float(bd[lab[1], lab[2], lab[3]]), 1.0) if lab[0] == "assign" else 1.0
                for lab in (m.row_labels[int(r)] for r in labelled)
            ]
        )
        extra = sp.csr_matrix(
            (
                np.concatenate([np.ones(len(up)), -np.ones(len(down))]),
                (np.concatenate([labelled[up], labelled[down]]), np.arange(len(up) + len(down))),
            ),
            shape=(m.A.shape[0], len(up) + len(down)),
        )
        elastic = dataclasses.replace(
            m,
            c=np.concatenate([np.zeros(cols), weight[up], weight[down]]),
            lb=np.concatenate([m.lb, np.zeros(len(up) + len(down))]),
            ub=np.concatenate([m.ub, np.full(len(up) + len(down), np.inf)]),
            integer=np.concatenate([m.integer, np.zeros(len(up) + len(down), dtype=bool)]),
            A=sp.hstack([m.A, extra]).tocsr(),
        )
        r = solve_model(elastic, time_limit_s=30, gap_target=1e-4)
        if not r.has_plan:
            reasons.append("The rules contradict each other in a way the diagnosis could not locate.")
            continue
        slack = r.values[cols:]
        rows = np.concatenate([labelled[up], labelled[down]])
        if not (slack > 1e-6).any():
            # every rule can hold: the search that failed was restricted or cut short
            bands = ", ".join(_BAND_ZH[BANDS[b]] for b in comp.bands)
            reasons.append(
                f"A plan for {bands} exists, but the solver did not find one: its search was limited to the nearest schools of each village or stopped early; allow more time."
            )
            details.setdefault("not_found", []).append([BANDS[b] for b in comp.bands])
            continue
        for row, amount in zip(rows, slack):
            if amount > 1e-6:
                lab = m.row_labels[int(row)]
                reasons.append(_describe(problem, lab, amount))
                details["broken"].append({"rule": lab[0], "amount": float(amount)})
    reasons = list(dict.fromkeys(reasons))
    return InfeasibleError(reasons or ["No plan satisfies the rules."], details)


def _describe(problem: PlanningProblem, label: tuple, amount: float) -> str:
    kind = label[0]
    year = int(problem.years[label[1]]) if kind != "closure_target" else None
    if kind == "assign":
        v, b = label[2], label[3]
        return f"In {year}, the {_BAND_ZH[BANDS[b]]} pupils of {problem.village_names[v]} ({problem.village_ids[v]}) cannot be placed in any school within the limits."
    if kind == "classrooms":
        s = label[2]
        return f"In {year}, {problem.school_names[s]} ({problem.school_ids[s]}) lacks {amount:.0f} classroom(s): it has {int(problem.rooms[s])} and may add {int(problem.max_added_rooms[s])}."
    if kind == "school_size":
        s = label[2]
        return f"In {year}, {problem.school_names[s]} ({problem.school_ids[s]}) would exceed its school-size cap by {amount:.0f} pupils."
    if kind == "beds":
        s = label[2]
        return f"In {year}, {problem.school_names[s]} ({problem.school_ids[s]}) lacks {amount:.0f} boarding beds and may not add them."
    if kind == "boarding_town":
        t, level = label[2], label[3]
        return f"In {year}, town {problem.town_names[t]} cannot keep a boarding {level} school."
    if kind == "closure_target":
        return f"Only {label[1] - round(amount)} of the {label[1]} closures asked for can be made without breaking the travel or capacity rules."
    return f"Rule {kind} must give ({amount:.0f})."
