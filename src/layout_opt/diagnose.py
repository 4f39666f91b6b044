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

import logging

import numpy as np
import scipy.sparse as sp

from .errors import InfeasibleError
from .model.mip import MipArrays
from .model.positions import Positions
from .model.problem import PlanningProblem
from .schema import BANDS, N_GRADES

logger = logging.getLogger(__name__)

#: Penalty per pupil of a village band left without a school in the elastic copy (other
#: rules cost 1 per classroom, pupil, bed, school or closure).
UNPLACED_PENALTY = 1000.0

_BAND_ZH = {
    "preschool": "kindergarten (小班-大班)",
    "lower_primary": "grades 1-3",
    "upper_primary": "grades 4-6",
    "junior": "grades 7-9",
    "senior": "grades 10-12",
}


def _names(problem: PlanningProblem, villages: list[int], limit: int = 12) -> str:
    names = [f"{problem.village_names[v]} ({problem.village_ids[v]})" for v in villages[:limit]]
    more = f" and {len(villages) - limit} more" if len(villages) > limit else ""
    return ", ".join(names) + more


def presolve_checks(problem: PlanningProblem, positions: Positions | None = None) -> None:
    """Raise :class:`InfeasibleError` for causes visible before solving.

    Parameters
    ----------
    problem : PlanningProblem
        The arrays of the scenario.
    positions : Positions, optional
        The allowed positions (built from ``problem`` if omitted).

    Raises
    ------
    InfeasibleError
        Listing every cause found.
    """
    reasons: list[str] = []
    details: dict = {"unreachable": [], "towns_without_boarding": [], "capacity": [], "closure_target": None}
    K, V, S = problem.shape
    positions = positions or Positions(problem)
    co = problem.cohorts
    bands = co.band()
    avail = problem.available()
    # --- pupils with no school within the rules
    missing: dict[tuple[int, int], set[int]] = {}
    for q in range(len(co)):
        for k in range(K):
            if co.pupils[q, k] > 0 and len(positions.rows(q, k)) == 0:
                missing.setdefault((k, int(bands[q, k])), set()).add(int(co.village[q]))
    unzoned = problem.pairs(zoned=False) if problem.zoned_band.any() and missing else None
    for (k, b), vs in sorted(missing.items()):
        band, year = BANDS[b], int(problem.years[k])
        limit = f"{problem.day_limit_min[b]:.0f} min by day" + (
            f" or {problem.boarding_limit_min[b]:.0f} min as boarders" if problem.boarding_limit_min[b] > 0 else ""
        )
        villages = sorted(vs)
        where = ""
        if unzoned is not None and problem.zoned_band[b]:
            ok = unzoned[(unzoned["b"] == b) & avail[k, unzoned["s"].to_numpy()]]
            if set(villages) <= set(ok["v"].tolist()):
                where = " in their own catchment zone (schools of other zones are within reach: catchment_zones = 'district' allows them)"
        reasons.append(
            f"In {year}, {len(villages)} village(s) have no school for {_BAND_ZH[band]} within {limit}{where}: "
            f"{_names(problem, villages)}."
        )
        details["unreachable"] += [{"year": year, "band": band, "village_id": problem.village_ids[v]} for v in villages]
    # --- towns that cannot have a boarding school
    if problem.boarding_schools_per_town > 0:
        boarding_band = problem.boarding_limit_min > 0
        can_add = problem.may_add_beds & (problem.teaches & boarding_band[None, :]).any(axis=1)
        for t in np.flatnonzero(problem.town_needs_boarding):
            for level, b in (("primary", BANDS.index("upper_primary")), ("junior", BANDS.index("junior"))):
                if not problem.planned_bands[b]:
                    continue
                elig = (
                    (problem.school_town == t)
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
                    f"{when}{town} cannot have {need} {level} school: not enough of its open {level} schools have "
                    f"{problem.min_boarding_beds} beds or stand where beds may be added (three concentrations)."
                )
                entry = {"town": str(problem.town_names[t]), "level": level}
                details["towns_without_boarding"] += [entry] if not when else [entry | {"year": y} for y in short]
    # --- towns without a public kindergarten
    kind_kg = problem.teaches[:, BANDS.index("preschool")] & ~problem.teaches[:, : BANDS.index("preschool")].any(axis=1)
    if problem.public_kindergartens_per_town > 0 and problem.planned_bands[BANDS.index("preschool")]:
        public_kg = kind_kg & problem.public
        for t in np.flatnonzero(problem.town_needs_boarding):
            n_open = (public_kg[None, :] & (problem.school_town == t)[None, :] & avail).sum(axis=1)
            short = [int(y) for y, n in zip(problem.years, n_open) if n < problem.public_kindergartens_per_town]
            if short:
                reasons.append(
                    f"Town {problem.town_names[t]} has no public kindergarten open in {', '.join(map(str, short))} "
                    "(每个镇区至少…现代化幼儿园1所): add one as a planned project in schools.geojson."
                )
                details.setdefault("towns_without_public_kindergarten", []).append(str(problem.town_names[t]))
    # --- enrolled pupils who must stay where there is no room for them
    if not problem.allow_reassignment:
        _fixed_capacity(problem, positions, reasons, details)
    # --- the closure target
    n_cand = int(problem.candidate.sum())
    if problem.closure_target > n_cand:
        planned = ", ".join(_BAND_ZH[b] for b, on in zip(BANDS, problem.planned_bands) if on)
        reasons.append(
            f"The closure target is {problem.closure_target} but only {n_cand} schools teaching the planned bands "
            f"({planned}) are closure candidates (teaching points and schools under the small-school threshold)."
        )
        details["closure_target"] = {"target": problem.closure_target, "candidates": n_cand}
    if reasons:
        raise InfeasibleError(reasons, details)


