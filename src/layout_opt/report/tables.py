"""The plan's own figures for the report, English column names: additions per school and
year, towns, compulsory seats, the named seat projects, stranded seats.

Pure functions of a :class:`~layout_opt.Plan` (and the policy's named projects, the
forecast); money is in yuan (元), seats and beds are counts.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from ..schema import BANDS, BANDS_OF_KIND, GRADES_OF_BAND, LEVEL_OF_KIND, SIZE_CAP_CLASS_OF_KIND
from .common import COMPULSORY_KINDS, district_schools, new_school_seats, opening_years, plan_years

if TYPE_CHECKING:  # pragma: no cover
    from ..demand import Forecast
    from ..plan import Plan

logger = logging.getLogger(__name__)

ADDITION_COLUMNS: Final[list[str]] = [
    "year",
    "school_id",
    "name",
    "town",
    "kind",
    "status",
    "classrooms_built",
    "seats_built",
    "beds_built",
    "cost_yuan",
    "new_school_seats",
    "new_school_cost_yuan",
    "added_classrooms",
    "added_seats",
    "added_beds",
    "capital_cost_yuan",
]
TOWN_COLUMNS: Final[list[str]] = [
    "year",
    "town",
    "schools_open",
    "schools_new",
    "schools_closed",
    "closed_this_year",
    "pupils",
    "day_pupils",
    "boarders",
    "boarding_primary_schools",
    "boarding_junior_schools",
    "boarding_rule_met",
    "added_classrooms",
    "added_seats",
    "added_beds",
    "new_school_seats",
    "capital_cost_yuan",
    "new_school_cost_yuan",
]
PROJECT_COLUMNS: Final[list[str]] = [
    "project",
    "school_id",
    "name",
    "type",
    "policy_seats",
    "plan_status",
    "plan_open_year",
    "plan_seats",
    "difference",
    "enrolment",
    "seats",
    "cost_yuan",
    "note",
]
STRANDED_COLUMNS: Final[list[str]] = [
    "school_id",
    "name",
    "town",
    "kind",
    "status",
    "added_seats",
    "seats",
    "pupils",
    "horizon_year",
    "pupils_horizon",
    "empty_seats_horizon",
    "stranded_seats",
    "stranded_share",
    "stranded_cost_yuan",
]


def additions_table(plan: Plan) -> pd.DataFrame:
    """Added seats, classrooms and beds per school and year, with their cost.

    Parameters
    ----------
    plan : Plan
        A solved plan.

    Returns
    -------
    pandas.DataFrame
        One row per school and plan year in which the school adds classrooms or beds, or
        opens as a new school (the years in which nothing is built there are left out).
        Columns (:data:`ADDITION_COLUMNS`): ``year, school_id, name, town, kind, status``;
        what is built that year: ``classrooms_built``, ``seats_built`` (classrooms x class
        cap), ``beds_built``, ``cost_yuan`` (classrooms and beds, yuan); a planned project
        opening that year: ``new_school_seats`` and ``new_school_cost_yuan`` (seats x
        ``scenario.cost_per_new_school_seat_yuan``); and the cumulative ``added_classrooms``,
        ``added_seats``, ``added_beds``, ``capital_cost_yuan`` as in ``schools.csv``.  Summed
        over years the ``*_built`` columns equal the plan summary's added classrooms, seats
        and beds, ``cost_yuan`` its capital cost and ``new_school_cost_yuan`` its
        ``planned_projects`` cost.
    """
    s = plan.schools.sort_values(["school_id", "year"], kind="stable").copy()
    g = s.groupby("school_id", sort=False)
    for col, cum in (
        ("classrooms_built", "added_classrooms"),
        ("seats_built", "added_seats"),
        ("beds_built", "added_beds"),
        ("cost_yuan", "capital_cost_yuan"),
    ):
        s[col] = s[cum] - g[cum].shift(1, fill_value=0)
    opening = opening_years(plan)
    s["new_school_seats"] = [
        (new_school_seats(plan, sid) if opening.get(sid) == y else 0) for sid, y in zip(s["school_id"], s["year"])
    ]
    s["new_school_cost_yuan"] = s["new_school_seats"] * float(plan.scenario.cost_per_new_school_seat_yuan)
    active = (s["classrooms_built"] != 0) | (s["beds_built"] != 0) | (s["cost_yuan"] != 0) | (s["new_school_seats"] > 0)
    out = (
        s.loc[active, ADDITION_COLUMNS].sort_values(["year", "town", "school_id"], kind="stable").reset_index(drop=True)
    )
    for c in (
        "classrooms_built",
        "seats_built",
        "beds_built",
        "new_school_seats",
        "added_classrooms",
        "added_seats",
        "added_beds",
    ):
        out[c] = out[c].astype(np.int64)
    for c in ("cost_yuan", "new_school_cost_yuan", "capital_cost_yuan"):
        out[c] = out[c].astype(float).round(2)
    return out


def _boarding_flags(plan: Plan, table: pd.DataFrame) -> pd.DataFrame:
    open_ = table["status"].isin(["open", "new"])
    boarding = open_ & ((table["beds"] + table["added_beds"]) >= plan.scenario.min_boarding_beds)
    teaches = table["kind"].map(lambda k: set(BANDS_OF_KIND.get(k, ())))
    primary = boarding & teaches.map(lambda b: "upper_primary" in b)
    junior = boarding & teaches.map(lambda b: "junior" in b)
    return pd.DataFrame({"boarding_primary": primary, "boarding_junior": junior}, index=table.index)


def towns_table(plan: Plan) -> pd.DataFrame:
    """Schools, pupils, boarders and additions per town (镇街) and year.

    Schools count in the town of their site; pupils are those enrolled at the town's
    schools (so the towns add up to the district).

    Returns
    -------
    pandas.DataFrame
        Columns (:data:`TOWN_COLUMNS`): ``year, town``; ``schools_open`` (open or new),
        ``schools_new``, ``schools_closed`` (closed by that year), ``closed_this_year``;
        ``pupils``, ``day_pupils``, ``boarders``; ``boarding_primary_schools`` and
        ``boarding_junior_schools`` (open, with at least ``scenario.min_boarding_beds`` beds,
        teaching grades 4-6 resp. 7-9); ``boarding_rule_met`` (both at least
        ``scenario.boarding_schools_per_town``; empty for subdistricts, which the policy's
        "每个镇区" does not name); cumulative ``added_classrooms``, ``added_seats``,
        ``added_beds``, ``new_school_seats``, ``capital_cost_yuan`` (classrooms and beds)
        and ``new_school_cost_yuan``, yuan.
    """
    s = plan.schools.copy()
    s = pd.concat([s, _boarding_flags(plan, s)], axis=1)
    opening = opening_years(plan)
    s["new_school_seats"] = [
        (new_school_seats(plan, sid) if sid in opening and y >= opening[sid] else 0)
        for sid, y in zip(s["school_id"], s["year"])
    ]
    s["new_school_cost_yuan"] = s["new_school_seats"] * float(plan.scenario.cost_per_new_school_seat_yuan)
    s["day"] = s["enrolment"] - s["boarding_pupils"]
    closures = plan.closures.groupby(["town", "year"]).size()
    rows = []
    town_kind = dict(
        zip(
            plan.district.towns["town"],
            plan.district.towns.get("town_kind", pd.Series("town", index=plan.district.towns.index)),
        )
    )
    order = list(plan.district.towns["town"]) + sorted(set(s["town"]) - set(plan.district.towns["town"]))
    need = plan.scenario.boarding_schools_per_town
    for year in plan_years(plan):
        sy = s[s["year"] == year]
        for town in order:
            t = sy[sy["town"] == town]
            bp, bj = int(t["boarding_primary"].sum()), int(t["boarding_junior"].sum())
            rule = (bp >= need and bj >= need) if town_kind.get(town, "town") == "town" else None
            rows.append(
                {
                    "year": year,
                    "town": town,
                    "schools_open": int(t["status"].isin(["open", "new"]).sum()),
                    "schools_new": int((t["status"] == "new").sum()),
                    "schools_closed": int(
                        ((t["status"] == "closed") & t["school_id"].isin(plan.closures["school_id"])).sum()
                    ),
                    "closed_this_year": int(closures.get((town, year), 0)),
                    "pupils": int(t["enrolment"].sum()),
                    "day_pupils": int(t["day"].sum()),
                    "boarders": int(t["boarding_pupils"].sum()),
                    "boarding_primary_schools": bp,
                    "boarding_junior_schools": bj,
                    "boarding_rule_met": rule,
                    "added_classrooms": int(t["added_classrooms"].sum()),
                    "added_seats": int(t["added_seats"].sum()),
                    "added_beds": int(t["added_beds"].sum()),
                    "new_school_seats": int(t["new_school_seats"].sum()),
                    "capital_cost_yuan": round(float(t["capital_cost_yuan"].sum()), 2),
                    "new_school_cost_yuan": round(float(t["new_school_cost_yuan"].sum()), 2),
                }
            )
    out = pd.DataFrame(rows, columns=TOWN_COLUMNS)
    out["boarding_rule_met"] = out["boarding_rule_met"].astype(object)
    return out


def compulsory_seats(plan: Plan) -> dict[str, float]:
    """The plan's added compulsory-education seats by the last plan year, and their cost.

    Returns
    -------
    dict
        ``expansion`` (seats of classrooms added at compulsory schools), ``new_schools``
        (seats of the compulsory planned projects the plan opens), ``total``;
        ``expansion_cost_yuan``, ``new_school_cost_yuan``, ``seat_cost_yuan`` (both), and
        ``bed_cost_yuan`` (beds added at compulsory schools), yuan.
    """
    sc = plan.scenario
    last = plan.schools[plan.schools["year"] == plan_years(plan)[-1]]
    comp = last[last["kind"].isin(COMPULSORY_KINDS)]
    expansion = int(comp["added_seats"].sum())
    opening = opening_years(plan)
    opened = {str(n): new_school_seats(plan, sid) for sid, n in zip(comp["school_id"], comp["name"]) if sid in opening}
    new = int(sum(opened.values()))
    exp_cost = float(
        (
            comp["added_classrooms"]
            * comp["kind"].map(lambda k: sc.class_cap(LEVEL_OF_KIND[k]) * sc.cost_per_added_seat_yuan).astype(float)
        ).sum()
    )
    new_cost = new * float(sc.cost_per_new_school_seat_yuan)
    bed_cost = float(comp["added_beds"].sum()) * float(sc.cost_per_added_bed_yuan)
    return {
        "expansion": expansion,
        "new_schools": new,
        "total": expansion + new,
        "expansion_cost_yuan": exp_cost,
        "new_school_cost_yuan": new_cost,
        "seat_cost_yuan": exp_cost + new_cost,
        "bed_cost_yuan": bed_cost,
        "new_school_names": opened,
    }


#: Columns of :func:`kindergarten_towns_table`.
KINDERGARTEN_TOWN_COLUMNS: Final[list[str]] = [
    "year",
    "town",
    "town_kind",
    "public_open",
    "private_open",
    "children",
    "classes",
    "places",
    "added_places",
    "new_site_places",
    "public_rule_met",
]


def kindergarten_places(plan: Plan) -> dict:
    """The plan's added kindergarten places by the last plan year, and their cost.

    Returns
    -------
    dict
        ``expansion`` (places of the classrooms added at kindergartens: classrooms x the
        中班 cap), ``new_sites`` (places of the kindergarten projects the plan opens),
        ``total``; ``expansion_cost_yuan`` (the kindergartens' capital cost),
        ``new_site_cost_yuan`` (new places at ``cost_per_new_school_seat_yuan``),
        ``cost_yuan`` (both); ``new_site_names`` (name -> places); ``kindergartens``
        (open in the last plan year), ``public`` (of them public), ``children`` (in them).
    """
    sc = plan.scenario
    last = plan.schools[plan.schools["year"] == plan_years(plan)[-1]]
    kg = last[last["kind"] == "kindergarten"]
    opening = opening_years(plan)
    opened = {str(n): new_school_seats(plan, sid) for sid, n in zip(kg["school_id"], kg["name"]) if sid in opening}
    expansion = int(kg["added_seats"].sum())
    new = int(sum(opened.values()))
    exp_cost = float(kg["capital_cost_yuan"].sum())
    new_cost = new * float(sc.cost_per_new_school_seat_yuan)
    live = kg[kg["status"].isin(["open", "new"])]
    owner = district_schools(plan)["ownership"]
    return {
        "expansion": expansion,
        "new_sites": new,
        "total": expansion + new,
        "expansion_cost_yuan": exp_cost,
        "new_site_cost_yuan": new_cost,
        "cost_yuan": exp_cost + new_cost,
        "new_site_names": opened,
        "kindergartens": int(len(live)),
        "public": int((live["school_id"].map(owner) == "public").sum()),
        "children": int(live["enrolment"].sum()),
    }


def kindergarten_towns_table(plan: Plan) -> pd.DataFrame:
    """Kindergartens per town (镇街) and year: open public and private ones, their children,
    classes and places, and whether a town (镇) keeps its public kindergartens.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`KINDERGARTEN_TOWN_COLUMNS`: ``year, town, town_kind``;
        ``public_open``, ``private_open`` (open or new kindergartens); ``children``;
        ``classes``; ``places`` (classrooms with those added, x the 中班 cap);
        ``added_places`` (cumulative, classrooms added); ``new_site_places`` (projects
        open by then); ``public_rule_met`` (at least ``scenario.public_kindergartens_per_town``
        public kindergartens open; empty for subdistricts, which the policy's 每个镇区 does
        not name).  No rows without kindergartens.
    """
    s = plan.schools[plan.schools["kind"] == "kindergarten"].copy()
    if s.empty:
        return pd.DataFrame(columns=KINDERGARTEN_TOWN_COLUMNS)
    base = district_schools(plan)
    cap = plan.scenario.class_cap("preschool")
    opening = opening_years(plan)
    s["public"] = s["school_id"].map(base["ownership"]).eq("public")
    s["live"] = s["status"].isin(["open", "new"])
    s["places"] = np.where(s["live"], (s["classrooms"] + s["added_classrooms"]) * cap, 0)
    s["new_site_places"] = [
        (new_school_seats(plan, sid) if sid in opening and y >= opening[sid] else 0)
        for sid, y in zip(s["school_id"], s["year"])
    ]
    towns = plan.district.towns
    kind_of = dict(zip(towns["town"], towns.get("town_kind", pd.Series("town", index=towns.index))))
    need = plan.scenario.public_kindergartens_per_town
    rows = []
    for year in plan_years(plan):
        sy = s[s["year"] == year]
        for town in towns["town"]:
            t = sy[sy["town"] == town]
            public = int((t["live"] & t["public"]).sum())
            kind = kind_of.get(town, "town")
            rows.append(
                {
                    "year": year,
                    "town": town,
                    "town_kind": kind,
                    "public_open": public,
                    "private_open": int((t["live"] & ~t["public"]).sum()),
                    "children": int(t["enrolment"].sum()),
                    "classes": int(t["classes"].sum()),
                    "places": int(t["places"].sum()),
                    "added_places": int(t["added_seats"].sum()),
                    "new_site_places": int(t["new_site_places"].sum()),
                    "public_rule_met": (public >= need) if kind == "town" else None,
                }
            )
    out = pd.DataFrame(rows, columns=KINDERGARTEN_TOWN_COLUMNS)
    out["public_rule_met"] = out["public_rule_met"].astype(object)
    return out


def projects_table(plan: Plan, policy_projects: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each named seat project of the policy: its seats vs what the plan builds there.

    For a ``new`` project the plan's seats are the project's seats if the plan opens it
    (plus any classrooms added there); for an ``expansion`` the seats of the classrooms the
    plan adds.  Without ``policy_projects`` the district's planned projects stand in (their
    ``planned_seats`` as the policy seats).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PROJECT_COLUMNS`: ``project``, ``school_id``, ``name`` (in the
        data), ``type``, ``policy_seats``, ``plan_status`` (last plan year), ``plan_open_year``
        (first year open, new schools), ``plan_seats``, ``difference`` (plan minus policy),
        ``enrolment`` and ``seats`` (pupils and seats there in the last plan year),
        ``cost_yuan`` (the plan's spending there: classrooms, beds and the new school),
        ``note``.
    """
    base = district_schools(plan)
    if policy_projects is None or not len(policy_projects):
        planned = base[base["status"] == "planned"]
        policy_projects = pd.DataFrame(
            {
                "project": planned["name"].to_numpy(),
                "school_id": planned.index.to_numpy(),
                "type": "new",
                "seats": planned["planned_seats"].to_numpy(),
            }
        )
        logger.info("no policy project table: the district's %d planned projects stand in", len(policy_projects))
    last_year = plan_years(plan)[-1]
    last = plan.schools[plan.schools["year"] == last_year].set_index("school_id")
    opening = opening_years(plan)
    sc = plan.scenario
    rows = []
    for r in policy_projects.itertuples(index=False):
        sid = str(getattr(r, "school_id", "") or "")
        policy_seats = int(pd.to_numeric(pd.Series([r.seats]), errors="coerce").fillna(0).iloc[0])
        kind_of_project = str(r.type)
        if sid not in last.index:
            rows.append(
                {
                    "project": r.project,
                    "school_id": sid,
                    "name": "",
                    "type": kind_of_project,
                    "policy_seats": policy_seats,
                    "plan_status": "",
                    "plan_open_year": None,
                    "plan_seats": 0,
                    "difference": -policy_seats,
                    "enrolment": 0,
                    "seats": 0,
                    "cost_yuan": 0.0,
                    "note": "数据中没有这所学校",
                }
            )
            continue
        s = last.loc[sid]
        cap = sc.class_cap(LEVEL_OF_KIND[s["kind"]])
        opened = sid in opening
        new_seats = new_school_seats(plan, sid) if opened else 0
        plan_seats = int(s["added_seats"]) + new_seats
        cost = float(s["capital_cost_yuan"]) + new_seats * float(sc.cost_per_new_school_seat_yuan)
        d = plan_seats - policy_seats
        if kind_of_project == "new":
            note = f"方案{opening[sid]}年开办" if opened else "方案期内未开办"
        else:
            note = f"方案新增教室{int(s['added_classrooms'])}间" if s["added_classrooms"] else "方案未在此扩建"
        if d < 0:
            note += f"; 比政策少{-d:,}个学位"
        elif d > 0:
            note += f"; 比政策多{d:,}个学位"
        seats_there = int((s["classrooms"] + s["added_classrooms"]) * cap) if s["status"] in ("open", "new") else 0
        rows.append(
            {
                "project": r.project,
                "school_id": sid,
                "name": base.loc[sid, "name"],
                "type": kind_of_project,
                "policy_seats": policy_seats,
                "plan_status": s["status"],
                "plan_open_year": opening.get(sid),
                "plan_seats": plan_seats,
                "difference": d,
                "enrolment": int(s["enrolment"]),
                "seats": seats_there,
                "cost_yuan": round(cost, 2),
                "note": note,
            }
        )
    out = pd.DataFrame(rows, columns=PROJECT_COLUMNS)
    out["plan_open_year"] = out["plan_open_year"].astype("Int64")
    return out


def _horizon_band_pupils(plan: Plan, forecast: Forecast | None) -> tuple[int, pd.DataFrame]:
    """Horizon-year pupils by village and band: ``village_id, band, pupils_horizon``."""
    if forecast is None:
        forecast = plan.district.forecast(plan.scenario)
    years = [int(y) for y in forecast.years]
    horizon = int(plan.scenario.horizon_year)
    if horizon not in years:
        logger.warning(
            "the forecast ends in %d, before the horizon year %d: stranded seats are judged in %d",
            years[-1],
            horizon,
            years[-1],
        )
        horizon = years[-1]
    arr = forecast.for_years([horizon])[0]  # (V, 12)
    frames = []
    for band in BANDS:
        cols = [g - 1 for g in GRADES_OF_BAND[band]]
        frames.append(
            pd.DataFrame(
                {
                    "village_id": forecast.village_ids.astype(str),
                    "band": band,
                    "pupils_horizon": arr[:, cols].sum(axis=1).astype(np.int64),
                }
            )
        )
    return horizon, pd.concat(frames, ignore_index=True)


def stranded_table(plan: Plan, forecast: Forecast | None = None) -> pd.DataFrame:
    """Seats added by the last plan year that the forecast leaves empty by the horizon year.

    Definition, per school open in the last plan year ``L`` that adds seats (classrooms or,
    for a planned project the plan opens, the whole new school):

    * ``added_seats`` A = seats of the classrooms added by ``L`` (classrooms x class cap)
      plus, for a new school, its seats (``planned_seats``);
    * ``seats`` C = (classrooms + added classrooms) x class cap, at most the school-size
      cap, in ``L``;
    * ``pupils_horizon`` H = the horizon-year forecast pupils of the school's catchment in
      ``L``, catchments kept as they are in ``L`` (every village and band the school takes
      in ``L``);
    * ``empty_seats_horizon`` E = max(0, C - H);
    * ``stranded_seats`` = min(A, E): the added seats left empty, counting the school's
      older seats as filled first.  Never negative, never above A.

    ``stranded_cost_yuan`` values the stranded seats at the school's average cost per
    added seat (``cost_per_added_seat_yuan`` for classrooms, ``cost_per_new_school_seat_yuan``
    for a new school).  The class cap of a nine-year school is the primary one, as in the
    model's seat count.

    Parameters
    ----------
    plan : Plan
        A solved plan.
    forecast : layout_opt.demand.Forecast, optional
        Pupils by year, village and grade; ``plan.district.forecast(plan.scenario)`` if
        omitted.  The horizon is ``plan.scenario.horizon_year`` (the
        forecast's last year if it ends earlier).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STRANDED_COLUMNS`, one row per school that adds seats, most
        stranded first.
    """
    sc = plan.scenario
    L = plan_years(plan)[-1]
    horizon, hp = _horizon_band_pupils(plan, forecast)
    last = plan.schools[plan.schools["year"] == L].copy()
    opening = opening_years(plan)
    last["new_seats"] = [(new_school_seats(plan, sid) if sid in opening else 0) for sid in last["school_id"]]
    last = last[last["status"].isin(["open", "new"]) & ((last["added_seats"] > 0) | (last["new_seats"] > 0))]
    a = plan.assignments[plan.assignments["year"] == L][["village_id", "band", "school_id"]].astype({"village_id": str})
    catch = a.merge(hp, on=["village_id", "band"], how="left").fillna({"pupils_horizon": 0})
    h = catch.groupby("school_id")["pupils_horizon"].sum()
    unassigned = hp.merge(a, on=["village_id", "band"], how="left")
    lost = int(unassigned.loc[unassigned["school_id"].isna(), "pupils_horizon"].sum())
    if lost:
        logger.info("%d horizon-year pupils live in village bands without a catchment in %d; not counted", lost, L)
    rows = []
    for r in last.itertuples(index=False):
        level = LEVEL_OF_KIND[r.kind]
        cap = sc.class_cap(level)
        size_cap = sc.school_cap(SIZE_CAP_CLASS_OF_KIND.get(r.kind, "primary"))
        added = int(r.added_seats) + int(r.new_seats)
        seats = int(min((r.classrooms + r.added_classrooms) * cap, size_cap))
        pupils_h = int(h.get(r.school_id, 0))
        empty = max(0, seats - pupils_h)
        stranded = min(added, empty)
        seat_cost = r.added_seats * sc.cost_per_added_seat_yuan + r.new_seats * sc.cost_per_new_school_seat_yuan
        per_seat = seat_cost / added if added else 0.0
        rows.append(
            {
                "school_id": r.school_id,
                "name": r.name,
                "town": r.town,
                "kind": r.kind,
                "status": r.status,
                "added_seats": added,
                "seats": seats,
                "pupils": int(r.enrolment),
                "horizon_year": horizon,
                "pupils_horizon": pupils_h,
                "empty_seats_horizon": int(empty),
                "stranded_seats": int(stranded),
                "stranded_share": round(stranded / added, 4) if added else 0.0,
                "stranded_cost_yuan": round(stranded * per_seat, 2),
            }
        )
    out = pd.DataFrame(rows, columns=STRANDED_COLUMNS)
    return out.sort_values(["stranded_seats", "school_id"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )
