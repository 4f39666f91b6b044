"""Synthetic districts: the building blocks of the bundled dataset and seeded examples.

Two uses:

* ``scripts/build_dataset.py`` builds the bundled Mengjin dataset from the real names,
  codes, settlement classes, boundary, census totals and major roads, and uses the
  functions here for everything that must be synthetic (positions, residents per unit,
  schools, village roads, today's attendance).
* Tests and benchmarks call :func:`synthetic_district` for small hand-sized districts up to
  many times Mengjin's size, reproducibly from a seed.

The modules: :mod:`~layout_opt.examples.people` (residents, pupils by grade, children by
age), :mod:`~layout_opt.examples.places` (points in an area),
:mod:`~layout_opt.examples.roads` (road networks), :mod:`~layout_opt.examples.schools`
(registries and today's attendance), :mod:`~layout_opt.examples.synthetic` (whole
districts) and :mod:`~layout_opt.examples.counties` (seeded sets of counties of varied size,
for batch runs).  Every public name is importable from ``layout_opt.examples``.

All coordinates here are metres in a projected CRS (:data:`METRIC_CRS` by default).
"""

from __future__ import annotations

from .constants import CLASS_CAP_OF_LEVEL, FILE_CRS, METRIC_CRS, ROAD_CLASS_SPEED_KMH
from .counties import county_districts, county_sizes
from .people import (
    MENGJIN_BIRTHS,
    Calibration,
    cohorts_from_census,
    grade_and_age_totals,
    spread_cohorts,
    synth_children,
    synth_population,
)
from .places import scatter_points
from .roads import add_access_roads, attach_to_backbone, build_road_network
from .schools import (
    BOARDING_SHARE_OF_BAND,
    current_enrolment,
    equip_schools,
    room_for_cohorts,
    school_row,
    school_sites,
    size_classrooms,
    stem_of,
    today_boarders,
)
from .synthetic import synthetic_district

__all__ = [
    "BOARDING_SHARE_OF_BAND",
    "CLASS_CAP_OF_LEVEL",
    "FILE_CRS",
    "MENGJIN_BIRTHS",
    "METRIC_CRS",
    "ROAD_CLASS_SPEED_KMH",
    "Calibration",
    "add_access_roads",
    "attach_to_backbone",
    "build_road_network",
    "cohorts_from_census",
    "county_districts",
    "county_sizes",
    "current_enrolment",
    "equip_schools",
    "grade_and_age_totals",
    "room_for_cohorts",
    "scatter_points",
    "school_row",
    "school_sites",
    "size_classrooms",
    "spread_cohorts",
    "stem_of",
    "synth_children",
    "synth_population",
    "synthetic_district",
    "today_boarders",
]
