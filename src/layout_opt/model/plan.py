"""What a solved model means, as tables: :class:`PlanTables`.

:func:`extract_plan` reads the unit solutions back into the tables of a plan folder
(``README.md``, "What a plan run writes"):

* ``assignments`` (the contract): ``year, village_id, band, school_id, mode, pupils,
  travel_min`` — the pupils of a village and band summed by school and mode (a village
  band can attend several schools in a year: enrolled pupils stay where they are while
  new entrants go to the catchment school);
* ``schools`` (the contract, plus teachers, bused pupils, the model's bus estimate and
  the yearly running, transport and boarding costs);
* ``closures`` (the contract): ``school_id, name, town, year, pupils_moved,
  receiving_school_ids``;
* ``pupils``: every group of pupils, year by year: ``year, village_id, grade, band,
  school_id, mode, pupils, travel_min, km, bused``;
* ``catchments``: the school and mode of each village's new entrants, by band and year
  (划片);
* ``moves``: every pupil who enters or changes school, and why: ``year, village_id,
  grade, from_school_id, to_school_id, pupils, reason`` with the reasons of
  :data:`MOVE_REASONS`;
* ``summary``: scenario, solver figures, objective terms, yearly money, totals.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..schema import BANDS, LEVEL_OF_KIND
from .cohorts import ENTRANT
from .problem import BOARDING, MODES, PlanningProblem

logger = logging.getLogger(__name__)

PUPIL_COLUMNS = ["year", "village_id", "grade", "band", "school_id", "mode", "pupils", "travel_min", "km", "bused"]
ASSIGNMENT_COLUMNS = ["year", "village_id", "band", "school_id", "mode", "pupils", "travel_min"]
CATCHMENT_COLUMNS = ["year", "village_id", "band", "school_id", "mode", "travel_min"]
MOVE_COLUMNS = ["year", "village_id", "grade", "from_school_id", "to_school_id", "pupils", "reason"]
#: Why a pupil enters or changes school: ``entrant`` (first grade of a level),
#: ``arrival`` (moved into the village), ``closure`` (the school closes), ``not taught``
#: (the school does not teach the next grade), ``rule`` (the position breaks a trip
#: rule), ``reassignment`` (moved while the school stays open, when the scenario allows).
MOVE_REASONS = ("entrant", "arrival", "closure", "not taught", "rule", "reassignment")
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
    "teachers",
    "bused_pupils",
    "buses",
    "running_cost_yuan",
    "transport_cost_yuan",
    "boarding_cost_yuan",
]
CLOSURE_COLUMNS = ["school_id", "name", "town", "year", "pupils_moved", "receiving_school_ids"]


def solution_arrays(problem: PlanningProblem, report) -> dict[str, np.ndarray]:
    """Per school and year: open, added rooms and beds, classes, teachers, buses (model
    estimate), from the unit solutions; schools outside every unit keep their status."""
    K, V, S = problem.shape
    out = {
        "open": problem.available().T.copy(),
        "rooms_add": np.zeros((S, K)),
        "beds_add": np.zeros((S, K)),
        "classes": np.zeros((S, K)),
        "teachers": np.zeros((S, K)),
        "buses": np.zeros((S, K)),
    }
    for u in report.units:
        m, val = u.model, u.result.values
        if val is None:
            continue
        idx = m.index
        for s, k in np.argwhere(idx["open"] >= 0):
            out["open"][s, k] = val[idx["open"][s, k]] > 0.5
        for name in ("rooms_add", "beds_add", "teachers", "buses"):
            a = idx[name]
            ok = a >= 0
            out[name][ok] = val[a[ok]]
        cl = idx["classes"]
        s, g, k = np.nonzero(cl >= 0)
        np.add.at(out["classes"], (s, k), np.round(val[cl[s, g, k]]))
    for name in ("rooms_add", "beds_add", "classes"):
        out[name] = np.round(out[name]).astype(np.int64)
    return out


def chosen_placements(problem: PlanningProblem, report) -> pd.DataFrame:
    """The placement each group takes each year: ``q, k, s, mode, pupils, row``."""
    tab = report.positions.table
    frames = []
    for u in report.units:
        val = u.result.values
        if val is None:
            continue
        pl = u.model.placements
        col = pl["col"].to_numpy()
        on = (col < 0) | (val[np.maximum(col, 0)] > 0.5) if len(val) else col < 0
        frames.append(pl[on])
    pl = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["q", "k", "row", "col", "pupils"])
    rows = pl["row"].to_numpy(np.int64)
    return pd.DataFrame(
        {
            "q": pl["q"].to_numpy(np.int64),
            "k": pl["k"].to_numpy(np.int64),
            "s": tab["s"].to_numpy()[rows],
            "mode": tab["mode"].to_numpy()[rows],
            "pupils": pl["pupils"].to_numpy(np.int64),
            "row": rows,
        }
    )


@dataclass(frozen=True)
class PlanTables:
    """A solved model read back as plain tables (no views; :class:`layout_opt.Plan` adds them).

    Attributes
    ----------
    assignments, schools, closures, pupils, catchments, moves : pandas.DataFrame
        See the module docstring.
    summary : dict
        Scenario, solver figures, objective terms, totals (JSON-ready).
    """

    assignments: pd.DataFrame
    schools: pd.DataFrame
    closures: pd.DataFrame
    pupils: pd.DataFrame
    catchments: pd.DataFrame
    moves: pd.DataFrame
    summary: dict


def extract_plan(problem: PlanningProblem, report, district, scenario) -> PlanTables:
    """Read a solved report back into :class:`PlanTables`.

    Parameters
    ----------
    problem : PlanningProblem
        The arrays the models were built from.
    report : layout_opt.model.solve.SolveReport
        The solved units.
    district : layout_opt.District
        The district (names, towns, kinds).
    scenario : layout_opt.Scenario
        The scenario solved.
    """
    t = extract_tables(problem, report, district)
    summary = plan_summary(problem, report, scenario, district, t)
    return PlanTables(summary=summary, **t)


def extract_tables(problem: PlanningProblem, report, district) -> dict[str, pd.DataFrame]:
    """The plan's tables (see the module docstring) from a solved report."""
    K, V, S = problem.shape
    years = problem.years
    co = problem.cohorts
    tab = report.positions.table
    vid, sid = problem.village_ids, problem.school_ids
    sol = solution_arrays(problem, report)
    ch = chosen_placements(problem, report)
    rows = ch["row"].to_numpy()
    q, k = ch["q"].to_numpy(), ch["k"].to_numpy()
    pupils = pd.DataFrame(
        {
            "year": years[k],
            "village_id": vid[co.village[q]],
            "grade": co.grade[q, k],
            "band": np.array(BANDS)[tab["b"].to_numpy()[rows]],
            "school_id": sid[ch["s"].to_numpy()],
            "mode": np.array(MODES)[ch["mode"].to_numpy()],
            "pupils": ch["pupils"].to_numpy(),
            "travel_min": np.round(tab["travel_min"].to_numpy()[rows], 2),
            "km": np.round(tab["km"].to_numpy()[rows], 3),
            "bused": tab["bused"].to_numpy()[rows],
        }
    )
    pupils = pupils.groupby(
        ["year", "village_id", "grade", "band", "school_id", "mode", "travel_min", "km", "bused"], as_index=False
    )["pupils"].sum()
    pupils = pupils.sort_values(["year", "village_id", "grade", "school_id", "mode"], kind="stable").reset_index(
        drop=True
    )[PUPIL_COLUMNS]
    assignments = (
        pupils.groupby(["year", "village_id", "band", "school_id", "mode", "travel_min"], as_index=False)["pupils"]
        .sum()
        .sort_values(["year", "village_id", "band", "school_id", "mode"], kind="stable")
        .reset_index(drop=True)[ASSIGNMENT_COLUMNS]
    )
    catchments = _catchments(problem, report)
    moves = _moves(problem, report, ch, sol)
    schools = _schools(problem, district, sol, pupils)
    closures = _closures(problem, district, schools, moves)
    return {
        "pupils": pupils,
        "assignments": assignments,
        "catchments": catchments,
        "moves": moves,
        "schools": schools,
        "closures": closures,
    }


