"""Schema checks for the district's input files: its tables, its metadata, the policy's
named projects and the policy targets.

Every check names the file, the record and the field; all problems found are raised
together as one :class:`~layout_opt.errors.ValidationError` (or returned as a list of
:class:`~layout_opt.errors.Problem`).  Nothing here reads or writes files:
:mod:`layout_opt.io` reads, these functions judge what it read.

A record with a wrong type or value is reported once and left out of the checks that
need that value (e.g. a school with a text ``g4`` is not also checked against its
classrooms), so that one typo gives one message.

* :mod:`~layout_opt.validate.tables` — ``villages``, ``schools``, ``roads``, ``towns``
  and how they fit together (:func:`validate_tables`);
* :mod:`~layout_opt.validate.attendance` — today's attendance ``enrolment.csv``
  (:func:`check_enrolment`);
* :mod:`~layout_opt.validate.files` — ``district.json`` (:func:`check_district_meta`),
  ``policy_projects.csv`` (:func:`check_policy_projects`), ``policy.toml``
  (:func:`check_policy`);
* :mod:`~layout_opt.validate.common` — what they share.
"""

from __future__ import annotations

from .attendance import check_enrolment
from .files import (
    BASE_YEAR_RANGE,
    MAX_PROJECT_SEATS,
    POLICY_KEYS,
    POLICY_PROJECT_COLUMNS,
    POLICY_PROJECT_TYPES,
    RELOCATION_KEYS,
    RELOCATION_SCHOOL_KEYS,
    check_district_meta,
    check_policy,
    check_policy_projects,
)
from .tables import (
    CHINA_LONLAT_BOX,
    MAX_KM_FROM_TOWN_SEAT,
    MAX_PLANNING_YEARS,
    MAX_PUPILS_PER_CLASSROOM,
    ROAD_COLUMNS,
    SCHOOL_COLUMNS,
    TOWN_COLUMNS,
    VILLAGE_COLUMNS,
    check_hosts,
    check_roads,
    check_schools,
    check_towns,
    check_villages,
    validate_tables,
)

__all__ = [
    "BASE_YEAR_RANGE",
    "CHINA_LONLAT_BOX",
    "MAX_KM_FROM_TOWN_SEAT",
    "MAX_PLANNING_YEARS",
    "MAX_PROJECT_SEATS",
    "MAX_PUPILS_PER_CLASSROOM",
    "POLICY_KEYS",
    "POLICY_PROJECT_COLUMNS",
    "POLICY_PROJECT_TYPES",
    "RELOCATION_KEYS",
    "RELOCATION_SCHOOL_KEYS",
    "ROAD_COLUMNS",
    "SCHOOL_COLUMNS",
    "TOWN_COLUMNS",
    "VILLAGE_COLUMNS",
    "check_district_meta",
    "check_enrolment",
    "check_hosts",
    "check_policy",
    "check_policy_projects",
    "check_roads",
    "check_schools",
    "check_towns",
    "check_villages",
    "validate_tables",
]
