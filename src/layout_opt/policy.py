"""A district's policy targets, as data: what the report compares a plan with.

The targets come from the district's own policy document, not from the rules of the
model (those are :class:`layout_opt.Scenario` parameters).  They live in the data folder
as ``policy.toml`` (Mengjin's in ``data/policy.toml``, each value with the passage it
quotes), are read and validated by :func:`layout_opt.io.read_policy` and travel with the
district (:attr:`layout_opt.District.policy`).  A district without the file gets a report
without the policy comparison.

The file (every key but ``document``, ``end_year``, ``closures``, ``compulsory_seats`` and
``compulsory_build_yuan`` is optional)::

    document = "..."                  # the policy document, as cited in the report
    end_year = 2026                   # last year of the programme
    closures = 70                     # small schools and teaching points to close
    compulsory_seats = 5540           # compulsory-education seats to add
    compulsory_build_yuan = 327000000 # estimated investment in compulsory schools, yuan
    compulsory_build_covers = "..."   # what that estimate covers beyond seats and beds
    boarding_schools_today = 34       # boarding primary and junior schools the policy counts today
    kindergarten_places = 1800        # kindergarten places to add by end_year
    kindergarten_build_yuan = 70960000 # investment in the kindergarten projects, yuan
    public_kindergartens_per_town = 1 # public kindergartens every town (镇) has at least

    [senior_relocation]
    summary = "..."                   # the relocation in one sentence

    [[senior_relocation.schools]]
    name = "孟津二高"                  # a school of schools.geojson
    action = "整合迁入原一高校址"        # the policy's words
    outcome = "closed"                # its site in the plan's terms: open, closed or new
    destination = "孟津一高"            # where its pupils go (a school's name)
    site = ""                         # how the policy calls a site that stays open
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

#: Name of the policy file in a district's data folder.
POLICY_FILE: Final[str] = "policy.toml"

#: What the plan does with a site the relocation names: it stays open (and takes the
#: merged schools), it closes (its pupils go to ``destination``), or it is a new site.
RELOCATION_OUTCOMES: Final[tuple[str, ...]] = ("open", "closed", "new")


@dataclass(frozen=True)
class SeniorRelocation:
    """What the policy does with one high school.

    Attributes
    ----------
    name : str
        The school's name in ``schools.geojson``.
    action : str
        The policy's words for it.
    outcome : str
        Its site in the plan's terms (:data:`RELOCATION_OUTCOMES`).
    destination : str
        The school its pupils go to (empty where they go nowhere else).
    site : str
        How the policy calls the site, for a site that stays open (e.g. 原一高校址);
        ``<name>校址`` if not given.
    """

    name: str
    action: str
    outcome: str
    destination: str = ""
    site: str = ""

    @property
    def site_name(self) -> str:
        """:attr:`site`, or ``<name>校址``."""
        return self.site or f"{self.name}校址"


@dataclass(frozen=True)
class Policy:
    """A district's policy targets (see the module docstring for the file).

    Attributes
    ----------
    document : str
        The policy document, as the report cites it.
    end_year : int
        The last year of the policy's programme.
    closures : int
        Small schools and teaching points to close by then.
    compulsory_seats : int
        Compulsory-education seats to add by then (new schools and expansions).
    compulsory_build_yuan : float
        The policy's estimated investment in new and rebuilt compulsory schools, yuan
        (compared with the plan's seats and beds for scale only).
    compulsory_build_covers : str
        What that estimate covers beyond seats and beds (Chinese, for the report's note).
    boarding_schools_today : int or None
        Boarding primary and junior schools the policy counts today (None if it does not say).
    kindergarten_places : int or None
        Kindergarten places to add by :attr:`end_year` (None if the policy does not say).
    kindergarten_build_yuan : float or None
        The policy's investment in its kindergarten projects, yuan.
    public_kindergartens_per_town : int or None
        Public kindergartens the policy wants in every town (镇).
    senior_summary : str
        The senior-high relocation in one sentence (Chinese, for the report).
    senior_relocation : tuple of SeniorRelocation
        What the policy does with each high school it names.
    """

    document: str
    end_year: int
    closures: int
    compulsory_seats: int
    compulsory_build_yuan: float
    compulsory_build_covers: str = ""
    boarding_schools_today: int | None = None
    kindergarten_places: int | None = None
    kindergarten_build_yuan: float | None = None
    public_kindergartens_per_town: int | None = None
    senior_summary: str = ""
    senior_relocation: tuple[SeniorRelocation, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """The policy of a parsed ``policy.toml`` (checked first by
        :func:`layout_opt.validate.check_policy`)."""
        senior = data.get("senior_relocation", {})
        return cls(
            document=str(data["document"]),
            end_year=int(data["end_year"]),
            closures=int(data["closures"]),
            compulsory_seats=int(data["compulsory_seats"]),
            compulsory_build_yuan=float(data["compulsory_build_yuan"]),
            compulsory_build_covers=str(data.get("compulsory_build_covers", "")),
            boarding_schools_today=(
                int(data["boarding_schools_today"]) if data.get("boarding_schools_today") is not None else None
            ),
            kindergarten_places=_optional(data, "kindergarten_places", int),
            kindergarten_build_yuan=_optional(data, "kindergarten_build_yuan", float),
            public_kindergartens_per_town=_optional(data, "public_kindergartens_per_town", int),
            senior_summary=str(senior.get("summary", "")),
            senior_relocation=tuple(
                SeniorRelocation(
                    name=str(s["name"]),
                    action=str(s["action"]),
                    outcome=str(s["outcome"]),
                    destination=str(s.get("destination", "")),
                    site=str(s.get("site", "")),
                )
                for s in senior.get("schools", [])
            ),
        )

    def relocation_of(self, name: str) -> SeniorRelocation | None:
        """What the policy does with the high school called ``name`` (None if it says nothing)."""
        return next((r for r in self.senior_relocation if r.name == name), None)


def _optional(data: Mapping[str, Any], key: str, kind: type) -> Any:
    """``kind(data[key])``, or None where the key is absent."""
    return kind(data[key]) if data.get(key) is not None else None
