"""The plan's economics for the report, English column names: closures by year against the
target, money spent apart from the valued travel time, one reconciled investment table,
pupils who change school, today's enrolment against the plan, boarders and beds, the
school buses (model estimate and routed fleet) by year, town and school, the catchments
(划片) per town, the price of the zone rule and the sensitivity rows.

Pure functions of a :class:`~layout_opt.Plan` (its tables, ``summary`` and routed
``buses``) and, where given, the district's policy targets.  Money is in yuan (元).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from ..maps import catchment_positions
from ..schema import BANDS, LEVEL_OF_KIND
from .common import COMPULSORY_KINDS, district_schools, new_school_seats, opening_years, plan_years, policy_of

if TYPE_CHECKING:  # pragma: no cover
    from ..plan import Plan
    from ..policy import Policy

#: Reasons of ``plan.moves``, in the order the report shows them.
MOVE_REASONS: Final[tuple[str, ...]] = ("entrant", "arrival", "closure", "not taught", "rule", "reassignment")

CLOSURE_YEAR_COLUMNS: Final[list[str]] = [
    "year",
    "small_schools",
    "small_schools_cumulative",
    "target",
    "target_met",
    "other",
    "other_names",
]
MONEY_COLUMNS: Final[list[str]] = ["term", "term_zh", "kind_zh", "appraisal_yuan", "last_year_yuan", "note"]
YEARLY_COST_COLUMNS: Final[list[str]] = [
    "year",
    "running_yuan",
    "transport_yuan",
    "boarding_yuan",
    "money_yuan",
    "travel_time_value_yuan",
]
INVESTMENT_COLUMNS: Final[list[str]] = ["item", "item_zh", "compulsory_yuan", "senior_yuan", "total_yuan", "note"]
FLOW_COLUMNS: Final[list[str]] = [
    "year",
    "pupils",
    "stayed",
    *[f"moved_{r.replace(' ', '_')}" for r in MOVE_REASONS],
    "changed_school",
]
MOVE_SCHOOL_COLUMNS: Final[list[str]] = ["year", "school_id", "name", "town", "reason", "pupils", "from_schools"]
TODAY_COLUMNS: Final[list[str]] = ["school_id", "name", "town", "kind", "pupils_today", "boarders_today"]
BOARDING_COLUMNS: Final[list[str]] = [
    "year",
    "boarders",
    "boarders_primary",
    "boarders_junior",
    "boarders_senior",
    "beds",
    "added_beds",
    "boarding_schools_compulsory",
    "boarding_schools_policy",
    "boarding_schools_senior",
]
BUS_YEAR_COLUMNS: Final[list[str]] = [
    "year",
    "pupils_bused",
    "buses_model",
    "buses_routed",
    "bus_seats",
    "bus_km_per_day",
    "cost_model_yuan",
    "cost_routed_yuan",
    "longest_ride_min",
    "violations",
]
BUS_SCHOOL_COLUMNS: Final[list[str]] = [
    "year",
    "town",
    "school_id",
    "name",
    "pupils_bused",
    "buses_model",
    "buses_routed",
    "bus_seats",
    "bus_km_per_day",
    "longest_ride_min",
    "cost_model_yuan",
    "cost_routed_yuan",
]
BUS_TOWN_COLUMNS: Final[list[str]] = [
    "year",
    "town",
    "schools_with_buses",
    "pupils_bused",
    "buses_model",
    "buses_routed",
    "bus_seats",
    "bus_km_per_day",
    "cost_model_yuan",
    "cost_routed_yuan",
]
CATCHMENT_COLUMNS: Final[list[str]] = ["town", "band", "school_id", "name", "mode", "villages", "pupils"]
SENSITIVITY_COLUMNS: Final[list[str]] = [
    "parameter",
    "parameter_zh",
    "change",
    "status",
    "objective_yuan",
    "money_yuan",
    "boarders",
    "buses",
    "closures",
    "pupils_moved",
]


# --------------------------------------------------------------------------- closures


def closures_by_year(plan: Plan, policy: Policy | None = None) -> pd.DataFrame:
    """Closures per plan year: small schools and teaching points against the target, the
    other closures (high-school relocations) apart.

    A small school is a closure candidate of the model (``summary["closures"]
    ["small_schools"]``); the others are schools the rules close (a high school outside
    the main urban area).

    Returns
    -------
    pandas.DataFrame
        :data:`CLOSURE_YEAR_COLUMNS`: ``year``, ``small_schools`` (closed that year),
        ``small_schools_cumulative``, ``target`` (the policy's closures if known, else the
        scenario's target; empty when neither), ``target_met`` (cumulative at least the
        target, last year only), ``other`` (closed that year), ``other_names``.
    """
    policy = policy_of(plan, policy)
    years = plan_years(plan)
    c = plan.summary["closures"]
    small_by_year = {int(y): int(n) for y, n in c.get("small_schools_by_year", c["by_year"]).items()}
    all_by_year = {int(y): int(n) for y, n in c["by_year"].items()}
    target: int | None = policy.closures if policy is not None else int(c.get("target", -1))
    if target is not None and target < 0:
        target = None
    kinds = district_schools(plan)["kind"]
    closed = plan.closures.assign(kind=plan.closures["school_id"].map(kinds))
    rows, cum = [], 0
    for y in years:
        small = small_by_year.get(y, 0)
        cum += small
        other = all_by_year.get(y, 0) - small
        high = closed[(closed["year"] == y) & closed["kind"].isin(["high", "kindergarten"])]
        rows.append(
            {
                "year": y,
                "small_schools": small,
                "small_schools_cumulative": cum,
                "target": target if y == years[-1] else None,
                "target_met": (cum >= target) if (target is not None and y == years[-1]) else None,
                "other": other,
                "other_names": "、".join(map(str, high["name"])) if other else "",
            }
        )
    out = pd.DataFrame(rows, columns=CLOSURE_YEAR_COLUMNS)
    out["target"] = out["target"].astype("Int64")
    out["target_met"] = out["target_met"].astype(object)
    return out


# --------------------------------------------------------------------------- money

#: What each term of ``summary["costs_yuan"]`` is, in Chinese: (name, kind).
_TERMS_ZH: Final[dict[str, tuple[str, str]]] = {
    "capital": ("改扩建投资(教室和床位)", "一次性投资"),
    "planned_projects": ("新建学校投资(政策规划项目)", "一次性投资"),
    "running": ("学校运行(教师和校舍)", "每年支出"),
    "buses": ("校车(车辆、司机、照管员、油耗)", "每年支出"),
    "boarding": ("寄宿生生活费用", "每年支出"),
    "reassignment": ("在校生调整", "一次性支出"),
    "travel": ("学生上学时间折算", "折算价值, 非支出"),
}
_YEARLY_OF_TERM: Final[dict[str, str]] = {"running": "running", "buses": "transport", "boarding": "boarding"}


def money_table(plan: Plan) -> pd.DataFrame:
    """Money spent, term by term, apart from the valued travel time.

    Rows: the objective's money terms (``capital``, ``running``, ``buses``, ``boarding``,
    ``reassignment``), ``money`` (their sum, ``summary["costs_yuan"]["money"]``), the
    planned projects' cost (fixed by the policy, outside the objective), ``travel`` (the
    pupils' travel time valued in yuan: not money spent) and ``objective`` (money plus
    travel, what the model minimises).

    Returns
    -------
    pandas.DataFrame
        :data:`MONEY_COLUMNS`: ``term``, ``term_zh``, ``kind_zh`` (one-off, yearly,
        valued), ``appraisal_yuan`` (over ``appraisal_years``, each year weighted as in the
        objective), ``last_year_yuan`` (the yearly terms in the last plan year), ``note``.
    """
    cost = plan.summary["costs_yuan"]
    yearly = plan.summary.get("yearly_cost_yuan", {})
    last = str(plan_years(plan)[-1])
    n = int(cost.get("appraisal_years", plan.scenario.appraisal_years))
    rows: list[dict[str, Any]] = []

    def add(term: str, zh: str, kind: str, total: float | None, last_year: float | None, note: str = "") -> None:
        rows.append(
            {
                "term": term,
                "term_zh": zh,
                "kind_zh": kind,
                "appraisal_yuan": None if total is None else round(float(total), 2),
                "last_year_yuan": None if last_year is None else round(float(last_year), 2),
                "note": note,
            }
        )

    for term in ("capital", "running", "buses", "boarding", "reassignment"):
        if term not in cost:
            continue
        zh, kind = _TERMS_ZH[term]
        ly = yearly.get(last, {}).get(_YEARLY_OF_TERM[term]) if term in _YEARLY_OF_TERM else None
        add(term, zh, kind, cost[term], ly)
    money_last = sum(float(yearly.get(last, {}).get(k, 0.0)) for k in ("running", "transport", "boarding"))
    add("money", "实际支出合计(不含规划项目)", "支出", cost.get("money"), money_last, f"评估期{n}年")
    zh, kind = _TERMS_ZH["planned_projects"]
    add(
        "planned_projects",
        zh,
        kind,
        cost.get("planned_projects", 0.0),
        None,
        "政策既定项目, 按开办学校的学位计价, 不参与方案比选",
    )
    zh, kind = _TERMS_ZH["travel"]
    add(
        "travel",
        zh,
        kind,
        cost.get("travel"),
        yearly.get(last, {}).get("travel_time_value"),
        f"按{plan.scenario.value_of_time_yuan_per_hour:g}元/小时折算, 用于权衡出行距离, 不是财政支出",
    )
    add("objective", "优化目标值(支出+时间折算)", "模型目标", cost.get("objective"), None, "模型最小化的总量")
    return pd.DataFrame(rows, columns=MONEY_COLUMNS)


def yearly_costs(plan: Plan) -> pd.DataFrame:
    """Yearly money (running, transport, boarding) and the valued travel time, per plan year.

    Returns
    -------
    pandas.DataFrame
        :data:`YEARLY_COST_COLUMNS`, from ``summary["yearly_cost_yuan"]``; ``money_yuan``
        is running + transport + boarding (the valued travel time is not money).
    """
    yearly = plan.summary.get("yearly_cost_yuan", {})
    rows = []
    for y in plan_years(plan):
        e = yearly.get(str(y), {})
        run, tr, bo = (float(e.get(k, 0.0)) for k in ("running", "transport", "boarding"))
        rows.append((y, run, tr, bo, round(run + tr + bo, 2), float(e.get("travel_time_value", 0.0))))
    return pd.DataFrame(rows, columns=YEARLY_COST_COLUMNS)


def investment_table(plan: Plan, policy: Policy | None = None) -> pd.DataFrame:
    """One reconciled investment table: the plan's additions plus the policy's projects it
    opens equal the total, compulsory and senior apart, against the policy's envelope.

    Rows (``item``): ``classrooms`` (added classrooms x class cap x cost per added seat),
    ``beds`` (added beds x cost per bed), ``expansion`` (their sum: the plan's capital
    cost, ``summary["costs_yuan"]["capital"]``), one row ``project:<school_id>`` per
    planned project the plan opens (its seats x cost per new-school seat), ``projects``
    (their sum, ``summary["costs_yuan"]["planned_projects"]``), ``total`` (expansion +
    projects) and, with policy targets, ``policy_envelope`` (the policy's estimated
    investment in compulsory schools) and ``difference`` (plan's compulsory total minus
    the envelope).

    Returns
    -------
    pandas.DataFrame
        :data:`INVESTMENT_COLUMNS`; yuan.  ``total`` equals ``expansion`` + ``projects``
        in every money column, and ``expansion`` the summary's capital cost.
    """
    policy = policy_of(plan, policy)
    sc = plan.scenario
    years = plan_years(plan)
    last = plan.schools[plan.schools["year"] == years[-1]]
    senior = last["kind"].map(LEVEL_OF_KIND) == "senior"
    seat_cost = last["added_seats"] * float(sc.cost_per_added_seat_yuan)
    bed_cost = last["capital_cost_yuan"] - seat_cost
    rows: list[dict[str, Any]] = []

    def add(item: str, zh: str, comp: float, sen: float, note: str = "") -> None:
        rows.append(
            {
                "item": item,
                "item_zh": zh,
                "compulsory_yuan": round(float(comp), 2),
                "senior_yuan": round(float(sen), 2),
                "total_yuan": round(float(comp + sen), 2),
                "note": note,
            }
        )

    rooms = int(last["added_classrooms"].sum())
    add(
        "classrooms",
        "改扩建: 新增教室",
        seat_cost[~senior].sum(),
        seat_cost[senior].sum(),
        f"{rooms:,}间教室, {int(last['added_seats'].sum()):,}个学位, 每学位{sc.cost_per_added_seat_yuan:,.0f}元",
    )
    add(
        "beds",
        "改扩建: 新增床位",
        bed_cost[~senior].sum(),
        bed_cost[senior].sum(),
        f"{int(last['added_beds'].sum()):,}张床位, 每张{sc.cost_per_added_bed_yuan:,.0f}元",
    )
    add(
        "expansion",
        "方案改扩建小计",
        last.loc[~senior, "capital_cost_yuan"].sum(),
        last.loc[senior, "capital_cost_yuan"].sum(),
        "= 优化方案的改扩建投资",
    )
    base = district_schools(plan)
    opening = opening_years(plan)
    comp_p = sen_p = 0.0
    for sid in sorted(opening, key=lambda s: (opening[s], s)):
        seats = new_school_seats(plan, sid)
        cost = seats * float(sc.cost_per_new_school_seat_yuan)
        is_senior = LEVEL_OF_KIND[base.at[sid, "kind"]] == "senior"
        comp_p += 0.0 if is_senior else cost
        sen_p += cost if is_senior else 0.0
        add(
            f"project:{sid}",
            f"规划项目: {base.at[sid, 'name']}",
            0.0 if is_senior else cost,
            cost if is_senior else 0.0,
            f"{opening[sid]}年开办, {seats:,}个学位, 每学位{sc.cost_per_new_school_seat_yuan:,.0f}元",
        )
    add("projects", "政策规划项目小计", comp_p, sen_p, "方案期内开办的政策规划新建学校")
    exp = rows[2]
    add(
        "total",
        "投资合计",
        exp["compulsory_yuan"] + comp_p,
        exp["senior_yuan"] + sen_p,
        "= 改扩建小计 + 规划项目小计",
    )
    if policy is not None:
        envelope = float(policy.compulsory_build_yuan)
        covers = f", 还含{policy.compulsory_build_covers}" if policy.compulsory_build_covers else ""
        add("policy_envelope", "政策概算: 义务教育学校新建改扩建", envelope, 0.0, f"政策文件概算{covers}")
        total = rows[-2]
        add(
            "difference",
            "差额(方案义务教育 − 政策概算)",
            total["compulsory_yuan"] - envelope,
            0.0,
            "方案只计学位和床位, 政策概算范围更广, 仅作量级参考",
        )
    return pd.DataFrame(rows, columns=INVESTMENT_COLUMNS)


# --------------------------------------------------------------------------- pupils


def pupil_flows(plan: Plan) -> pd.DataFrame:
    """Per plan year: pupils, those who stay at their school, and those placed or moved
    by reason (``plan.moves``).

    ``stayed`` is the year's pupils less every pupil of ``plan.moves`` that year (an
    entrant or arrival is placed, the others change school); ``changed_school`` counts
    the enrolled pupils who change school (closure, not taught, rule, reassignment).

    Returns
    -------
    pandas.DataFrame
        :data:`FLOW_COLUMNS`.
    """
    rows = []
    moves = plan.moves if len(plan.moves.columns) else pd.DataFrame(columns=["year", "reason", "pupils"])
    for y in plan_years(plan):
        total = int(plan.pupils.loc[plan.pupils["year"] == y, "pupils"].sum()) if len(plan.pupils.columns) else 0
        if not total:
            total = int(plan.assignments.loc[plan.assignments["year"] == y, "pupils"].sum())
        m = moves[moves["year"] == y].groupby("reason")["pupils"].sum()
        by = {r: int(m.get(r, 0)) for r in MOVE_REASONS}
        changed = sum(by[r] for r in ("closure", "not taught", "rule", "reassignment"))
        row = {"year": y, "pupils": total, "stayed": total - sum(by.values())}
        row |= {f"moved_{r.replace(' ', '_')}": by[r] for r in MOVE_REASONS}
        row["changed_school"] = changed
        rows.append(row)
    return pd.DataFrame(rows, columns=FLOW_COLUMNS)


def moves_by_school(plan: Plan) -> pd.DataFrame:
    """Pupils who change school, per year, receiving school and reason (entrants and
    arrivals left out), most pupils first.

    Returns
    -------
    pandas.DataFrame
        :data:`MOVE_SCHOOL_COLUMNS`: the receiving ``school_id``, ``name``, ``town``,
        ``reason``, ``pupils`` and ``from_schools`` (names of the schools they leave,
        most pupils first).
    """
    mv = plan.moves
    if not len(mv.columns) or mv.empty:
        return pd.DataFrame(columns=MOVE_SCHOOL_COLUMNS)
    mv = mv[~mv["reason"].isin(["entrant", "arrival"])]
    base = district_schools(plan)
    rows = []
    for (y, sid, reason), g in mv.groupby(["year", "to_school_id", "reason"], sort=True):
        src = g.groupby("from_school_id")["pupils"].sum().sort_values(ascending=False, kind="stable")
        rows.append(
            {
                "year": int(y),
                "school_id": sid,
                "name": base["name"].get(sid, sid),
                "town": base["town"].get(sid, ""),
                "reason": reason,
                "pupils": int(g["pupils"].sum()),
                "from_schools": "、".join(f"{base['name'].get(s, s)} {int(n)}" for s, n in src.items() if n > 0),
            }
        )
    out = pd.DataFrame(rows, columns=MOVE_SCHOOL_COLUMNS)
    return out.sort_values(["year", "pupils", "school_id"], ascending=[True, False, True], kind="stable").reset_index(
        drop=True
    )


def today_vs_plan(plan: Plan) -> pd.DataFrame:
    """Today's enrolment (the district's base year) against the plan, school by school.

    Returns
    -------
    pandas.DataFrame
        :data:`TODAY_COLUMNS` and, per plan year, ``pupils_<year>`` and
        ``boarders_<year>``; then ``status`` in the last plan year.  One row per school
        that has pupils today or in a plan year.  Without ``district.enrolment`` today's
        pupils are the schools' grade columns and today's boarders are empty.
    """
    base = district_schools(plan)
    schools = plan.district.schools.set_index("school_id")
    enrol = getattr(plan.district, "enrolment", None)
    if enrol is not None and len(enrol):
        today = enrol.groupby("school_id")[["pupils", "boarders"]].sum()
    else:
        grades = [c for c in schools.columns if c.startswith("g") and c[1:].isdigit()]
        today = pd.DataFrame({"pupils": schools[grades].sum(axis=1), "boarders": np.nan})
    years = plan_years(plan)
    st = plan.schools.set_index(["school_id", "year"])
    ids = sorted(
        set(today.index[today["pupils"] > 0]) | set(plan.schools.loc[plan.schools["enrolment"] > 0, "school_id"])
    )
    rows = []
    for sid in ids:
        row: dict[str, Any] = {
            "school_id": sid,
            "name": base["name"].get(sid, sid),
            "town": base["town"].get(sid, ""),
            "kind": base["kind"].get(sid, ""),
            "pupils_today": int(today["pupils"].get(sid, 0)),
            "boarders_today": today["boarders"].get(sid, 0),
        }
        for y in years:
            row[f"pupils_{y}"] = int(st["enrolment"].get((sid, y), 0))
        for y in years:
            row[f"boarders_{y}"] = int(st["boarding_pupils"].get((sid, y), 0))
        row["status"] = st["status"].get((sid, years[-1]), "")
        rows.append(row)
    out = pd.DataFrame(rows)
    if len(out):
        out["boarders_today"] = pd.to_numeric(out["boarders_today"]).astype("Int64")
    return out


# --------------------------------------------------------------------------- boarding


def boarding_table(plan: Plan) -> pd.DataFrame:
    """Boarders and beds per plan year (the base year first), and the boarding schools in use.

    A boarding school in use has boarders that year; ``boarding_schools_compulsory``
    counts those teaching grades 1-9 (the policy counts 34 today in Mengjin),
    ``boarding_schools_senior`` the high schools.  Beds are those of the schools open that
    year (existing plus added).

    Returns
    -------
    pandas.DataFrame
        :data:`BOARDING_COLUMNS`; ``boarding_schools_policy`` is the policy's count of
        boarding schools today (in the base-year row; empty without it).
    """
    rows = []
    base = district_schools(plan)
    pol = policy_of(plan, None)
    policy_count = getattr(pol, "boarding_schools_today", None) if pol is not None else None
    enrol = getattr(plan.district, "enrolment", None)
    if enrol is not None and len(enrol):
        e = enrol.assign(kind=enrol["school_id"].map(base["kind"]), level=lambda t: t["kind"].map(LEVEL_OF_KIND))
        per_school = e.groupby("school_id")["boarders"].sum()
        boarding_ids = per_school[per_school > 0].index
        kinds = base["kind"].reindex(boarding_ids)
        open_beds = base.loc[base["status"] == "open", "beds"]
        rows.append(
            {
                "year": int(plan.district.base_year),
                "boarders": int(e["boarders"].sum()),
                "boarders_primary": int(e.loc[e["level"] == "primary", "boarders"].sum()),
                "boarders_junior": int(e.loc[e["level"] == "junior", "boarders"].sum()),
                "boarders_senior": int(e.loc[e["level"] == "senior", "boarders"].sum()),
                "beds": int(open_beds.sum()),
                "added_beds": 0,
                "boarding_schools_compulsory": int(kinds.isin(COMPULSORY_KINDS).sum()),
                "boarding_schools_policy": policy_count,
                "boarding_schools_senior": int((kinds == "high").sum()),
            }
        )
    pu = plan.pupils if len(plan.pupils.columns) else None
    for y in plan_years(plan):
        st = plan.schools[(plan.schools["year"] == y) & plan.schools["status"].isin(["open", "new"])]
        level = st["kind"].map(LEVEL_OF_KIND)
        if pu is not None:
            p = pu[(pu["year"] == y) & (pu["mode"] == "boarding")]
            by_band = p.groupby("band")["pupils"].sum()
            primary = int(by_band.get("upper_primary", 0) + by_band.get("lower_primary", 0))
            junior, senior = int(by_band.get("junior", 0)), int(by_band.get("senior", 0))
        else:
            primary = int(st.loc[level == "primary", "boarding_pupils"].sum())
            junior = int(st.loc[level == "junior", "boarding_pupils"].sum())
            senior = int(st.loc[level == "senior", "boarding_pupils"].sum())
        using = st[st["boarding_pupils"] > 0]
        rows.append(
            {
                "year": y,
                "boarders": int(st["boarding_pupils"].sum()),
                "boarders_primary": primary,
                "boarders_junior": junior,
                "boarders_senior": senior,
                "beds": int((st["beds"] + st["added_beds"]).sum()),
                "added_beds": int(st["added_beds"].sum()),
                "boarding_schools_compulsory": int(using["kind"].isin(COMPULSORY_KINDS).sum()),
                "boarding_schools_policy": None,
                "boarding_schools_senior": int((using["kind"] == "high").sum()),
            }
        )
    out = pd.DataFrame(rows, columns=BOARDING_COLUMNS)
    out["boarding_schools_policy"] = out["boarding_schools_policy"].astype("Int64")
    return out


# --------------------------------------------------------------------------- buses


def _routed_cost(plan: Plan, buses: float, km_per_day: float) -> float:
    """Yearly cost of a routed fleet: buses x yearly cost of a bus + bus-km x days x cost per km."""
    sc = plan.scenario
    return float(buses * sc.bus_cost_yuan_per_year + km_per_day * sc.school_days_per_year * sc.bus_cost_yuan_per_km)


def bus_schools(plan: Plan) -> pd.DataFrame:
    """The school buses per year and school: the model's estimate and the routed fleet.

    Returns
    -------
    pandas.DataFrame
        :data:`BUS_SCHOOL_COLUMNS`: one row per year and school with bused pupils or
        routed buses; ``buses_model`` and ``cost_model_yuan`` are the plan's
        ``schools`` columns ``buses`` and ``transport_cost_yuan``; ``buses_routed``,
        ``bus_seats``, ``bus_km_per_day`` and ``longest_ride_min`` come from the routed
        :attr:`layout_opt.Plan.buses` of that year, ``cost_routed_yuan`` values them at
        the scenario's yearly cost of a bus and cost per bus-km (as
        :func:`layout_opt.buses.bus_costs` does).
    """
    base = district_schools(plan)
    cols = ["year", "school_id", "bused_pupils", "buses", "transport_cost_yuan"]
    st = plan.schools[[c for c in cols if c in plan.schools.columns]].copy()
    for c in cols:
        if c not in st.columns:
            st[c] = 0.0
    frames = []
    for y in plan_years(plan):
        s = st[st["year"] == y].set_index("school_id")
        bp = (plan.buses or {}).get(y)
        ps = bp.per_school.set_index("school_id") if bp is not None and len(bp.per_school) else pd.DataFrame()
        ids = set(s.index[(s["bused_pupils"] > 0) | (s["buses"] > 0)])
        if len(ps):
            ids |= set(ps.index[ps["buses"] > 0])
        for sid in ids:
            routed = float(ps.at[sid, "buses"]) if sid in ps.index else 0.0
            km = float(ps.at[sid, "bus_km_per_day"]) if sid in ps.index else 0.0
            frames.append(
                {
                    "year": y,
                    "town": base["town"].get(sid, ""),
                    "school_id": sid,
                    "name": base["name"].get(sid, sid),
                    "pupils_bused": int(ps.at[sid, "pupils_bused"])
                    if sid in ps.index
                    else int(s["bused_pupils"].get(sid, 0)),
                    "buses_model": round(float(s["buses"].get(sid, 0.0)), 2),
                    "buses_routed": int(routed) if bp is not None else None,
                    "bus_seats": int(ps.at[sid, "seats"]) if sid in ps.index else (0 if bp is not None else None),
                    "bus_km_per_day": round(km, 1) if bp is not None else None,
                    "longest_ride_min": round(float(ps.at[sid, "longest_ride_min"]), 1) if sid in ps.index else None,
                    "cost_model_yuan": round(float(s["transport_cost_yuan"].get(sid, 0.0)), 2),
                    "cost_routed_yuan": round(_routed_cost(plan, routed, km), 2) if bp is not None else None,
                }
            )
    out = pd.DataFrame(frames, columns=BUS_SCHOOL_COLUMNS)
    order = {t: i for i, t in enumerate(plan.district.towns["town"])}
    out = out.assign(_t=out["town"].map(order).fillna(len(order))).sort_values(
        ["year", "_t", "school_id"], kind="stable"
    )
    for c in ("bus_km_per_day", "longest_ride_min", "cost_routed_yuan", "buses_model", "cost_model_yuan"):
        out[c] = pd.to_numeric(out[c]).astype(float)
    for c in ("buses_routed", "bus_seats"):
        out[c] = pd.to_numeric(out[c]).astype("Int64")
    return out.drop(columns="_t").reset_index(drop=True)


def bus_towns(plan: Plan, schools: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`bus_schools` summed per year and town (the towns in the district's order).

    Returns
    -------
    pandas.DataFrame
        :data:`BUS_TOWN_COLUMNS`.
    """
    bs = bus_schools(plan) if schools is None else schools
    if bs.empty:
        return pd.DataFrame(columns=BUS_TOWN_COLUMNS)
    num = [
        "pupils_bused",
        "buses_model",
        "buses_routed",
        "bus_seats",
        "bus_km_per_day",
        "cost_model_yuan",
        "cost_routed_yuan",
    ]
    g = bs.assign(_has=(bs["buses_routed"].fillna(0) > 0) | (bs["buses_model"] > 0)).groupby(
        ["year", "town"], sort=False
    )
    out = g[num].sum(min_count=1).reset_index()
    out["schools_with_buses"] = g["_has"].sum().to_numpy().astype(int)
    out["buses_model"] = out["buses_model"].round(1)
    out["bus_km_per_day"] = out["bus_km_per_day"].round(1)
    for c in ("cost_model_yuan", "cost_routed_yuan"):
        out[c] = out[c].astype(float).round(2)
    return out[BUS_TOWN_COLUMNS]


