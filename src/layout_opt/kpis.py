"""Key figures of plans: one plan's (:func:`plan_kpis`) and several side by side (:func:`compare`).

Pure functions of the plans' ``summary`` dicts; :meth:`layout_opt.Plan.kpis` and
:func:`layout_opt.compare` are these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from .schema import BANDS

if TYPE_CHECKING:  # pragma: no cover
    from .plan import Plan


#: Rows of :func:`compare` and :meth:`Plan.kpis`, in order (travel rows per planned band).
KPI_ROWS: tuple[str, ...] = (
    "closures",
    "added seats",
    "added seats primary",
    "added seats junior",
    "added seats senior",
    "added classrooms",
    "added beds",
    "capital cost (M yuan)",
    "new-school cost (M yuan)",
    *(f"travel {stat} {band} (min)" for band in BANDS for stat in ("mean", "p95")),
    "day pupils",
    "boarders",
    "objective (M yuan)",
    "gap (%)",
)


def plan_kpis(plan: Plan) -> pd.Series:
    """The comparison figures of one plan (the rows of :func:`compare`).

    Returns
    -------
    pandas.Series
        Named after the scenario, indexed by ``kpi`` (:data:`KPI_ROWS`, travel rows of
        the planned bands only), object dtype holding plain ints and floats so that
        counts print without decimals; NaN where a figure is unknown (the gap of a plan
        without a bound).  Counts and travel are those of the last plan year, seats,
        classrooms, beds and costs cumulative.
    """
    s = plan.summary
    last = str(s["years"][-1])
    out: dict[str, Any] = {
        "closures": int(s["closures"]["total"]),
        "added seats": int(s["added"]["seats"]),
    }
    for lv in ("primary", "junior", "senior"):
        out[f"added seats {lv}"] = int(s["added"]["seats_by_level"].get(lv, 0))
    out["added classrooms"] = int(s["added"]["classrooms"])
    out["added beds"] = int(s["added"]["beds"])
    out["capital cost (M yuan)"] = round(s["costs_yuan"]["capital"] / 1e6, 2)
    out["new-school cost (M yuan)"] = round(s["costs_yuan"].get("planned_projects", 0.0) / 1e6, 2)
    for band in BANDS:
        t = s["travel_min"].get(band)
        if t is not None:
            out[f"travel mean {band} (min)"] = float(t["mean"])
            out[f"travel p95 {band} (min)"] = float(t["p95"])
    out["day pupils"] = int(s["pupils"][last]["day"])
    out["boarders"] = int(s["pupils"][last]["boarding"])
    out["objective (M yuan)"] = round(s["costs_yuan"]["objective"] / 1e6, 3)
    gap = s["solver"]["gap"]
    out["gap (%)"] = float("nan") if gap is None else round(100 * gap, 3)
    series = pd.Series(out, name=s["scenario"]["name"], dtype=object)
    series.index.name = "kpi"
    return series


def compare(plans: Mapping[str, Plan] | Iterable[Plan]) -> pd.DataFrame:
    """Key figures of several plans side by side.

    Parameters
    ----------
    plans : dict of str to Plan, or a list of Plan
        Label -> plan; a list is labelled by the scenario names (made unique with
        ``#2``, ``#3``... where two plans share a name).

    Returns
    -------
    pandas.DataFrame
        One column per plan, one row per figure (:data:`KPI_ROWS`): closures; added
        seats in total and by level (primary, junior, senior); added classrooms and beds;
        capital cost of classrooms and beds and the cost of the planned new schools the
        plan opens (million yuan); mean and p95 one-way travel minutes by band; day
        pupils and boarders; the objective (million yuan) and the solver's gap (%).
        Travel, day pupils and boarders are those of each plan's last year; a band a plan
        does not plan has NaN travel.  Values are plain numbers in an object frame (counts
        print without decimals); ``compare(...).T`` has one row per plan, ready to plot
        one figure against another.

    Examples
    --------
    >>> import layout_opt as lo
    >>> d = lo.examples.synthetic_district(n_towns=2, villages_per_town=6, seed=2)
    >>> # running costs left out, so that the closure target alone decides the closures
    >>> base = lo.Scenario(years=(2024,), closure_target=2, time_limit_s=20, school_cost_yuan_per_year=0, teacher_cost_yuan_per_year=0)
    >>> table = lo.compare({"2 closures": lo.solve(d, base), "3 closures": lo.solve(d, base.replace(closure_target=3))})
    >>> table.loc["closures"].tolist()
    [2, 3]
    >>> table.index[:8].tolist()
    ['closures', 'added seats', 'added seats primary', 'added seats junior', 'added seats senior', 'added classrooms', 'added beds', 'capital cost (M yuan)']
    >>> trade_off = table.T[["closures", "travel mean lower_primary (min)"]]   # one row per plan
    >>> bool(trade_off.iloc[1, 1] >= trade_off.iloc[0, 1])                       # more closures, longer trips
    True
    """
    if isinstance(plans, Mapping):
        items = list(plans.items())
    else:
        items, seen = [], {}
        for p in plans:
            name = str(p.summary["scenario"]["name"])
            seen[name] = seen.get(name, 0) + 1
            items.append((name if seen[name] == 1 else f"{name} #{seen[name]}", p))
    if not items:
        raise ValueError("compare needs at least one plan")
    cols = [plan_kpis(p).rename(label) for label, p in items]
    table = pd.concat(cols, axis=1)
    order = [k for k in KPI_ROWS if k in table.index]
    table = table.loc[order].astype(object)
    return table.where(table.notna(), float("nan"))
