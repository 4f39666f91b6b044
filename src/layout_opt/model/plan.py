"""What a solved model means, as tables: :class:`PlanTables`.

:func:`extract_plan` reads the solver's values back into the tables of a plan folder
(``README.md``, "What a plan run writes"):

* ``assignments``: ``year, village_id, band, school_id, mode, pupils, travel_min``;
* ``schools``: ``year, school_id, name, town, kind, status, enrolment, classes,
  classrooms, added_classrooms, added_seats, beds, added_beds, boarding_pupils,
  capital_cost_yuan`` (``added_*`` and cost cumulative);
* ``closures``: ``school_id, name, town, year, pupils_moved, receiving_school_ids``;
* ``summary``: scenario, solver figures, totals.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..schema import BANDS, LEVEL_OF_KIND
from .problem import MODES, PlanningProblem

logger = logging.getLogger(__name__)

ASSIGNMENT_COLUMNS = ["year", "village_id", "band", "school_id", "mode", "pupils", "travel_min"]
SCHOOL_COLUMNS = [
    "year",
    "school_id",
    "name",
    "town",
    "kind",
    "status",
    "enrolment",
    "classes",
    "classrooms",
    "added_classrooms",
    "added_seats",
    "beds",
    "added_beds",
    "boarding_pupils",
    "capital_cost_yuan",
]
CLOSURE_COLUMNS = ["school_id", "name", "town", "year", "pupils_moved", "receiving_school_ids"]


@dataclass(frozen=True)
class PlanTables:
    """A solved model read back as plain tables (no views; :class:`layout_opt.Plan` adds them).

    Attributes
    ----------
    assignments : pandas.DataFrame
        :data:`ASSIGNMENT_COLUMNS`: one row per year, village and band.
    schools : pandas.DataFrame
        :data:`SCHOOL_COLUMNS`: one row per year and school.
    closures : pandas.DataFrame
        :data:`CLOSURE_COLUMNS`: one row per closed school.
    summary : dict
        Scenario, solver figures, objective terms, totals (JSON-ready).
    """

    assignments: pd.DataFrame
    schools: pd.DataFrame
    closures: pd.DataFrame
    summary: dict


def extract_plan(problem: PlanningProblem, report, district, scenario) -> PlanTables:
    """Read a solved model back into :class:`PlanTables`.

    Parameters
    ----------
    problem : PlanningProblem
        The arrays the models were built from.
    report : layout_opt.model.solve.SolveReport
        The solved components.
    district : layout_opt.District
        The district (names, towns, kinds).
    scenario : layout_opt.Scenario
        The scenario solved.
    """
    K, V, S = problem.shape
    years = problem.years
    schools = district.schools.set_index("school_id")
    sid = problem.school_ids
    vid = problem.village_ids
    bd = problem.band_demand()
    rows = []
    open_state = np.ones((S, K), dtype=bool)
    available = problem.available().T  # (S, K)
    open_state &= available
    rooms_add = np.zeros((S, K))
    beds_add = np.zeros((S, K))
    classes = np.zeros((S, K))
    term = {"capital": 0.0, "travel": 0.0, "running": 0.0}
    for comp in report.components:
        m, val = comp.model, comp.result.values
        if val is None:
            continue
        for name in term:
            term[name] += float(m.cost_terms[name] @ val)
        x = m.index["x"]
        pairs = m.pairs
        for k in range(K):
            chosen = np.flatnonzero((x[:, k] >= 0) & (val[np.maximum(x[:, k], 0)] > 0.5))
            for p in chosen:
                v, b, s, mode, t = (
                    int(pairs["v"].iat[p]),
                    int(pairs["b"].iat[p]),
                    int(pairs["s"].iat[p]),
                    int(pairs["mode"].iat[p]),
                    float(pairs["travel_min"].iat[p]),
                )
                rows.append((int(years[k]), vid[v], BANDS[b], sid[s], MODES[mode], int(bd[k, v, b]), round(t, 2)))
        op = m.index["open"]
        for s, k in np.argwhere(op >= 0):
            open_state[s, k] = val[op[s, k]] > 0.5
        for name, target in (("rooms_add", rooms_add), ("beds_add", beds_add)):
            idx = m.index[name]
            ok = idx >= 0
            target[ok] = np.round(val[idx[ok]])
        cl = m.index["classes"]
        for s, g, k in np.argwhere(cl >= 0):
            classes[s, k] += round(val[cl[s, g, k]])
    assignments = (
        pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)
        .sort_values(["year", "village_id", "band"], kind="stable")
        .reset_index(drop=True)
    )
    # enrolment and boarders per school and year, from the assignments
    enrol = np.zeros((S, K), dtype=np.int64)
    board = np.zeros((S, K), dtype=np.int64)
    s_index = {s: i for i, s in enumerate(sid)}
    k_index = {int(y): i for i, y in enumerate(years)}
    for r in assignments.itertuples(index=False):
        enrol[s_index[r.school_id], k_index[r.year]] += r.pupils
        if r.mode == "boarding":
            board[s_index[r.school_id], k_index[r.year]] += r.pupils
    planned = (schools.loc[sid, "status"] == "planned").to_numpy()
    cap_of = np.array([scenario.class_cap(LEVEL_OF_KIND[k]) for k in schools.loc[sid, "kind"]])
    srows = []
    for i, s in enumerate(sid):
        rec = schools.loc[s]
        for k, y in enumerate(years):
            if planned[i] and y < problem.open_from[i]:
                status = "planned"
            elif not open_state[i, k]:
                status = "closed"
            elif planned[i]:
                status = "new"
            else:
                status = "open"
            ra, ba = int(rooms_add[i, k]), int(beds_add[i, k])
            capital = ra * problem.room_cost_yuan[i] + ba * problem.bed_cost_yuan[i]
            srows.append(
                (
                    int(y),
                    s,
                    rec["name"],
                    rec["town"],
                    rec["kind"],
                    status,
                    int(enrol[i, k]),
                    int(classes[i, k]) if status in ("open", "new") else 0,
                    int(problem.rooms[i]),
                    ra,
                    int(ra * cap_of[i]),
                    int(problem.beds[i]),
                    ba,
                    int(board[i, k]),
                    float(round(capital, 2)),
                )
            )
    school_table = pd.DataFrame(srows, columns=SCHOOL_COLUMNS)
    closures = _closures(problem, school_table, assignments, district)
    summary = _summary(problem, report, scenario, assignments, school_table, closures, term, district)
    return PlanTables(assignments=assignments, schools=school_table, closures=closures, summary=summary)


def _closures(
    problem: PlanningProblem, school_table: pd.DataFrame, assignments: pd.DataFrame, district
) -> pd.DataFrame:
    """One row per school that closes within the plan, with the schools that take its pupils."""
    years = [int(y) for y in problem.years]
    base = district.schools.set_index("school_id")
    grade_cols = [f"g{g}" for g in range(1, 13)]
    rows = []
    st = school_table.pivot(index="school_id", columns="year", values="status")
    vid_of_host = (
        {problem.school_ids[i]: problem.village_ids[h] for i, h in enumerate(problem.host_village) if h >= 0}
        if len(problem.host_village)
        else {}
    )
    for s, row in st.iterrows():
        closed_years = [y for y in years if row[y] == "closed"]
        if not closed_years or base.loc[s, "status"] == "planned":
            continue
        y = closed_years[0]
        prev = [p for p in years if p < y]
        if prev:
            former = assignments[(assignments["year"] == prev[-1]) & (assignments["school_id"] == s)]
            moved = int(former["pupils"].sum())
            keys = former[["village_id", "band"]]
        else:
            moved = int(base.loc[s, grade_cols].sum())
            host = vid_of_host.get(s)
            taught = [b for b, t in zip(BANDS, problem.teaches[list(problem.school_ids).index(s)]) if t]
            keys = (
                pd.DataFrame({"village_id": [host] * len(taught), "band": taught})
                if host
                else pd.DataFrame(columns=["village_id", "band"])
            )
            if base.loc[s, "kind"] == "high":
                # pupils come from the whole district: they go where seniors go that year
                keys = assignments[(assignments["year"] == y) & (assignments["band"] == "senior")][
                    ["village_id", "band"]
                ]
        now = assignments[assignments["year"] == y].merge(keys, on=["village_id", "band"])
        receiving = sorted(set(now["school_id"]) - {s})
        rows.append((s, base.loc[s, "name"], base.loc[s, "town"], y, moved, ";".join(receiving)))
    return (
        pd.DataFrame(rows, columns=CLOSURE_COLUMNS)
        .sort_values(["year", "school_id"], kind="stable")
        .reset_index(drop=True)
    )


def _travel_stats(assignments: pd.DataFrame) -> dict:
    out = {}
    for band in BANDS:
        a = assignments[(assignments["band"] == band) & (assignments["pupils"] > 0)]
        if a.empty:
            continue
        order = np.argsort(a["travel_min"].to_numpy(), kind="stable")
        t = a["travel_min"].to_numpy()[order]
        w = a["pupils"].to_numpy()[order]
        cum = np.cumsum(w) / w.sum()
        out[band] = {
            "mean": round(float(np.average(t, weights=w)), 2),
            "p95": round(float(t[np.searchsorted(cum, 0.95)]), 2),
            "max": round(float(t.max()), 2),
        }
    return out


def _summary(problem, report, scenario, assignments, school_table, closures, term, district) -> dict:
    years = [int(y) for y in problem.years]
    last = school_table[school_table["year"] == years[-1]]
    base = district.schools.set_index("school_id")
    level = last["kind"].map(LEVEL_OF_KIND)
    added_seats_by_level = {
        lv: int(last.loc[level == lv, "added_seats"].sum()) for lv in ("primary", "junior", "senior")
    }
    planned = base[base["status"] == "planned"]
    planned_open = [
        s for s in planned.index if (school_table[(school_table["school_id"] == s)]["status"] == "new").any()
    ]
    planned_cost = float(
        sum(int(planned.loc[s, "planned_seats"]) * scenario.cost_per_new_school_seat_yuan for s in planned_open)
    )
    by_year = closures.groupby("year").size().to_dict()
    day_board = {}
    for y in years:
        a = assignments[assignments["year"] == y]
        day_board[str(y)] = {
            "day": int(a.loc[a["mode"] == "day", "pupils"].sum()),
            "boarding": int(a.loc[a["mode"] == "boarding", "pupils"].sum()),
        }
    demand_total = int(problem.band_demand().sum())
    served = int(assignments["pupils"].sum())
    comps = []
    for c in report.components:
        comps.append(
            {
                "bands": [BANDS[b] for b in c.bands],
                "status": c.result.status,
                "objective_yuan": _num(c.result.objective),
                "bound_yuan": _num(c.result.bound),
                "gap": _num(c.result.gap),
                "size": c.model.size,
                "stages": [
                    {k: _num(v) if isinstance(v, float) else v for k, v in st.items() if k != "seconds"}
                    for st in c.stages
                ],
            }
        )
    return {
        "scenario": scenario.to_dict(),
        "district": district.name,
        "years": years,
        "solver": {
            "backend": report.backend,
            "status": report.status,
            "objective_yuan": _num(report.objective),
            "bound_yuan": _num(report.bound),
            "gap": _num(report.gap),
            "seconds": round(report.seconds, 1),
            "size": report.size,
            "components": comps,
        },
        "costs_yuan": {
            "capital": round(term["capital"], 2),
            "travel": round(term["travel"], 2),
            "running": round(term["running"], 2),
            "objective": round(sum(term.values()), 2),
            "planned_projects": round(planned_cost, 2),
        },
        "closures": {
            "total": int(len(closures)),
            "by_year": {str(y): int(by_year.get(y, 0)) for y in years},
            "target": scenario.closure_target,
            "candidates": int(problem.candidate.sum()),
        },
        "added": {
            "seats_by_level": added_seats_by_level,
            "seats": int(sum(added_seats_by_level.values())),
            "classrooms": int(last["added_classrooms"].sum()),
            "beds": int(last["added_beds"].sum()),
        },
        "pupils": day_board,
        "travel_min": _travel_stats(assignments[assignments["year"] == years[-1]]),
        "travel_min_by_year": {str(y): _travel_stats(assignments[assignments["year"] == y]) for y in years},
        "unserved_pupils": demand_total - served,
    }


def _num(x: float) -> float | None:
    """JSON-safe rounded number (None for inf/nan)."""
    if x is None or not np.isfinite(x):
        return None
    return round(float(x), 6) if abs(x) < 10 else round(float(x), 2)
