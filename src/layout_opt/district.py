"""The district: villages, schools, roads and towns, validated, in a metric CRS."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from . import demand, travel
from .policy import Policy
from .scenario import Scenario
from .schema import (
    AGE_COLUMNS,
    ALL_GRADES,
    BANDS,
    ENROLMENT_COLUMNS,
    GRADE_COLUMNS,
    GRADES_OF_BAND,
    LEVEL_OF_KIND,
    METRIC_CRS,
    OPTIONAL_GRADE_COLUMNS,
    SIZE_CAP_CLASS_OF_KIND,
    band_of_grade,
    grade_column,
)
from .validate import validate_tables

logger = logging.getLogger(__name__)

_INT_VILLAGE = ("ur_code", "population", *GRADE_COLUMNS, *AGE_COLUMNS)
_INT_SCHOOL = (
    "ur_code",
    "classrooms",
    "classes",
    "beds",
    "max_added_classrooms",
    "open_year",
    "planned_seats",
    *GRADE_COLUMNS,
)


@dataclass(frozen=True)
class District:
    """A school district ready for planning.

    Build it with :func:`layout_opt.load_district` (files) or :meth:`from_frames`
    (in-memory tables); both validate.  All geometries are in :data:`crs` (metres).

    Attributes
    ----------
    villages : geopandas.GeoDataFrame
        One point per village-level unit; pupils by grade ``g1``..``g12`` and children by
        age ``a0``..``a5`` in the base year.
    schools : geopandas.GeoDataFrame
        One point per school, including planned projects (``status == "planned"``).
    roads : geopandas.GeoDataFrame or None
        Road lines with ``road_class`` (and optionally ``bus_speed_kmh``).
    towns : geopandas.GeoDataFrame
        Town and subdistrict seats: ``town_code``, ``town``, ``town_kind``.
    boundary : geopandas.GeoDataFrame or None
        District outline (for maps).
    base_year : int
        School year the enrolment describes.
    name : str
        Label used in reports.
    attribution : str
        Sources and licences of the data.
    enrolment : pandas.DataFrame or None
        Today's attendance: one row per village, school and grade with pupils in the base
        year (``village_id``, ``school_id``, ``grade``, ``pupils``, ``boarders``).  Summed
        by school it is the schools' ``g1``..``g12``, summed by village the villages';
        ``None`` when the district has no such table (``enrolment.csv`` is optional).
    policy : layout_opt.policy.Policy or None
        The district's policy targets (``policy.toml``), which the report compares a
        plan with; None for none.
    """

    villages: gpd.GeoDataFrame
    schools: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame | None
    towns: gpd.GeoDataFrame
    boundary: gpd.GeoDataFrame | None = None
    base_year: int = 2023
    name: str = "district"
    attribution: str = ""
    enrolment: pd.DataFrame | None = None
    policy: Policy | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_frames(
        cls,
        villages: gpd.GeoDataFrame,
        schools: gpd.GeoDataFrame,
        roads: gpd.GeoDataFrame | None,
        towns: gpd.GeoDataFrame,
        boundary: gpd.GeoDataFrame | None = None,
        base_year: int = 2023,
        name: str = "district",
        attribution: str = "",
        files: dict[str, str] | None = None,
        crs: str = METRIC_CRS,
        enrolment: pd.DataFrame | None = None,
        policy: Policy | None = None,
    ) -> District:
        """Validate the tables and return a district in a metric CRS.

        The input frames are not modified.  ``enrolment`` (today's attendance, see
        :attr:`enrolment`) is optional; other columns than those of
        :data:`layout_opt.schema.ENROLMENT_COLUMNS` are dropped.  ``policy`` (the
        district's policy targets, :func:`layout_opt.io.read_policy`) is kept as it is.

        Raises
        ------
        layout_opt.errors.ValidationError
            Naming file, record and field of every problem.
        """
        villages, schools = _with_optional_columns(villages), _with_optional_columns(schools)
        validate_tables(villages, schools, roads, towns, base_year, files=files, enrolment=enrolment)
        v = _normalise(villages, "village_id", _INT_VILLAGE, crs)
        v["central_village"] = v["central_village"].map(lambda x: str(x).lower() in ("true", "1"))
        s = _normalise(schools, "school_id", _INT_SCHOOL, crs)
        s["town_code"] = s["town_code"].astype(str)
        v["town_code"] = v["town_code"].astype(str)
        t = _normalise(towns, "town_code", (), crs)
        if "town" not in s.columns:
            s["town"] = s["town_code"].map(dict(zip(t["town_code"], t["town"])))
        r = None if roads is None else roads.to_crs(crs).reset_index(drop=True)
        b = None if boundary is None else boundary.to_crs(crs)
        e = None if enrolment is None else _normalise_enrolment(enrolment)
        if e is not None:
            young = e[(e["grade"] <= 3) & (e["boarders"] > 0)]
            if len(young):
                logger.warning(
                    "%d pupils of grades 1-3 board today (%d lines of the attendance table); "
                    "national guidance says they should not",
                    int(young["boarders"].sum()),
                    len(young),
                )
        return cls(
            villages=v,
            schools=s,
            roads=r,
            towns=t,
            boundary=b,
            base_year=int(base_year),
            name=name,
            attribution=attribution,
            enrolment=e,
            policy=policy,
        )

    def __repr__(self) -> str:
        kinds = self.schools["kind"].value_counts()
        return (
            f"District({self.name!r}, base year {self.base_year}: {len(self.villages)} villages, {len(self.schools)} schools "
            f"({', '.join(f'{n} {k}' for k, n in kinds.items())}), {0 if self.roads is None else len(self.roads)} road segments)"
        )

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = [
            ("villages", s["villages"]),
            ("residents", f"{s['residents']:,}"),
            *[(f"pupils {b}", f"{n:,}") for b, n in s["pupils_by_band"].items()],
            *[(f"schools: {k}", n) for k, n in s["schools_by_kind"].items()],
            ("planned projects", ", ".join(s["planned_projects"])),
            ("closure candidates", s["closure_candidates"]),
        ]
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>" for k, v in rows)
        return f"<b>{self.name}</b> (base year {self.base_year})<table>{body}</table>"

    # ------------------------------------------------------------------ views

    def subset(self, towns: list[str], name: str | None = None) -> District:
        """The part of the district in ``towns`` (town codes or names), for quick studies.

        Villages and schools of those towns and the roads touching them are kept; the
        result is validated like any district.  Trips that left the towns are lost, so
        plans of a subset are studies, not parts of the district's plan; for the same
        reason the subset has no policy targets (they are the whole district's).

        Today's attendance keeps the rows whose village and school are both kept.  Rows
        crossing the border are dropped, and with them their pupils: a kept school's
        ``g<grade>`` no longer counts pupils from villages outside the towns, and a kept
        village's no longer counts its pupils enrolled at schools outside them (for
        instance senior pupils at another town's high school).  The subset is thus a
        closed district of the pupils who live and attend school in it today.  Without
        an attendance table the pupil counts are kept as they are.
        """
        codes = {
            str(c)
            for c in self.towns.loc[self.towns["town_code"].isin(towns) | self.towns["town"].isin(towns), "town_code"]
        }
        if not codes:
            raise ValueError(f"no town matches {towns!r}; known: {', '.join(self.towns['town'])}")
        villages = self.villages[self.villages["town_code"].isin(codes)]
        schools = self.schools[self.schools["town_code"].isin(codes)]
        enrolment = None
        if self.enrolment is not None:
            e = self.enrolment
            enrolment = e[e["village_id"].isin(villages["village_id"]) & e["school_id"].isin(schools["school_id"])]
            villages = _counts_from(villages, enrolment, "village_id")
            schools = _counts_from(schools, enrolment, "school_id")
        roads = None
        if self.roads is not None:
            area = villages.geometry.union_all().union(schools.geometry.union_all()).convex_hull.buffer(3_000)
            roads = self.roads[self.roads.intersects(area)]
        return District.from_frames(
            villages=villages,
            schools=schools,
            roads=roads,
            towns=self.towns[self.towns["town_code"].isin(codes)],
            boundary=self.boundary,
            base_year=self.base_year,
            name=name
            or f"{self.name} ({', '.join(sorted(self.towns.loc[self.towns['town_code'].isin(codes), 'town']))})",
            attribution=self.attribution,
            crs=self.crs,
            enrolment=enrolment,
        )

    @property
    def crs(self):
        """The metric CRS of every table."""
        return self.villages.crs

    def planned_bands(self, scenario: Scenario) -> tuple[str, ...]:
        """The scenario's bands this district can plan: kindergartens only where it has
        any (a district without them plans its schools alone)."""
        has_kindergartens = bool((self.schools["kind"] == "kindergarten").any())
        return tuple(b for b in scenario.bands if b != "preschool" or has_kindergartens)

    def pupils(self, band: str) -> pd.Series:
        """Base-year pupils of ``band`` per village, indexed by ``village_id``."""
        cols = [grade_column(g) for g in GRADES_OF_BAND[band]]
        return self.villages.set_index("village_id")[cols].sum(axis=1)

    def travel_matrix(self, scenario: Scenario | None = None) -> travel.TravelMatrix:
        """Village x school one-way minutes under ``scenario``, computed once and then reused.

        Over the road network (:func:`layout_opt.travel.travel_time_matrix`), or as
        straight-line estimates when the district has no roads.  The matrix depends only on
        the scenario's walking speed and longest trip: another scenario with the same two
        gets the same matrix object back.

        Parameters
        ----------
        scenario : layout_opt.Scenario, optional
            The policy defaults if omitted.

        Returns
        -------
        layout_opt.travel.TravelMatrix
        """
        scenario = scenario or Scenario()
        key = ("travel", scenario.walk_speed_kmh, scenario.longest_trip_min)
        if key not in self._cache:
            if self.roads is None:
                logger.warning("no road network: travel times are straight-line estimates")
                self._cache[key] = travel.straight_line_matrix(
                    self.villages, self.schools, cutoff_min=scenario.longest_trip_min
                )
            else:
                self._cache[key] = travel.travel_time_matrix(
                    self.roads,
                    self.villages,
                    self.schools,
                    cutoff_min=scenario.longest_trip_min,
                    walk_speed_kmh=scenario.walk_speed_kmh,
                )
        return self._cache[key]

    def forecast(self, scenario: Scenario | None = None) -> demand.Forecast:
        """Pupils by year, village and grade under ``scenario``'s forecast parameters,
        computed once and then reused (:func:`layout_opt.demand.forecast`).

        Parameters
        ----------
        scenario : layout_opt.Scenario, optional
            The policy defaults if omitted; only its forecast parameters
            (:meth:`layout_opt.Scenario.forecast_params`) matter.

        Returns
        -------
        layout_opt.demand.Forecast
        """
        params = (scenario or Scenario()).forecast_params()
        key = ("forecast", params)
        if key not in self._cache:
            self._cache[key] = demand.forecast(self.villages, self.base_year, params)
        return self._cache[key]

    def closure_candidates(self, small_school_pupils: int = 100) -> pd.Series:
        """Boolean per school: a teaching point, or an open school under the threshold.

        High schools are handled by the concentration rule, not by this threshold.
        """
        enrol = self.schools[list(GRADE_COLUMNS)].sum(axis=1)
        open_ = self.schools["status"] == "open"
        tp = self.schools["kind"] == "teaching_point"
        small = (enrol < small_school_pupils) & self.schools["kind"].isin(
            ["primary", "central_primary", "junior", "nine_year"]
        )
        return pd.Series((open_ & (tp | small)).to_numpy(), index=self.schools["school_id"].to_numpy())

    def summary(self, class_caps: dict[str, int] | None = None, small_school_pupils: int = 100) -> dict:
        """Key figures of the district in its base year.

        Returns
        -------
        dict
            villages, residents (in all and by settlement class: urban units 111-122,
            rural units 210-220), pupils by band and per 1,000 residents, children by
            age, schools by kind, closure candidates, classes over the caps, boarding
            beds by town, today's boarding (schools with beds by level, beds, boarders
            by band from the attendance table, or ``None`` without one) and the roads
            (km by class and by source, bridges; ``None`` without roads).
        """
        caps = class_caps or {"primary": 45, "junior": 50, "senior": 50, "preschool": 35}
        v, s = self.villages, self.schools
        open_s = s[s["status"] == "open"]
        pupils_by_band = {b: int(v[[grade_column(g) for g in GRADES_OF_BAND[b]]].to_numpy().sum()) for b in BANDS}
        over = []
        for _, row in open_s.iterrows():
            if row["kind"] == "teaching_point" or row["classes"] == 0:
                continue
            level = LEVEL_OF_KIND[row["kind"]]
            enrol = int(sum(row[grade_column(g)] for g in ALL_GRADES))
            size = enrol / row["classes"]
            if size > caps[level]:
                over.append(
                    {
                        "school_id": row["school_id"],
                        "name": row["name"],
                        "classes": int(row["classes"]),
                        "pupils_per_class": round(size, 1),
                        "cap": caps[level],
                    }
                )
        beds = s.groupby("town")["beds"].sum().astype(int)
        return {
            "district": self.name,
            "base_year": self.base_year,
            "villages": int(len(v)),
            "residents": int(v["population"].sum()),
            "pupils_by_band": pupils_by_band,
            "pupils_per_1000": {
                "primary": round(
                    1000 * (pupils_by_band["lower_primary"] + pupils_by_band["upper_primary"]) / v["population"].sum(),
                    1,
                ),
                "junior": round(1000 * pupils_by_band["junior"] / v["population"].sum(), 1),
                "senior": round(1000 * pupils_by_band["senior"] / v["population"].sum(), 1),
            },
            "schools_by_kind": {k: int(n) for k, n in open_s["kind"].value_counts().sort_index().items()},
            "planned_projects": s.loc[s["status"] == "planned", "name"].tolist(),
            "closure_candidates": int(self.closure_candidates(small_school_pupils).sum()),
            "oversize_classes": {"schools": len(over), "classes": int(sum(o["classes"] for o in over)), "list": over},
            "boarding_beds_by_town": {k: int(n) for k, n in beds.items()},
            "residents_by_settlement": {
                "urban (111-122)": int(v.loc[v["ur_code"] < 200, "population"].sum()),
                "rural (210-220)": int(v.loc[v["ur_code"] >= 200, "population"].sum()),
            },
            "children_by_age": {int(c[1:]): int(v[c].sum()) for c in AGE_COLUMNS},
            "boarding_today": self._boarding_today(),
            "roads": self._road_figures(),
        }

    def _boarding_today(self) -> dict:
        """Schools with beds by level, their beds, and today's boarders by band."""
        s = self.schools[(self.schools["status"] == "open") & (self.schools["beds"] > 0)]
        level = s["kind"].map(SIZE_CAP_CLASS_OF_KIND)  # primary, junior, nine_year, senior
        boarders = None
        if self.enrolment is not None:
            e = self.enrolment
            by_band = e.groupby(e["grade"].map(band_of_grade))["boarders"].sum()
            boarders = {b: int(by_band.get(b, 0)) for b in BANDS}
        return {
            "schools": {k: int((level == k).sum()) for k in ("primary", "junior", "nine_year", "senior")},
            "beds": {k: int(s.loc[level == k, "beds"].sum()) for k in ("primary", "junior", "nine_year", "senior")},
            "boarders_by_band": boarders,
        }

    def _road_figures(self) -> dict | None:
        """Kilometres of road by class and by source, and the number of bridges."""
        if self.roads is None:
            return None
        r = self.roads
        km = r.geometry.length / 1000.0
        by_source = km.groupby(r["source"]).sum() if "source" in r.columns else pd.Series({"unknown": km.sum()})
        return {
            "segments": int(len(r)),
            "km_by_class": {k: round(float(x), 1) for k, x in km.groupby(r["road_class"]).sum().items()},
            "km_by_source": {k: round(float(x), 1) for k, x in by_source.items()},
            "bridges": int(r["bridge"].map(lambda x: str(x).lower() in ("true", "1")).sum())
            if "bridge" in r.columns
            else 0,
        }


def _with_optional_columns(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``table`` with the optional columns it lacks: kindergarten children ``k1``..``k3``
    (none) and, for schools, ``ownership`` (public) and ``moves_to`` (no move)."""
    missing = {c: 0 for c in OPTIONAL_GRADE_COLUMNS if c not in table.columns}
    if "school_id" in table.columns and "ownership" not in table.columns:
        missing["ownership"] = "public"
    if "school_id" in table.columns and "moves_to" not in table.columns:
        missing["moves_to"] = ""
    return table.assign(**missing) if missing else table


def _normalise_enrolment(enrolment: pd.DataFrame) -> pd.DataFrame:
    """The attendance columns with text ids and int64 counts, rows in their given order."""
    out = enrolment[list(ENROLMENT_COLUMNS)].reset_index(drop=True).copy()
    for c in ("village_id", "school_id"):
        out[c] = out[c].astype(str)
    for c in ("grade", "pupils", "boarders"):
        out[c] = pd.to_numeric(out[c]).astype(np.int64)
    return out


def _counts_from(table: gpd.GeoDataFrame, enrolment: pd.DataFrame, id_col: str) -> gpd.GeoDataFrame:
    """``table`` with the pupils by grade (``g1``..``g12``, ``k1``..``k3``) recounted from
    the attendance rows of each record."""
    sums = enrolment.pivot_table(index=id_col, columns="grade", values="pupils", aggfunc="sum", fill_value=0)
    sums = sums.reindex(index=table[id_col].astype(str), columns=list(ALL_GRADES), fill_value=0)
    out = table.copy()
    for g in ALL_GRADES:
        out[grade_column(g)] = sums[g].to_numpy(np.int64)
    return out


def _normalise(gdf: gpd.GeoDataFrame, id_col: str, int_cols: tuple[str, ...], crs: str) -> gpd.GeoDataFrame:
    out = gdf.to_crs(crs).reset_index(drop=True).copy()
    out[id_col] = out[id_col].astype(str)
    for c in int_cols:
        if c in out.columns:
            out[c] = pd.to_numeric(out[c]).astype(np.int64)
    return out
