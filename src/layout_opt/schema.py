"""Vocabulary shared by every module: grade bands, school kinds, settlement classes.

These are facts of the Chinese school system and of the official statistics
classification, not tunable parameters; tunable numbers live in
:class:`layout_opt.scenario.Scenario`.
"""

from __future__ import annotations

from typing import Final

#: Grade bands used throughout, in school order.
BANDS: Final[tuple[str, ...]] = ("lower_primary", "upper_primary", "junior", "senior")

#: Grades (1-12) that make up each band.
GRADES_OF_BAND: Final[dict[str, tuple[int, ...]]] = {
    "lower_primary": (1, 2, 3),
    "upper_primary": (4, 5, 6),
    "junior": (7, 8, 9),
    "senior": (10, 11, 12),
}

#: The school level a band belongs to (class caps and site rules are per level).
LEVEL_OF_BAND: Final[dict[str, str]] = {
    "lower_primary": "primary",
    "upper_primary": "primary",
    "junior": "junior",
    "senior": "senior",
}

ALL_GRADES: Final[tuple[int, ...]] = tuple(range(1, 13))
GRADE_COLUMNS: Final[tuple[str, ...]] = tuple(f"g{g}" for g in ALL_GRADES)
AGE_COLUMNS: Final[tuple[str, ...]] = tuple(f"a{a}" for a in range(6))

#: Columns of today's attendance (``enrolment.csv``): pupils of a village-level unit in
#: one grade at one school in the base year, and how many of them board there.
ENROLMENT_COLUMNS: Final[tuple[str, ...]] = ("village_id", "school_id", "grade", "pupils", "boarders")

#: Where a road line comes from (the optional ``source`` column of ``roads.geojson``):
#: OpenStreetMap, a public authority's road data, or made by a generator.
ROAD_SOURCES: Final[tuple[str, ...]] = ("osm", "official", "synthetic")

#: Bands each kind of school teaches.  A teaching point (教学点) teaches grades 1-3.
BANDS_OF_KIND: Final[dict[str, tuple[str, ...]]] = {
    "teaching_point": ("lower_primary",),
    "primary": ("lower_primary", "upper_primary"),
    "central_primary": ("lower_primary", "upper_primary"),
    "junior": ("junior",),
    "nine_year": ("lower_primary", "upper_primary", "junior"),
    "high": ("senior",),
}
SCHOOL_KINDS: Final[tuple[str, ...]] = tuple(BANDS_OF_KIND)

#: The school-size cap (pupils per school) that applies to each kind.
SIZE_CAP_CLASS_OF_KIND: Final[dict[str, str]] = {
    "teaching_point": "primary",
    "primary": "primary",
    "central_primary": "primary",
    "junior": "junior",
    "nine_year": "nine_year",
    "high": "senior",
}

#: Official urban-rural settlement classes (城乡分类代码).
UR_CODES: Final[dict[int, str]] = {
    111: "主城区 main urban area",
    112: "城乡结合区 urban fringe",
    121: "镇中心区 town-seat centre",
    122: "镇乡结合区 town-seat fringe",
    210: "乡中心区 township centre",
    220: "村庄 village",
}

SCHOOL_STATUSES: Final[tuple[str, ...]] = ("open", "planned")

#: Chinese labels used in the bureau's workbook and report.
BAND_ZH: Final[dict[str, str]] = {
    "lower_primary": "小学低年级(1-3)",
    "upper_primary": "小学高年级(4-6)",
    "junior": "初中(7-9)",
    "senior": "高中(10-12)",
}
KIND_ZH: Final[dict[str, str]] = {
    "teaching_point": "教学点",
    "primary": "完全小学",
    "central_primary": "中心小学",
    "junior": "初级中学",
    "nine_year": "九年一贯制学校",
    "high": "普通高中",
}


def grades_of_bands(bands: tuple[str, ...] | list[str]) -> tuple[int, ...]:
    """Return the sorted grades (1-12) covered by ``bands``."""
    return tuple(sorted(g for b in bands for g in GRADES_OF_BAND[b]))


def band_of_grade(grade: int) -> str:
    """Return the band that grade ``grade`` (1-12) belongs to."""
    for band, grades in GRADES_OF_BAND.items():
        if grade in grades:
            return band
    raise ValueError(f"grade must be 1-12, got {grade}")