def bus_years(plan: Plan) -> pd.DataFrame:
    """The school buses per plan year: the model's fleet against the routed one.

    Returns
    -------
    pandas.DataFrame
        :data:`BUS_YEAR_COLUMNS`, from ``summary["buses"]`` and the routed
        :attr:`layout_opt.Plan.buses` (seats, longest ride); the routed columns are empty
        for a year without routes.
    """
    sb = plan.summary.get("buses", {})
    rows = []
    for y in plan_years(plan):
        e = sb.get(str(y), {})
        bp = (plan.buses or {}).get(y)
        t = bp.totals if bp is not None else {}
        rows.append(
            {
                "year": y,
                "pupils_bused": e.get("pupils_bused", t.get("pupils_bused")),
                "buses_model": e.get("buses_model"),
                "buses_routed": e.get("buses_routed", t.get("buses")),
                "bus_seats": t.get("bus_seats"),
                "bus_km_per_day": e.get("bus_km_per_day", t.get("bus_km_per_day")),
                "cost_model_yuan": e.get("transport_cost_model_yuan"),
                "cost_routed_yuan": e.get("transport_cost_routed_yuan"),
                "longest_ride_min": t.get("ride_min_max"),
                "violations": e.get("violations", t.get("violations")),
            }
        )
    out = pd.DataFrame(rows, columns=BUS_YEAR_COLUMNS)
    for c in ("pupils_bused", "buses_routed", "bus_seats", "violations"):
        out[c] = pd.to_numeric(out[c]).astype("Int64")
    return out