def _fixed_capacity(problem: PlanningProblem, positions: Positions, reasons: list[str], details: dict) -> None:
    """Schools whose enrolled pupils alone (who must stay) need more classrooms than the
    school has and may add, or exceed its size cap."""
    K, V, S = problem.shape
    co = problem.cohorts
    t_s = positions.table["s"].to_numpy()
    first = {
        q: int(np.flatnonzero(co.pupils[q] > 0)[0])
        for q in np.flatnonzero((co.origin_school >= 0) & (co.pupils.sum(axis=1) > 0))
    }
    load = np.zeros((S, K, N_GRADES))
    for q, k0 in first.items():
        s0 = int(co.origin_school[q])
        if problem.candidate[s0]:
            continue  # it may close: its pupils then move
        for k in range(k0, K):
            if co.pupils[q, k] <= 0 or not (t_s[positions.rows(q, k)] == s0).any():
                break
            load[s0, k, co.grade[q, k] - 1] += co.pupils[q, k]
    for s in np.flatnonzero(load.sum(axis=(1, 2)) > 0):
        for k in range(K):
            grp = problem.class_group[s]
            class_cap, size_cap = problem.class_cap_in(k), problem.size_cap_in(k)
            need = 0
            for gr in np.unique(grp[grp >= 0]):
                need += int(np.ceil(load[s, k, grp == gr].sum() / class_cap[s, gr] - 1e-9))
            have = int(problem.rooms[s] + problem.max_added_rooms[s])
            name = f"{problem.school_names[s]} ({problem.school_ids[s]})"
            year = int(problem.years[k])
            if need > have:
                reasons.append(
                    f"In {year}, the pupils enrolled today at {name}, who stay until they finish their band, need {need} "
                    f"classrooms at the class caps; it has {int(problem.rooms[s])} and room for {int(problem.max_added_rooms[s])} more. "
                    "Allow reassignment (allow_reassignment = true) or more room on site."
                )
                details["capacity"].append(
                    {"year": year, "school_id": problem.school_ids[s], "classrooms": need, "have": have}
                )
                break
            if load[s, k].sum() > size_cap[s]:
                reasons.append(
                    f"In {year}, the {int(load[s, k].sum()):,} pupils enrolled today at {name}, who stay until they finish "
                    f"their band, exceed its school-size cap of {int(size_cap[s]):,}. Allow reassignment "
                    "(allow_reassignment = true)."
                )
                details["capacity"].append(
                    {"year": year, "school_id": problem.school_ids[s], "pupils": int(load[s, k].sum())}
                )
                break