def _catchments(problem: PlanningProblem, report) -> pd.DataFrame:
    tab = report.positions.table
    frames = []
    for u in report.units:
        val = u.result.values
        c = u.model.index["catchments"]
        if val is None or c.empty:
            continue
        frames.append(c[val[c["col"].to_numpy()] > 0.5])
    if not frames:
        return pd.DataFrame(columns=CATCHMENT_COLUMNS)
    c = pd.concat(frames, ignore_index=True)
    rows = c["row"].to_numpy()
    out = pd.DataFrame(
        {
            "year": problem.years[c["k"].to_numpy()],
            "village_id": problem.village_ids[c["v"].to_numpy()],
            "band": np.array(BANDS)[c["b"].to_numpy()],
            "school_id": problem.school_ids[tab["s"].to_numpy()[rows]],
            "mode": np.array(MODES)[tab["mode"].to_numpy()[rows]],
            "travel_min": np.round(tab["travel_min"].to_numpy()[rows], 2),
        }
    )
    return out.sort_values(["year", "village_id", "band"], kind="stable").reset_index(drop=True)


def _moves(problem: PlanningProblem, report, ch: pd.DataFrame, sol: dict) -> pd.DataFrame:
    """Entries and changes of school, group by group, with the reason."""
    co = problem.cohorts
    positions = report.positions
    t_s = positions.table["s"].to_numpy()
    years = problem.years
    where = {(int(a), int(b)): int(s) for a, b, s in zip(ch["q"], ch["k"], ch["s"])}
    out = []
    for (q, k), s in sorted(where.items()):
        n = int(co.pupils[q, k])
        if (q, k - 1) in where and co.pupils[q, k - 1] > 0:
            before = where[(q, k - 1)]
        elif co.origin_school[q] >= 0 and k == int(np.flatnonzero(co.pupils[q] > 0)[0]):
            before = int(co.origin_school[q])
        else:
            before = -1
        if before == s:
            continue
        if before < 0:
            reason = "entrant" if co.kind[q] == ENTRANT else "arrival"
        elif not sol["open"][before, k]:
            reason = "closure"
        elif not problem.teaches[before, co.band()[q, k]]:
            reason = "not taught"
        elif not (t_s[positions.rows(q, k)] == before).any():
            reason = "rule"
        else:
            reason = "reassignment"
        out.append(
            (
                int(years[k]),
                problem.village_ids[co.village[q]],
                int(co.grade[q, k]),
                problem.school_ids[before] if before >= 0 else "",
                problem.school_ids[s],
                n,
                reason,
            )
        )
    moves = pd.DataFrame(out, columns=MOVE_COLUMNS)
    moves = moves.groupby(["year", "village_id", "grade", "from_school_id", "to_school_id", "reason"], as_index=False)[
        "pupils"
    ].sum()
    return moves.sort_values(
        ["year", "village_id", "grade", "from_school_id", "to_school_id"], kind="stable"
    ).reset_index(drop=True)[MOVE_COLUMNS]