# --------------------------------------------------------------------------- catchments


def catchment_table(plan: Plan, year: int | None = None) -> pd.DataFrame:
    """The catchments (划片) of one plan year per town, band and school.

    Returns
    -------
    pandas.DataFrame
        :data:`CATCHMENT_COLUMNS`: the villages' ``town``, ``band``, the catchment
        school (``school_id``, ``name``), ``mode`` and how many ``villages`` and
        ``pupils`` (that band's pupils of those villages that year) it takes; towns in
        the district's order, bands in school order.  From
        :func:`layout_opt.maps.catchment_positions`.
    """
    years = plan_years(plan)
    year = years[-1] if year is None else int(year)
    ch = catchment_positions(plan, year)
    v = plan.district.villages.set_index("village_id")
    pupils = plan.assignments[plan.assignments["year"] == year].groupby(["village_id", "band"])["pupils"].sum()
    ch = ch.assign(
        town=ch["village_id"].map(v["town"]),
        pupils=[int(pupils.get((vid, b), 0)) for vid, b in zip(ch["village_id"], ch["band"])],
    )
    base = district_schools(plan)
    g = (
        ch.groupby(["town", "band", "school_id", "mode"], as_index=False)
        .agg(villages=("village_id", "size"), pupils=("pupils", "sum"))
        .assign(name=lambda t: t["school_id"].map(base["name"]))
    )
    order = {t: i for i, t in enumerate(plan.district.towns["town"])}
    band_order = {b: i for i, b in enumerate(BANDS)}
    g = g.assign(_t=g["town"].map(order).fillna(len(order)), _b=g["band"].map(band_order))
    g = g.sort_values(["_t", "_b", "villages", "school_id"], ascending=[True, True, False, True], kind="stable")
    return g[CATCHMENT_COLUMNS].reset_index(drop=True)