def explain_infeasible(problem: PlanningProblem, report) -> InfeasibleError:
    """Find the rules that must give, with an elastic copy of each unit that has no plan.

    A unit that has a plan on its own but not with the closures the target needs
    points at the target: the explanation gives the most closures the rules allow.  For
    a unit without any plan, every assignment, classroom, school-size, bed,
    boarding-town and closure-target row gets a slack; the elastic copy minimises the
    slacks alone (the real costs are dropped), and the slacks it needs are the rules that
    cannot all hold.  A classroom, a pupil over a size cap, a bed, a boarding school or a
    closure costs 1, a pupil over a class cap 2 (so that the classroom a further class
    would need is named first); leaving pupils without a school costs
    :data:`UNPLACED_PENALTY` per pupil, so the explanation names the capacity, town or
    target that must give before it says that pupils cannot be placed.

    Returns
    -------
    InfeasibleError
        To be raised by the caller.
    """
    from .model.solve import max_closures, solve_model

    reasons: list[str] = []
    details: dict = {"broken": []}
    failing = [u for u in report.units if not u.result.has_plan]
    if not failing:
        # every unit has a plan: the closure target is out of reach
        most = sum(max(max_closures(problem, report.positions, u.unit, 60.0), 0) for u in report.units)
        target = report.notes.get("closure_target", problem.closure_target)
        reasons.append(
            f"The rules allow at most {most} closures of teaching points and small schools (each kept school's pupils "
            f"must reach another school within the limits, with room for them); the target is {target}."
        )
        details["closure_target"] = {"target": int(target), "most": int(most)}
        return InfeasibleError(reasons, details)
    for sol in failing:
        m = sol.model
        if sol.result.status != "infeasible":
            reasons.append(
                f"The solver found no plan for {sol.unit.label(problem)} within the time limit, and could not prove that "
                "none exists; allow more time."
            )
            continue
        labelled = np.array(sorted(m.row_labels), dtype=np.int64)
        lo_fin = np.isfinite(m.row_lo[labelled])
        hi_fin = np.isfinite(m.row_hi[labelled])
        up = np.flatnonzero(lo_fin)
        down = np.flatnonzero(hi_fin)
        cols = len(m.c)
        w = np.array([_slack_weight(problem, m.row_labels[int(r)]) for r in labelled])
        extra = sp.csr_matrix(
            (
                np.concatenate([np.ones(len(up)), -np.ones(len(down))]),
                (np.concatenate([labelled[up], labelled[down]]), np.arange(len(up) + len(down))),
            ),
            shape=(m.A.shape[0], len(up) + len(down)),
        )
        elastic = MipArrays(
            c=np.concatenate([np.zeros(cols), w[up], w[down]]),
            lb=np.concatenate([m.lb, np.zeros(len(up) + len(down))]),
            ub=np.concatenate([m.ub, np.full(len(up) + len(down), np.inf)]),
            integer=np.concatenate([m.integer, np.zeros(len(up) + len(down), dtype=bool)]),
            A=sp.hstack([m.A, extra]).tocsr(),
            row_lo=m.row_lo,
            row_hi=m.row_hi,
        )
        r = solve_model(elastic, time_limit_s=30, gap_target=1e-4)
        if not r.has_plan:
            reasons.append("The rules contradict each other in a way the diagnosis could not locate.")
            continue
        slack = r.values[cols:]
        rows = np.concatenate([labelled[up], labelled[down]])
        for row, amount in zip(rows, slack):
            if amount > 1e-6:
                lab = m.row_labels[int(row)]
                reasons.append(_describe(problem, lab, amount))
                details["broken"].append({"rule": lab[0], "amount": float(amount)})
        if not (slack > 1e-6).any():
            reasons.append(f"No plan was found for {sol.unit.label(problem)}, although the rules seem to allow one.")
    reasons = list(dict.fromkeys(reasons))
    return InfeasibleError(reasons or ["No plan satisfies the rules."], details)


def _slack_weight(problem: PlanningProblem, label: tuple) -> float:
    """Penalty per unit of slack of a row in the elastic copy."""
    if label[0] == "assign":
        return UNPLACED_PENALTY * max(float(problem.cohorts.pupils[label[1], label[2]]), 1.0)
    if label[0] == "catchment":
        return UNPLACED_PENALTY
    if label[0] == "class_cap":
        return 2.0  # a pupil over a class cap: the classroom a further class needs is named first
    return 1.0


def _describe(problem: PlanningProblem, label: tuple, amount: float) -> str:
    kind = label[0]
    co = problem.cohorts
    if kind == "assign":
        q, k = label[1], label[2]
        v = co.village[q]
        return (
            f"In {int(problem.years[k])}, {int(co.pupils[q, k])} pupils of grade {int(co.grade[q, k])} from "
            f"{problem.village_names[v]} ({problem.village_ids[v]}) cannot be placed in any school within the limits."
        )
    if kind == "catchment":
        v, b, k = label[1], label[2], label[3]
        return (
            f"In {int(problem.years[k])}, the {_BAND_ZH[BANDS[b]]} entrants of {problem.village_names[v]} "
            f"({problem.village_ids[v]}) have no catchment school within the limits."
        )
    if kind == "closure_target":
        return f"Only {label[1] - round(amount)} of the {label[1]} closures asked for can be made without breaking the travel or capacity rules."
    # labels are (kind, year index, ...), but a stay row's is (kind, group, year index, school)
    year = int(problem.years[label[2] if kind == "stay" else label[1]])
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
    if kind == "boarding_used":
        s, level = label[2], label[3]
        return (
            f"In {year}, {problem.school_names[s]} ({problem.school_ids[s]}) cannot have the {problem.min_boarders} "
            f"{level} boarders a town's boarding school needs."
        )
    if kind == "class_cap":
        s = label[2]
        return f"In {year}, the classes of {problem.school_names[s]} ({problem.school_ids[s]}) cannot stay within the class cap."
    if kind == "stay":
        q, s = label[1], label[3]
        return (
            f"In {year}, enrolled pupils of {problem.village_names[co.village[q]]} cannot stay at "
            f"{problem.school_names[s]} ({problem.school_ids[s]})."
        )
    return f"Rule {kind} must give ({amount:.0f})."
