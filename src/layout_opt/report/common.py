"""What the report's modules share: the plan's years, the district's schools, the seats
of a planned project, when the plan opens each one, the district's policy targets, and
money as 万元 text."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

import pandas as pd

from ..schema import LEVEL_OF_KIND

if TYPE_CHECKING:  # pragma: no cover
    from ..plan import Plan
    from ..policy import Policy

#: Kinds of school that teach compulsory grades (1-9).
COMPULSORY_KINDS: Final[tuple[str, ...]] = ("teaching_point", "primary", "central_primary", "junior", "nine_year")


def plan_years(plan: Plan) -> list[int]:
    """The plan's years."""
    return [int(y) for y in plan.summary["years"]]


def district_schools(plan: Plan) -> pd.DataFrame:
    """The district's schools indexed by ``school_id``, with the columns the report reads."""
    cols = [
        "school_id",
        "name",
        "town",
        "kind",
        "status",
        "ur_code",
        "beds",
        "classrooms",
        "planned_seats",
        "open_year",
        "ownership",
    ]
    s = pd.DataFrame(plan.district.schools[[c for c in cols if c in plan.district.schools.columns]])
    for c in ("planned_seats", "open_year", "beds", "classrooms"):
        if c not in s.columns:
            s[c] = 0
    if "ownership" not in s.columns:
        s["ownership"] = "public"
    return s.set_index("school_id")


def new_school_seats(plan: Plan, school_id: str) -> int:
    """Seats of a planned project: its ``planned_seats``, else classrooms x class cap."""
    base = district_schools(plan).loc[school_id]
    seats = int(base["planned_seats"])
    if seats <= 0:
        seats = int(base["classrooms"]) * plan.scenario.class_cap(LEVEL_OF_KIND[base["kind"]])
    return seats


def opening_years(plan: Plan) -> dict[str, int]:
    """Planned projects the plan opens -> first plan year they are open."""
    s = plan.schools[plan.schools["status"] == "new"]
    return {sid: int(y) for sid, y in s.groupby("school_id")["year"].min().items()}


def yuan_wan(x: float) -> str:
    """Yuan as 万元 text."""
    return f"{x / 1e4:,.1f}万元"


def policy_of(plan: Plan, policy: Policy | None) -> Policy | None:
    """``policy`` if given, else the policy targets of the plan's district (None if none)."""
    return policy if policy is not None else getattr(plan.district, "policy", None)


def district_name_zh(name: str) -> str:
    """The Chinese part of a district's name (``孟津区 Mengjin district`` -> ``孟津区``)."""
    m = re.match(r"[^A-Za-z]*", str(name))
    zh = (m.group(0) if m else "").strip()
    return zh or str(name)


def other_closures_zh(plan: Plan) -> str:
    """What the plan's closures other than small schools are, in Chinese: 高中迁并 (high
    schools relocated), 幼儿园迁建 (kindergartens moved to a new site), or both."""
    kinds = set(plan.closures["school_id"].map(district_schools(plan)["kind"]))
    words = [w for k, w in (("high", "高中迁并"), ("kindergarten", "幼儿园迁建")) if k in kinds]
    return "、".join(words) or "高中迁并"