def zone_rule(plan: Plan) -> dict[str, Any] | None:
    """The price of the catchment-zone rule (``summary["zone_rule"]``), or None.

    Returns
    -------
    dict or None
        ``zoned_objective_yuan``, ``district_objective_yuan``, ``district_bound_yuan``,
        ``price_at_least_yuan``, ``price_at_most_yuan``, ``district_status`` (each may
        be missing) and ``zones`` (the scenario's ``catchment_zones``).
    """
    z = plan.summary.get("zone_rule")
    if not z:
        return None
    return {**z, "zones": plan.scenario.catchment_zones}


# --------------------------------------------------------------------------- sensitivity


def sensitivity_table(plan: Plan) -> pd.DataFrame | None:
    """``summary["sensitivity"]`` as a table (None when the plan has none).

    Each entry is ``{"parameter", "parameter_zh" (optional), "change" (e.g. -0.5 / +0.5),
    "status", "objective_yuan", "money_yuan", "boarders", "buses", "closures_by_year"
    (year -> n), "pupils_moved"}``, with a base row of ``change = 0``
    (:func:`layout_opt.solve` with ``sensitivity=True``).

    Returns
    -------
    pandas.DataFrame or None
        :data:`SENSITIVITY_COLUMNS` (``parameter_zh`` the row's own, else the scenario
        parameter's Chinese name, else the identifier) plus ``closures_<year>`` per year
        found, then ``objective_change`` and ``money_change`` (relative to the base row,
        empty without one); the base row first, then by parameter and change.
    """
    from .params import PARAM_ZH

    rows = plan.summary.get("sensitivity")
    if not rows:
        return None
    years = sorted({int(y) for r in rows for y in (r.get("closures_by_year") or {})})
    records = []
    for r in rows:
        cby = {int(y): int(n) for y, n in (r.get("closures_by_year") or {}).items()}
        rec = {c: r.get(c) for c in SENSITIVITY_COLUMNS if c not in ("closures", "parameter_zh")}
        key = str(r.get("parameter", ""))
        rec["parameter_zh"] = r.get("parameter_zh") or PARAM_ZH.get(key, key)
        rec["closures"] = sum(cby.values()) if cby else None
        rec |= {f"closures_{y}": cby.get(y) for y in years}
        records.append(rec)
    out = pd.DataFrame(records, columns=[*SENSITIVITY_COLUMNS, *(f"closures_{y}" for y in years)])
    out["change"] = pd.to_numeric(out["change"], errors="coerce")
    base = out[out["change"] == 0]
    for col, name in (("objective_yuan", "objective_change"), ("money_yuan", "money_change")):
        values = pd.to_numeric(out[col], errors="coerce")
        ref = float(pd.to_numeric(base[col], errors="coerce").iloc[0]) if len(base) else float("nan")
        out[name] = (values / ref - 1.0).round(4) if np.isfinite(ref) and ref else np.nan
    out = out.assign(_base=out["change"] != 0).sort_values(["_base", "parameter", "change"], kind="stable")
    return out.drop(columns="_base").reset_index(drop=True)
