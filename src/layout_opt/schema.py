"""Vocabulary shared by every module: grade bands, school kinds, settlement classes, road
classes and the coordinate system of computation.

These are facts of the Chinese school system, of the official statistics classification
and of the school-bus law, not tunable parameters; tunable numbers live in
:class:`layout_opt.scenario.Scenario`.  Every module may import this one; it imports no
other module of the package.
"""

from __future__ import annotations

from typing import Final

#: Grade bands used throughout: the school bands in school order, then kindergarten.
BANDS: Final[tuple[str, ...]] = ("lower_primary", "upper_primary", "junior", "senior", "preschool")

#: Grades that make up each band.  School grades are 1-12; the kindergarten's three
#: years (小班, 中班, 大班, children aged 3, 4 and 5) are numbered 13, 14 and 15 so that
#: every grade has one index ``g - 1`` (their columns are ``k1``..``k3``).
GRADES_OF_BAND: Final[dict[str, tuple[int, ...]]] = {
    "lower_primary": (1, 2, 3),
    "upper_primary": (4, 5, 6),
    "junior": (7, 8, 9),
    "senior": (10, 11, 12),
    "preschool": (13, 14, 15),
}

#: The level a band belongs to (class caps, staffing and site rules are per level).
LEVEL_OF_BAND: Final[dict[str, str]] = {
    "lower_primary": "primary",
    "upper_primary": "primary",
    "junior": "junior",
    "senior": "senior",
    "preschool": "preschool",
}

#: Every grade, school grades 1-12 then the kindergarten's 13-15.
ALL_GRADES: Final[tuple[int, ...]] = tuple(range(1, 16))
#: School grades (1-12).
SCHOOL_GRADES: Final[tuple[int, ...]] = tuple(range(1, 13))
#: Kindergarten grades (小班, 中班, 大班).
PRESCHOOL_GRADES: Final[tuple[int, ...]] = (13, 14, 15)
#: Number of grades, the length of every by-grade array.
N_GRADES: Final[int] = len(ALL_GRADES)


def grade_column(grade: int) -> str:
    """The table column of ``grade``: ``g1``..``g12`` for school grades, ``k1``..``k3``
    for the kindergarten's (grades 13-15)."""
    return f"k{grade - 12}" if grade > 12 else f"g{grade}"


GRADE_COLUMNS: Final[tuple[str, ...]] = tuple(grade_column(g) for g in ALL_GRADES)
#: Columns of the school grades (``g1``..``g12``).
SCHOOL_GRADE_COLUMNS: Final[tuple[str, ...]] = tuple(grade_column(g) for g in SCHOOL_GRADES)
#: Columns that may be absent from older tables (read as zeros).
OPTIONAL_GRADE_COLUMNS: Final[tuple[str, ...]] = tuple(grade_column(g) for g in PRESCHOOL_GRADES)
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
    "kindergarten": ("preschool",),
}
SCHOOL_KINDS: Final[tuple[str, ...]] = tuple(BANDS_OF_KIND)

#: The level whose class cap sizes a classroom of each kind (a nine-year school's
#: classrooms are counted at the primary cap, as the model does).
LEVEL_OF_KIND: Final[dict[str, str]] = {
    "teaching_point": "primary",
    "primary": "primary",
    "central_primary": "primary",
    "junior": "junior",
    "nine_year": "primary",
    "high": "senior",
    "kindergarten": "preschool",
}

#: The school-size cap (pupils per school) that applies to each kind.
SIZE_CAP_CLASS_OF_KIND: Final[dict[str, str]] = {
    "teaching_point": "primary",
    "primary": "primary",
    "central_primary": "primary",
    "junior": "junior",
    "nine_year": "nine_year",
    "high": "senior",
    "kindergarten": "kindergarten",
}

#: Who runs a school (the optional ``ownership`` column of ``schools.geojson``): the
#: state (公办) or a private owner (民办); a town's public kindergarten must be public.
OWNERSHIPS: Final[tuple[str, ...]] = ("public", "private")

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

#: Plan years, and the opening years of planned projects, lie at most this many years
#: after the base year of the data.
MAX_PLANNING_YEARS: Final[int] = 20

#: Projected CRS of every computation: UTM zone 49N (108-114 deg E), metres.
METRIC_CRS: Final[str] = "EPSG:32649"

#: Road classes, from the most to the least important.
ROAD_CLASSES: Final[tuple[str, ...]] = ("expressway", "trunk", "county", "township", "village")

#: Default bus speed per road class, km/h.  The school-bus law (校车安全管理条例
#: Art. 35) caps buses at 60 km/h on ordinary roads and 80 km/h on expressways.
ROAD_CLASS_SPEED_KMH: Final[dict[str, float]] = {
    "expressway": 80.0,
    "trunk": 50.0,
    "county": 40.0,
    "township": 30.0,
    "village": 20.0,
}

#: Legal school-bus speed caps by road class, km/h (校车安全管理条例 Art. 35).
BUS_SPEED_CAP_KMH: Final[dict[str, float]] = {"expressway": 80.0}
#: Legal school-bus speed cap on every other road, km/h (校车安全管理条例 Art. 35).
BUS_SPEED_CAP_DEFAULT_KMH: Final[float] = 60.0

#: Chinese labels used in the bureau's workbook and report.
BAND_ZH: Final[dict[str, str]] = {
    "lower_primary": "小学低年级(1-3)",
    "upper_primary": "小学高年级(4-6)",
    "junior": "初中(7-9)",
    "senior": "高中(10-12)",
    "preschool": "幼儿园(小中大班)",
}
STATUS_ZH: Final[dict[str, str]] = {"open": "保留", "closed": "撤并", "new": "新建", "planned": "规划中"}
MODE_ZH: Final[dict[str, str]] = {"day": "走读", "boarding": "寄宿"}
KIND_ZH: Final[dict[str, str]] = {
    "teaching_point": "教学点",
    "primary": "完全小学",
    "central_primary": "中心小学",
    "junior": "初级中学",
    "nine_year": "九年一贯制学校",
    "high": "普通高中",
    "kindergarten": "幼儿园",
}


def grades_of_bands(bands: tuple[str, ...] | list[str]) -> tuple[int, ...]:
    """Return the sorted grades (1-15) covered by ``bands``."""
    return tuple(sorted(g for b in bands for g in GRADES_OF_BAND[b]))


def band_of_grade(grade: int) -> str:
    """Return the band that grade ``grade`` (1-15) belongs to."""
    for band, grades in GRADES_OF_BAND.items():
        if grade in grades:
            return band
    raise ValueError(f"grade must be 1-15, got {grade}")
