"""The plan against the district's policy targets (the target figures, the senior-high
relocation), and :func:`report_tables`, every English table of the report.

The targets are data (:class:`layout_opt.policy.Policy`, Mengjin's in
``data/policy.toml``), taken from the plan's district unless given; without them the
policy table is empty and the senior table has no policy columns filled in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from .common import district_schools, other_closures_zh, plan_years, policy_of, yuan_wan
from .tables import (
    additions_table,
    compulsory_seats,
    kindergarten_places,
    kindergarten_towns_table,
    projects_table,
    stranded_table,
    towns_table,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..demand import Forecast
    from ..plan import Plan
    from ..policy import Policy, SeniorRelocation

POLICY_COLUMNS: Final[list[str]] = ["item", "item_zh", "unit", "policy", "plan", "difference", "note"]

#: Columns of the destinations of one closed school (grouped from :meth:`layout_opt.Plan.closure_moves`).
DESTINATION_COLUMNS: Final[list[str]] = ["school_id", "name", "pupils", "share"]


def policy_table(plan: Plan, policy_projects: pd.DataFrame | None = None, policy: Policy | None = None) -> pd.DataFrame:
    """The plan against the policy's own targets, with the differences spelled out.

    Rows (``item``):

    * ``closures`` — small schools and teaching points closed by the last plan year vs the
      policy's closures (high-school relocations are counted apart, in the note);
    * ``compulsory_seats`` — added compulsory seats (classrooms added at primary, junior
      and nine-year schools and teaching points, times the class cap, plus the seats of
      the compulsory planned projects the plan opens) vs the policy's compulsory seats;
    * ``compulsory_seats_new_schools`` / ``compulsory_seats_expansion`` — the two parts;
      the policy's new-school seats are those of its projects of type ``new`` (needs
      ``policy_projects``), the rest of the policy's seats are counted as expansion;
    * ``compulsory_seat_cost_yuan`` — both sides valued at the scenario's unit costs
      (``cost_per_new_school_seat_yuan`` for new-school seats, ``cost_per_added_seat_yuan``
      for the others), so the difference is what the plan's seat choice saves or adds;
    * ``compulsory_build_yuan`` — the plan's compulsory seats and beds vs the policy's
      estimated investment (which covers more than seats: scale only);
    * ``boarding_towns`` — towns with a boarding primary and a boarding junior school in
      the last plan year vs all towns (subdistricts excluded);
    * ``boarding_schools`` — primary and junior schools with boarders in the last plan
      year vs the boarding schools the policy counts today (only when the policy says);
    * with kindergartens planned: ``kindergarten_places`` (places added at kindergartens
      and at the kindergarten projects the plan opens vs the policy's places),
      ``kindergarten_build_yuan`` (their cost vs the policy's investment),
      ``kindergarten_projects`` (the named kindergarten projects of ``policy_projects``
      where the plan adds places) and ``public_kindergarten_towns`` (towns with the
      public kindergartens the policy asks for, in the last plan year).

    Parameters
    ----------
    plan : Plan
        A solved plan.
    policy_projects : pandas.DataFrame, optional
        ``project, school_id, type, seats, policy_text`` (``data/policy_projects.csv``).
    policy : layout_opt.policy.Policy, optional
        The targets; those of the plan's district (:attr:`layout_opt.District.policy`) if
        omitted.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`POLICY_COLUMNS`: ``item``, ``item_zh``, ``unit``, ``policy``,
        ``plan``, ``difference`` (plan minus policy), ``note`` (Chinese, says by how much
        the plan needs fewer or more seats or money, and whether the closures compare).
        No rows without policy targets.
    """
    policy = policy_of(plan, policy)
    if policy is None:
        return pd.DataFrame(columns=POLICY_COLUMNS)
    if policy_projects is not None and len(policy_projects):
        new_seats = pd.to_numeric(policy_projects.loc[policy_projects["type"] == "new", "seats"], errors="coerce")
        pp_new: int | None = int(new_seats.fillna(0).sum())
    else:
        pp_new = None
    rows = [
        _closures_row(plan, policy),
        *_seat_rows(plan, policy, pp_new),
        _build_row(plan, policy),
        _boarding_row(plan),
    ]
    if policy.boarding_schools_today is not None:
        rows.append(_boarding_schools_row(plan, policy))
    if "preschool" in plan.district.planned_bands(plan.scenario):
        rows += _kindergarten_rows(plan, policy, policy_projects)
    return pd.DataFrame(rows, columns=POLICY_COLUMNS)


def _kindergarten_rows(plan: Plan, policy: Policy, policy_projects: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Kindergarten places and their cost against the policy's, the named kindergarten
    projects the plan carries out, and the towns with a public kindergarten."""
    kp = kindergarten_places(plan)
    rows = []
    if policy.kindergarten_places is not None:
        target = policy.kindergarten_places
        d = kp["total"] - target
        opened = "、".join(f"{n} {v:,}" for n, v in kp["new_site_names"].items()) or "无"
        note = (
            f"改扩建新增{kp['expansion']:,}个(新增教室 x 中班{plan.scenario.class_cap('preschool')}人), "
            f"新址开办{kp['new_sites']:,}个({opened}); "
            + (f"比政策少{-d:,}个" if d < 0 else f"比政策多{d:,}个" if d > 0 else "与政策相同")
            + f"; {plan_years(plan)[-1]}年在园幼儿{kp['children']:,}人"
        )
        rows.append(_row("kindergarten_places", "新增幼儿学位", "个", target, kp["total"], note))
    if policy.kindergarten_build_yuan is not None:
        d = kp["cost_yuan"] - policy.kindergarten_build_yuan
        note = (
            f"改扩建{yuan_wan(kp['expansion_cost_yuan'])} + 新址{yuan_wan(kp['new_site_cost_yuan'])}; "
            f"政策计划投入{policy.kindergarten_build_yuan / 1e4:,.0f}万元(含迁建的全部工程, 仅作量级参考); "
            + (f"方案少{yuan_wan(-d)}" if d < 0 else f"方案多{yuan_wan(d)}")
        )
        rows.append(
            _row(
                "kindergarten_build_yuan",
                "幼儿园建设投资",
                "元",
                policy.kindergarten_build_yuan,
                round(kp["cost_yuan"], 2),
                note,
            )
        )
    if policy_projects is not None and len(policy_projects):
        kg_ids = set(district_schools(plan).query("kind == 'kindergarten'").index)
        mine = policy_projects[policy_projects["school_id"].astype(str).isin(kg_ids)]
        if len(mine):
            pt = projects_table(plan, mine)
            done = pt[pt["plan_seats"] > 0]
            left = "、".join(pt.loc[pt["plan_seats"] <= 0, "project"])
            note = f"方案实施: {'、'.join(done['project']) or '无'}" + (f"; 未实施: {left}" if left else "")
            rows.append(_row("kindergarten_projects", "政策列名的幼儿园项目", "所", len(pt), len(done), note))
    kt = kindergarten_towns_table(plan)
    last = kt[(kt["year"] == plan_years(plan)[-1]) & kt["public_rule_met"].notna()]
    if len(last):
        need = policy.public_kindergartens_per_town or plan.scenario.public_kindergartens_per_town
        met = last["public_open"] >= need
        missing = "、".join(last.loc[~met, "town"])
        rows.append(
            _row(
                "public_kindergarten_towns",
                f"每镇至少{need}所公办幼儿园",
                "镇",
                len(last),
                int(met.sum()),
                "全部镇达到" if met.all() else f"没有公办幼儿园的镇: {missing}",
            )
        )
    return rows


def _row(item: str, item_zh: str, unit: str, policy: float | None, plan_value: float, note: str) -> dict[str, Any]:
    """One row of :func:`policy_table`."""
    diff = None if policy is None else plan_value - policy
    return {
        "item": item,
        "item_zh": item_zh,
        "unit": unit,
        "policy": policy,
        "plan": plan_value,
        "difference": diff,
        "note": note,
    }


def _small_closures(plan: Plan) -> tuple[int, int]:
    """Small schools and teaching points the plan closes, and its other closures (high-school
    relocations), from ``summary["closures"]``."""
    c = plan.summary.get("closures", {})
    total = int(len(plan.closures))
    small = int(c.get("small_schools", total))
    return small, total - small


def _closures_basis(plan: Plan, policy: Policy) -> bool:
    """Whether the plan closes at least the policy's small schools (a like-for-like seat comparison)."""
    return _small_closures(plan)[0] >= policy.closures


def _closures_row(plan: Plan, policy: Policy) -> dict[str, Any]:
    n_closed, other = _small_closures(plan)
    d = n_closed - policy.closures
    if d >= 0:
        note = f"方案撤并小规模学校{n_closed}所, 达到政策目标{policy.closures}所" + (f", 多{d}所" if d else "")
    else:
        note = f"方案撤并小规模学校{n_closed}所, 比政策目标少{-d}所(情景的撤并目标为{plan.scenario.closure_target}; 规则允许的撤并有限时以规则为准)"
    if other:
        note += f"; 另有{other_closures_zh(plan)}{other}所, 不计入"
    last = plan_years(plan)[-1]
    if last != policy.end_year:
        note += f"; 政策目标按{policy.end_year}年计, 方案末年为{last}年"
    return _row("closures", "撤并小规模学校(教学点)", "所", policy.closures, n_closed, note)


def _seat_rows(plan: Plan, policy: Policy, pp_new: int | None) -> list[dict[str, Any]]:
    """Compulsory seats (total, new schools, expansion) and their cost."""
    sc = plan.scenario
    cs = compulsory_seats(plan)
    same = _closures_basis(plan, policy)
    target = policy.compulsory_seats
    d = cs["total"] - target
    if d < 0:
        note = f"方案少新增义务教育学位{-d:,}个(少{-d / target:.0%})"
    elif d > 0:
        note = f"方案多新增义务教育学位{d:,}个"
    else:
        note = "新增学位与政策相同"
    if not same:
        note += "; 方案撤并少于政策目标, 不是同口径比较"
    rows = [_row("compulsory_seats", "新增义务教育学位", "个", target, cs["total"], note)]
    opened = (
        "方案开办: " + "、".join(f"{n} {v:,}" for n, v in cs["new_school_names"].items())
        if cs["new_school_names"]
        else "方案期内未开办义务教育规划项目"
    )
    source = "; 政策数为政策项目表中新建项目的学位" if pp_new is not None else "; 未提供政策项目表, 政策数缺"
    rows.append(
        _row("compulsory_seats_new_schools", "其中: 新建学校学位", "个", pp_new, cs["new_schools"], opened + source)
    )
    pp_exp = None if pp_new is None else target - pp_new
    rows.append(
        _row(
            "compulsory_seats_expansion",
            "其中: 改扩建学位",
            "个",
            pp_exp,
            cs["expansion"],
            "现有学校新增教室 x 班额" + ("" if pp_exp is not None else "; 政策数缺"),
        )
    )
    if pp_new is not None:
        policy_cost = pp_new * sc.cost_per_new_school_seat_yuan + (target - pp_new) * sc.cost_per_added_seat_yuan
        basis_cost = f"按情景单价(新建{sc.cost_per_new_school_seat_yuan:,.0f}元/学位, 扩建{sc.cost_per_added_seat_yuan:,.0f}元/学位)"
    else:
        policy_cost = target * sc.cost_per_added_seat_yuan
        basis_cost = f"按情景扩建单价{sc.cost_per_added_seat_yuan:,.0f}元/学位(未提供政策项目表)"
    d = cs["seat_cost_yuan"] - policy_cost
    if d < 0:
        note = f"{basis_cost}, 方案学位投资少{yuan_wan(-d)}"
    elif d > 0:
        note = f"{basis_cost}, 方案学位投资多{yuan_wan(d)}"
    else:
        note = f"{basis_cost}, 学位投资相同"
    rows.append(
        _row(
            "compulsory_seat_cost_yuan",
            "义务教育学位投资",
            "元",
            round(policy_cost, 2),
            round(cs["seat_cost_yuan"], 2),
            note,
        )
    )
    return rows


def _build_row(plan: Plan, policy: Policy) -> dict[str, Any]:
    cs = compulsory_seats(plan)
    build = cs["seat_cost_yuan"] + cs["bed_cost_yuan"]
    d = build - policy.compulsory_build_yuan
    covers = f"还含{policy.compulsory_build_covers}, " if policy.compulsory_build_covers else ""
    return _row(
        "compulsory_build_yuan",
        "义务教育学校新建改扩建投资",
        "元",
        policy.compulsory_build_yuan,
        round(build, 2),
        f"方案只计学位和床位({yuan_wan(build)}), 政策概算{policy.compulsory_build_yuan / 1e8:.2f}亿元{covers}仅作量级参考; 差额{yuan_wan(d)}",
    )


def _boarding_row(plan: Plan) -> dict[str, Any]:
    tt = towns_table(plan)
    last = tt[(tt["year"] == plan_years(plan)[-1]) & tt["boarding_rule_met"].notna()]
    n_towns = int(len(last))
    met = int(last["boarding_rule_met"].astype(bool).sum())
    missing = "、".join(last.loc[~last["boarding_rule_met"].astype(bool), "town"])
    return _row(
        "boarding_towns",
        "每镇至少1所寄宿制小学和初中",
        "镇",
        n_towns,
        met,
        "全部镇达到" if met == n_towns else f"未达到: {missing}",
    )


def _boarding_schools_row(plan: Plan, policy: Policy) -> dict[str, Any]:
    from .common import COMPULSORY_KINDS

    years = plan_years(plan)
    st = plan.schools[(plan.schools["year"] == years[-1]) & plan.schools["status"].isin(["open", "new"])]
    n = int((st["kind"].isin(COMPULSORY_KINDS) & (st["boarding_pupils"] > 0)).sum())
    today = int(policy.boarding_schools_today or 0)
    return _row(
        "boarding_schools",
        "寄宿制中小学校(有寄宿生)",
        "所",
        today,
        n,
        f"政策统计现有{today}所; 方案{years[-1]}年有寄宿生的义务教育学校{n}所",
    )


def closure_destinations(moves: pd.DataFrame, school_id: str) -> pd.DataFrame:
    """Where the pupils of one closed school go, grouped by receiving school.

    Parameters
    ----------
    moves : pandas.DataFrame
        :meth:`layout_opt.Plan.closure_moves` (the one rule for where a closed school's
        pupils go).
    school_id : str
        The closed school.

    Returns
    -------
    pandas.DataFrame
        :data:`DESTINATION_COLUMNS`: the receiving ``school_id``, its ``name``, ``pupils``
        (closing-year pupils going there) and ``share``; most pupils first.  Empty if the
        school does not close.
    """
    mine = moves[moves["school_id"] == school_id]
    if mine.empty:
        return pd.DataFrame(columns=DESTINATION_COLUMNS)
    g = mine.groupby("to_school_id")["pupils"].sum().sort_values(ascending=False)
    g = g[g > 0]
    names = mine.drop_duplicates("to_school_id").set_index("to_school_id")["to_school"]
    total = float(g.sum())
    out = pd.DataFrame(
        {"school_id": g.index, "name": names.reindex(g.index).to_numpy(), "pupils": g.to_numpy().astype("int64")}
    )
    out["share"] = (out["pupils"] / total).round(4) if total else 0.0
    return out.reset_index(drop=True)


def senior_table(plan: Plan, policy: Policy | None = None) -> pd.DataFrame:
    """High schools year by year, where the pupils of closed ones go, against the policy.

    The policy's senior-high relocation (:attr:`layout_opt.policy.Policy.senior_relocation`)
    says, for each high school it names, what becomes of its site in the plan's terms: it
    stays open (and takes the merged schools), it closes with its pupils going to a named
    destination, or it is a new site that opens.  In Mengjin: 孟津一高 and 孟津一中 move to
    the new campus 孟津一高新校区, and 孟津二高, 老城高中 and 平乐高中 merge into the old
    一高 site, which stays open.

    Parameters
    ----------
    plan : Plan
        A solved plan.
    policy : layout_opt.policy.Policy, optional
        The targets; those of the plan's district if omitted.

    Returns
    -------
    pandas.DataFrame
        One row per high school (existing or planned): ``school_id, name, town, ur_code,
        main_urban`` (site in ``scenario.senior_urban_ur_codes``), ``status_<year>`` and
        ``enrolment_<year>`` per plan year, ``plan_outcome`` (Chinese), ``plan_destinations``
        (for a closed school: receiving schools with pupils and shares, grouped from
        :meth:`layout_opt.Plan.closure_moves`), ``policy_action``, ``policy_destination``,
        ``agrees`` (the plan does what the policy says for that school: True/False; empty
        where the policy says nothing) and ``note`` (empty without policy targets).
    """
    policy = policy_of(plan, policy)
    base = district_schools(plan)
    high = base[base["kind"] == "high"]
    years = plan_years(plan)
    st = plan.schools[plan.schools["kind"] == "high"]
    moves = plan.closure_moves()
    rows = []
    for sid, b in high.iterrows():
        row: dict[str, Any] = {
            "school_id": sid,
            "name": b["name"],
            "town": b["town"],
            "ur_code": int(b["ur_code"]),
            "main_urban": int(b["ur_code"]) in plan.scenario.senior_urban_ur_codes,
        }
        mine = st[st["school_id"] == sid].set_index("year")
        for y in years:
            row[f"status_{y}"] = mine["status"].get(y, "")
        for y in years:
            row[f"enrolment_{y}"] = int(mine["enrolment"].get(y, 0))
        closure = plan.closures[plan.closures["school_id"] == sid]
        dest = closure_destinations(moves, sid) if len(closure) else pd.DataFrame(columns=DESTINATION_COLUMNS)
        row["plan_outcome"] = _senior_outcome(mine["status"], closure, years)
        row["plan_destinations"] = "; ".join(
            f"{n} {p}人({s:.0%})" for n, p, s in zip(dest["name"], dest["pupils"], dest["share"])
        )
        relocation = None if policy is None else policy.relocation_of(str(b["name"]))
        if relocation is None:
            note = "" if policy is None else "政策未提及"
            row.update({"policy_action": "", "policy_destination": "", "agrees": None, "note": note})
        else:
            closed = len(closure) > 0
            agrees, note = _against_relocation(relocation, mine["status"].get(years[-1], ""), closed, dest)
            if relocation.outcome == "open" and not row["main_urban"]:
                note += "; 校址不在主城区, 规则要求迁出"
            row.update(
                {
                    "policy_action": relocation.action,
                    "policy_destination": relocation.destination,
                    "agrees": agrees,
                    "note": note,
                }
            )
        rows.append(row)
    out = pd.DataFrame(rows)
    if len(out):
        out["agrees"] = out["agrees"].astype(object)
    return out


def _senior_outcome(status: pd.Series, closure: pd.DataFrame, years: list[int]) -> str:
    """What the plan does with one high school, in Chinese (``status`` by year)."""
    last_status = status.get(years[-1], "")
    if len(closure):
        return f"{int(closure['year'].iloc[0])}年撤并"
    if last_status == "new":
        return f"{min(y for y in years if status.get(y) == 'new')}年新建开办"
    if last_status == "planned":
        return "规划中(方案期内未开办)"
    if last_status == "closed":
        return "方案期内未开办"
    return "保留"


def _against_relocation(
    relocation: SeniorRelocation, last_status: str, closed: bool, dest: pd.DataFrame
) -> tuple[bool, str]:
    """Whether the plan does what the relocation says for one school, and a note."""
    destination = relocation.destination
    if relocation.outcome == "closed":
        top = dest["name"].iloc[0] if len(dest) else ""
        agrees = bool(closed and top == destination)
        if not closed:
            return agrees, f"方案保留该校; 政策要求迁入{destination}"
        if top != destination:
            return agrees, f"方案学生主要去{top or '(无)'}, 政策去向为{destination}"
        return agrees, "与政策一致"
    if relocation.outcome == "open":
        agrees = last_status in ("open", "new")
        site = relocation.site_name
        return agrees, (f"方案保留{site}, 承接合并学生" if agrees else f"方案撤并{site}, 与政策'整合迁入{site}'不一致")
    agrees = last_status == "new"
    return agrees, ("方案开办新校区" if agrees else "方案期内未开办新校区")


def report_tables(
    plan: Plan,
    policy_projects: pd.DataFrame | None = None,
    *,
    forecast: Forecast | None = None,
    policy: Policy | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table of the plan report, English column names.

    Parameters
    ----------
    plan : Plan
        A solved plan.
    policy_projects : pandas.DataFrame, optional
        The policy's named seat projects (``project, school_id, type, seats,
        policy_text``), e.g. from ``layout_opt.io.read_policy_projects``.
    forecast : layout_opt.demand.Forecast, optional
        For the stranded seats; the scenario's forecast if omitted.
    policy : layout_opt.policy.Policy, optional
        The policy targets; those of the plan's district if omitted.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``additions`` (:func:`additions_table`), ``towns`` (:func:`towns_table`),
        ``policy`` (:func:`policy_table`), ``projects`` (:func:`projects_table`),
        ``stranded`` (:func:`stranded_table`), ``senior`` (:func:`senior_table`),
        ``kindergartens`` (:func:`kindergarten_towns_table`).
    """
    return {
        "additions": additions_table(plan),
        "towns": towns_table(plan),
        "policy": policy_table(plan, policy_projects, policy),
        "projects": projects_table(plan, policy_projects),
        "stranded": stranded_table(plan, forecast),
        "senior": senior_table(plan, policy),
        "kindergartens": kindergarten_towns_table(plan),
    }