def _schools(problem: PlanningProblem, district, sol: dict, pupils: pd.DataFrame) -> pd.DataFrame:
    K, V, S = problem.shape
    base = district.schools.set_index("school_id")
    sid = problem.school_ids
    years = problem.years
    w_in = {s: i for i, s in enumerate(sid)}
    enrol = np.zeros((S, K), dtype=np.int64)
    board = np.zeros((S, K), dtype=np.int64)
    bused = np.zeros((S, K), dtype=np.int64)
    bus_km = np.zeros((S, K))
    k_of = {int(y): i for i, y in enumerate(years)}
    si = pupils["school_id"].map(w_in).to_numpy()
    ki = pupils["year"].map(k_of).to_numpy()
    n = pupils["pupils"].to_numpy()
    np.add.at(enrol, (si, ki), n)
    np.add.at(board, (si, ki), np.where(pupils["mode"].to_numpy() == MODES[BOARDING], n, 0))
    bus = pupils["bused"].to_numpy(bool)
    np.add.at(bused, (si, ki), np.where(bus, n, 0))
    np.add.at(
        bus_km,
        (si, ki),
        np.where(bus, n * pupils["km"].to_numpy() * problem.bus_km_per_pupil_km[si], 0.0),
    )
    planned = (base.loc[sid, "status"] == "planned").to_numpy()
    rows = []
    for i, s in enumerate(sid):
        rec = base.loc[s]
        for k, y in enumerate(years):
            if planned[i] and y < problem.open_from[i]:
                status = "planned"
            elif not sol["open"][i, k]:
                status = "closed"
            elif planned[i]:
                status = "new"
            else:
                status = "open"
            is_open = status in ("open", "new")
            ra, ba = int(sol["rooms_add"][i, k]), int(sol["beds_add"][i, k])
            capital = ra * problem.room_cost_yuan[i] + ba * problem.bed_cost_yuan[i]
            seats = int(ra * problem.room_seats[i])
            teachers = float(sol["teachers"][i, k]) if is_open else 0.0
            running = (problem.school_cost_yuan[i] + teachers * problem.teacher_cost_yuan) if is_open else 0.0
            transport = (
                sol["buses"][i, k] * problem.bus_cost_yuan
                + bus_km[i, k] * problem.school_days * problem.bus_km_cost_yuan
            )
            rows.append(
                (
                    int(y),
                    s,
                    rec["name"],
                    rec["town"],
                    rec["kind"],
                    status,
                    int(enrol[i, k]),
                    int(sol["classes"][i, k]) if is_open else 0,
                    int(problem.rooms[i]),
                    ra,
                    seats,
                    int(problem.beds[i]),
                    ba,
                    int(board[i, k]),
                    float(round(capital, 2)),
                    round(teachers, 2),
                    int(bused[i, k]),
                    round(float(sol["buses"][i, k]), 3),
                    round(float(running), 2),
                    round(float(transport), 2),
                    round(float(board[i, k] * problem.boarding_cost_yuan), 2),
                )
            )
    return pd.DataFrame(rows, columns=SCHOOL_COLUMNS)


