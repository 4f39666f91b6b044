"""Today's attendance: which school the pupils of each village attend, by grade.

A plan starts from where pupils are: those already enrolled stay at their school until
they finish its band or it closes.  The bureau's registry (学籍) gives the attendance
directly (``enrolment.csv``: village, school, grade, pupils, boarders).  When a district
has none, :func:`infer_attendance` derives one that agrees with both tables the district
does have, the pupils living in each village and the pupils enrolled at each school,
grade by grade: a minimum-cost transportation problem (OR-Tools' min-cost flow) that
sends every village's pupils to the schools that teach their grade, as near as the
schools' enrolment allows.  Boarders are the pupils who live farthest from a school with
beds, up to its beds.

The functions are pure: tables in, tables out.

Examples
--------
>>> import layout_opt as lo
>>> d = lo.examples.synthetic_district(n_towns=2, villages_per_town=5, seed=1)
>>> att = infer_attendance(d.villages, d.schools, lo.travel_matrix(d))
>>> list(att.columns)
['village_id', 'school_id', 'grade', 'pupils', 'boarders']
>>> int(att["pupils"].sum()) == int(d.villages[[f"g{g}" for g in range(1, 13)]].to_numpy().sum())
True
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow

from .schema import ALL_GRADES, BANDS_OF_KIND, band_of_grade, grade_column

logger = logging.getLogger(__name__)

#: Columns of an attendance table.
ATTENDANCE_COLUMNS: tuple[str, ...] = ("village_id", "school_id", "grade", "pupils", "boarders")

#: Minutes charged for a village-school pair with no road connection (or beyond the
#: travel matrix's cutoff); such pairs are used only when nothing else fits.
UNREACHABLE_MIN = 10_000


def infer_attendance(villages: pd.DataFrame, schools: pd.DataFrame, travel) -> pd.DataFrame:
    """An attendance table consistent with the villages' pupils and the schools' enrolment.

    Parameters
    ----------
    villages : pandas.DataFrame
        ``village_id``, ``g1`` .. ``g12`` (pupils living there in the base year).
    schools : pandas.DataFrame
        ``school_id``, ``kind``, ``status``, ``beds``, ``g1`` .. ``g12`` (pupils enrolled
        in the base year; planned projects are left out).
    travel : layout_opt.travel.TravelMatrix
        One-way minutes from villages to schools.

    Returns
    -------
    pandas.DataFrame
        :data:`ATTENDANCE_COLUMNS`, one row per village, school and grade with pupils,
        sorted.  Per grade, the pupils of a village and of a school add up to the tables'
        figures where the two tables agree on the grade's total; where they do not, the
        smaller total is matched and the rest is logged.
    """
    open_s = schools[schools["status"] == "open"].reset_index(drop=True)
    tm = travel.subset(villages["village_id"].to_numpy(), open_s["school_id"].to_numpy()).minutes
    cost = np.where(np.isfinite(tm), np.rint(tm * 100), UNREACHABLE_MIN * 100).astype(np.int64)
    vid = villages["village_id"].astype(str).to_numpy()
    sid = open_s["school_id"].astype(str).to_numpy()
    frames = []
    for g in ALL_GRADES:
        supply = villages[grade_column(g)].to_numpy(np.int64)
        band = band_of_grade(g)
        teaches = np.array([band in BANDS_OF_KIND[k] for k in open_s["kind"]])
        capacity = np.where(teaches, open_s[grade_column(g)].to_numpy(np.int64), 0)
        flows = _transport(supply, capacity, cost)
        if flows.sum() < min(supply.sum(), capacity.sum()):
            raise RuntimeError(f"could not match the pupils of grade {g} to schools")  # pragma: no cover
        if supply.sum() != capacity.sum():
            logger.warning(
                "grade %d: %d pupils live in the villages, %d are enrolled at schools teaching it; %d matched",
                g,
                supply.sum(),
                capacity.sum(),
                flows.sum(),
            )
        v, s = np.nonzero(flows)
        frames.append(pd.DataFrame({"village_id": vid[v], "school_id": sid[s], "grade": g, "pupils": flows[v, s]}))
    att = pd.concat(frames, ignore_index=True)
    att["boarders"] = 0
    beds = dict(zip(sid, open_s["beds"].to_numpy(np.int64)))
    t_of = pd.Series(tm[pd.Index(vid).get_indexer(att["village_id"]), pd.Index(sid).get_indexer(att["school_id"])])
    boards = att["grade"].map(lambda g: band_of_grade(g) not in ("lower_primary", "preschool")).to_numpy()
    order = np.lexsort((att["village_id"].to_numpy(), -np.nan_to_num(t_of.to_numpy(), posinf=1e9)))
    left = dict(beds)
    boarders = np.zeros(len(att), dtype=np.int64)
    for i in order:
        if not boards[i]:
            continue
        s = att["school_id"].iat[i]
        take = min(int(att["pupils"].iat[i]), left.get(s, 0))
        if take > 0:
            boarders[i] = take
            left[s] -= take
    att["boarders"] = boarders
    return att.sort_values(["village_id", "school_id", "grade"], kind="stable").reset_index(drop=True)[
        list(ATTENDANCE_COLUMNS)
    ]


def _transport(supply: np.ndarray, capacity: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Minimum-cost flow from ``supply`` (V,) to ``capacity`` (S,) over a ``(V, S)`` cost.

    Ships ``min(sum(supply), sum(capacity))`` units; returns the ``(V, S)`` flows.
    """
    V, S = cost.shape
    total = int(min(supply.sum(), capacity.sum()))
    flows = np.zeros((V, S), dtype=np.int64)
    if total == 0:
        return flows
    smcf = min_cost_flow.SimpleMinCostFlow()
    vs = np.flatnonzero(supply > 0)
    ss = np.flatnonzero(capacity > 0)
    source, sink = V + S, V + S + 1
    tails = np.repeat(vs, len(ss))
    heads = V + np.tile(ss, len(vs))
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        tails, heads, np.full(len(tails), total, dtype=np.int64), cost[np.ix_(vs, ss)].ravel()
    )
    smcf.add_arcs_with_capacity_and_unit_cost(
        np.full(len(vs), source), vs, supply[vs], np.zeros(len(vs), dtype=np.int64)
    )
    smcf.add_arcs_with_capacity_and_unit_cost(
        V + ss, np.full(len(ss), sink), capacity[ss], np.zeros(len(ss), dtype=np.int64)
    )
    smcf.set_node_supply(source, total)
    smcf.set_node_supply(sink, -total)
    status = smcf.solve()
    if status != smcf.OPTIMAL:  # pragma: no cover - a balanced network always has a flow
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flow = smcf.flows(arcs)
    flows[tails - 0, heads - V] = flow
    return flows