def _closures(problem: PlanningProblem, district, schools: pd.DataFrame, moves: pd.DataFrame) -> pd.DataFrame:
    base = district.schools.set_index("school_id")
    out = []
    for s, grp in schools.groupby("school_id", sort=True):
        if base.loc[s, "status"] == "planned":
            continue
        closed = grp.loc[grp["status"] == "closed", "year"]
        if closed.empty:
            continue
        y = int(closed.min())
        mv = moves[(moves["from_school_id"] == s) & (moves["reason"] == "closure")]
        out.append(
            (
                s,
                base.loc[s, "name"],
                base.loc[s, "town"],
                y,
                int(mv["pupils"].sum()),
                ";".join(sorted(set(mv["to_school_id"]))),
            )
        )
    return (
        pd.DataFrame(out, columns=CLOSURE_COLUMNS)
        .sort_values(["year", "school_id"], kind="stable")
        .reset_index(drop=True)
    )


def _travel_stats(pupils: pd.DataFrame) -> dict:
    """Pupil-weighted one-way minutes (mean, p95, max) by band."""
    out = {}
    for band in BANDS:
        a = pupils[(pupils["band"] == band) & (pupils["pupils"] > 0)]
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


def plan_summary(problem: PlanningProblem, report, scenario, district, t: dict) -> dict:
    """The JSON-ready figures of a plan (``summary.json``)."""
    years = [int(y) for y in problem.years]
    schools, pupils, moves, closures = t["schools"], t["pupils"], t["moves"], t["closures"]
    last = schools[schools["year"] == years[-1]]
    base = district.schools.set_index("school_id")
    level = last["kind"].map(LEVEL_OF_KIND)
    added_seats_by_level = {
        lv: int(last.loc[level == lv, "added_seats"].sum()) for lv in ("primary", "junior", "senior")
    }
    planned = base[base["status"] == "planned"]
    opened = set(schools.loc[schools["status"] == "new", "school_id"])
    planned_cost = float(
        sum(
            int(planned.loc[s, "planned_seats"]) * scenario.cost_per_new_school_seat_yuan
            for s in planned.index
            if s in opened
        )
    )
    terms = report.terms()
    money = sum(v for k, v in terms.items() if k != "travel")
    by_year = closures.groupby("year").size().to_dict()
    candidates = set(problem.school_ids[problem.candidate])
    small = closures[closures["school_id"].isin(candidates)]
    yearly = {}
    pupil_figures = {}
    for y in years:
        st = schools[schools["year"] == y]
        pu = pupils[pupils["year"] == y]
        yearly[str(y)] = {
            "running": round(float(st["running_cost_yuan"].sum()), 2),
            "transport": round(float(st["transport_cost_yuan"].sum()), 2),
            "boarding": round(float(st["boarding_cost_yuan"].sum()), 2),
            "travel_time_value": round(
                float(
                    (
                        pu["pupils"]
                        * pu["travel_min"]
                        * np.where(pu["mode"] == MODES[BOARDING], problem.trips_per_year[1], problem.trips_per_year[0])
                        * problem.value_per_min_yuan
                    ).sum()
                ),
                2,
            ),
        }
        day = pu["mode"] == MODES[0]
        pupil_figures[str(y)] = {
            "day": int(pu.loc[day, "pupils"].sum()),
            "boarding": int(pu.loc[~day, "pupils"].sum()),
            "bused": int(pu.loc[day & pu["bused"], "pupils"].sum()),
            "walking": int(pu.loc[day & ~pu["bused"], "pupils"].sum()),
        }
    units = []
    for u in report.units:
        r = u.result
        units.append(
            {
                "unit": u.unit.label(problem),
                "schools": int(len(u.unit.schools)),
                "candidates": int(len(u.unit.candidates(problem))),
                "closures": int(u.closures),
                "status": r.status,
                "objective_yuan": _num(r.objective),
                "bound_yuan": _num(r.bound),
                "gap": _num(r.gap),
                "size": u.model.size,
            }
        )
    demand_total = int(problem.cohorts.pupils.sum())
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
            "size": report.size,
            "units": units,
            "knapsack": {k: v for k, v in report.notes.items() if isinstance(v, (int, float, bool))},
        },
        "costs_yuan": {
            **{k: round(v, 2) for k, v in terms.items()},
            "objective": round(sum(terms.values()), 2),
            "money": round(money, 2),
            "planned_projects": round(planned_cost, 2),
            "appraisal_years": int(scenario.appraisal_years),
            "discount_rate": float(scenario.discount_rate),
        },
        "yearly_cost_yuan": yearly,
        "closures": {
            "total": int(len(closures)),
            "small_schools": int(len(small)),
            "other": int(len(closures) - len(small)),
            "by_year": {str(y): int(by_year.get(y, 0)) for y in years},
            "small_schools_by_year": {str(y): int((small["year"] == y).sum()) for y in years},
            "target": scenario.closure_target,
            "candidates": int(problem.candidate.sum()),
        },
        "added": {
            "seats_by_level": added_seats_by_level,
            "seats": int(sum(added_seats_by_level.values())),
            "classrooms": int(last["added_classrooms"].sum()),
            "beds": int(last["added_beds"].sum()),
        },
        "pupils": pupil_figures,
        "buses_estimate": {str(y): round(float(schools.loc[schools["year"] == y, "buses"].sum()), 1) for y in years},
        "moves": {
            str(y): {
                r: int(moves.loc[(moves["year"] == y) & (moves["reason"] == r), "pupils"].sum()) for r in MOVE_REASONS
            }
            for y in years
        },
        "travel_min": _travel_stats(pupils[pupils["year"] == years[-1]]),
        "travel_min_by_year": {str(y): _travel_stats(pupils[pupils["year"] == y]) for y in years},
        "unserved_pupils": demand_total - int(pupils["pupils"].sum()),
    }


def _num(x: float) -> float | None:
    """JSON-safe rounded number (None for inf/nan)."""
    if x is None or not np.isfinite(x):
        return None
    return round(float(x), 6) if abs(x) < 10 else round(float(x), 2)
