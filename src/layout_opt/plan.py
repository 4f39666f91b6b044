"""The user-facing :class:`Plan`: the tables of a solved model and the views a planner asks for.

The model layer (:func:`layout_opt.model.plan.extract_plan`) reads the solver's values
back into plain tables (:class:`~layout_opt.model.plan.PlanTables`); :func:`layout_opt.solve`
wraps them, with the district, the scenario, the travel matrix and the demand they were
solved from, into a :class:`Plan`.  Its views sit on top of the rest of the package: the
key figures (:mod:`layout_opt.kpis`), the independent rule check (:mod:`layout_opt.check`),
the maps (:mod:`layout_opt.maps`), where each closed school's pupils go
(:meth:`Plan.closure_moves`, the one answer the report groups too) and why each school
grows (:meth:`Plan.addition_reasons`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .check import check_plan
from .kpis import plan_kpis
from .maps import explore_plan, plot_plan
from .schema import BANDS, BANDS_OF_KIND, GRADES_OF_BAND, N_GRADES, SIZE_CAP_CLASS_OF_KIND, band_of_grade

if TYPE_CHECKING:  # pragma: no cover
    from .district import District
    from .model.plan import PlanTables
    from .scenario import Scenario
    from .travel import TravelMatrix

#: Columns of :meth:`Plan.closure_moves`.
CLOSURE_MOVE_COLUMNS: list[str] = [
    "school_id",
    "name",
    "town",
    "year",
    "village_id",
    "village",
    "band",
    "pupils",
    "to_school_id",
    "to_school",
    "mode",
    "travel_min",
    "travel_before_min",
]

#: Columns of :meth:`Plan.addition_reasons`.
ADDITION_REASON_COLUMNS: list[str] = [
    "school_id",
    "name",
    "town",
    "kind",
    "year",
    "pupils",
    "pupils_from_closed",
    "pupils_over_size_cap",
    "classes_needed",
    "classes_needed_without_closed",
    "classrooms",
    "added_classrooms",
    "boarders",
    "beds",
    "added_beds",
    "cost_yuan",
    "reasons",
]


def gap_text(gap: float | None) -> str:
    """A relative gap as people read it: ``"0.005%"``, ``"1.35%"``, ``"0%"`` or ``"n/a"``
    (three significant digits, so that a proven 0.005 % does not print as 0.01 % or 0.00 %)."""
    return "n/a" if gap is None else f"{100 * gap:.3g}%"


@dataclass(frozen=True)
class Plan:
    """A school layout plan: closures, catchments, added capacity, costs, year by year.

    Build it with :func:`layout_opt.solve`.  Tables are pandas DataFrames (treat them as
    read-only); :attr:`summary` is a JSON-ready dict.  In Jupyter a plan shows its key
    figures; :meth:`kpis` gives them as a frame, :meth:`check` re-verifies every rule,
    :meth:`plot` and :meth:`explore` draw it, :meth:`closure_moves` and
    :meth:`addition_reasons` say where the pupils of each closed school go and why each
    school gets classrooms or beds.

    Attributes
    ----------
    assignments : pandas.DataFrame
        One row per year, village and band: the school, ``day``/``boarding``, pupils and
        one-way minutes.
    schools : pandas.DataFrame
        One row per year and school: status, pupils, classes, rooms, beds, additions and
        cumulative capital cost.
    closures : pandas.DataFrame
        One row per closed school: closure year, pupils moved, receiving schools.
    summary : dict
        Scenario, solver status/objective/bound/gap/seconds, objective terms, totals.
    scenario : layout_opt.Scenario
        The scenario solved.
    district : layout_opt.District
        The district planned (for maps and checks).
    travel : layout_opt.travel.TravelMatrix, optional
        The village x school minutes the plan was solved with.
    demand : numpy.ndarray, optional
        Pupils ``(years, villages, 12)`` the plan was solved with.

    Examples
    --------
    >>> import layout_opt as lo
    >>> district = lo.examples.synthetic_district(n_towns=2, villages_per_town=6, seed=2)
    >>> plan = lo.solve(district, lo.Scenario(years=(2024, 2025), closure_target=2, time_limit_s=20))
    >>> plan.summary["closures"]["total"], plan.summary["years"]   # at least 2; the running costs close all 4 candidates
    (4, [2024, 2025])
    >>> list(plan.closures.columns)
    ['school_id', 'name', 'town', 'year', 'pupils_moved', 'receiving_school_ids']
    >>> plan.check().empty                          # every rule holds, checked from the inputs
    True
    >>> kpis = plan.kpis()                          # a one-column frame named after the scenario
    >>> kpis.columns.tolist(), int(kpis.loc["closures", "default"])
    (['default'], 4)
    >>> moves = plan.closure_moves()                # where the pupils of each closed school go
    >>> set(moves["school_id"]) <= set(plan.closures["school_id"])
    True
    >>> plan.school_table(2025).crs == district.crs # schools of a year with their points
    True
    """

    assignments: pd.DataFrame
    schools: pd.DataFrame
    closures: pd.DataFrame
    summary: dict
    scenario: Scenario = field(repr=False)
    district: District = field(repr=False)
    travel: TravelMatrix | None = field(default=None, repr=False)
    demand: np.ndarray | None = field(default=None, repr=False)
    pupils: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    catchments: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    moves: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    buses: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_tables(
        cls,
        tables: PlanTables,
        district: District,
        scenario: Scenario,
        travel: TravelMatrix | None = None,
        demand: np.ndarray | None = None,
        buses: dict | None = None,
    ) -> Plan:
        """The plan of a solved model: its tables and what it was solved from.

        Parameters
        ----------
        tables : layout_opt.model.plan.PlanTables
            From :func:`layout_opt.model.plan.extract_plan`.
        district : layout_opt.District
            The district planned.
        scenario : layout_opt.Scenario
            The scenario solved.
        travel : layout_opt.travel.TravelMatrix, optional
            The minutes the plan was solved with (for :meth:`check` and the views).
        demand : numpy.ndarray, optional
            Pupils ``(years, villages, 12)`` the plan was solved with.
        buses : dict, optional
            Year -> routed :class:`~layout_opt.routing.BusPlan`.
        """
        return cls(
            assignments=tables.assignments,
            schools=tables.schools,
            closures=tables.closures,
            summary=tables.summary,
            scenario=scenario,
            district=district,
            travel=travel,
            demand=demand,
            pupils=tables.pupils,
            catchments=tables.catchments,
            moves=tables.moves,
            buses=dict(buses or {}),
        )

    def __repr__(self) -> str:
        s = self.summary
        sol = s["solver"]
        gap = gap_text(sol.get("gap"))
        return (
            f"Plan({s['scenario']['name']!r}: {s['closures']['total']} closures, "
            f"{s['added']['classrooms']} classrooms, {s['added']['beds']} beds, "
            f"capital {s['costs_yuan']['capital'] / 1e6:,.1f} M yuan; {sol['status']}, gap {gap})"
        )

    def _repr_html_(self) -> str:
        s = self.summary
        sol = s["solver"]
        years = s["years"]
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        gap = gap_text(sol.get("gap"))
        head = (
            f"<p><b>Plan {html.escape(repr(s['scenario']['name']))}</b> for {html.escape(str(s.get('district', '')))}, {span}: "
            f"solver {html.escape(str(sol['status']))}, gap {gap}, {sol.get('seconds', 0):.0f} s.</p>"
        )
        table = self.kpis().to_html(na_rep="–")
        tail = (
            f"<p style='font-size:smaller'>Tables: <code>.closures</code> ({len(self.closures)} rows), <code>.schools</code> ({len(self.schools)}), "
            f"<code>.assignments</code> ({len(self.assignments)}); <code>.check()</code> re-verifies the rules; "
            f"<code>.plot()</code> and <code>.explore()</code> draw the plan.</p>"
        )
        return f"<div>{head}{table}{tail}</div>"

    # ------------------------------------------------------------------ views

    def kpis(self) -> pd.DataFrame:
        """Key figures of the plan: one column named after the scenario.

        Rows as in :func:`layout_opt.compare` (closures, added seats by level,
        classrooms, beds, capital cost, mean and p95 travel by band, boarders, objective,
        gap); ``compare`` puts the columns of several plans side by side.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``kpi``; values are plain numbers (NaN where a figure does not
            apply, e.g. travel of a band not planned).
        """
        return plan_kpis(self).to_frame()

    def check(self) -> pd.DataFrame:
        """Every rule violation of this plan, checked from the raw inputs (empty if none).

        See :func:`layout_opt.check.check_plan`.
        """
        return check_plan(self, self.district, self.scenario, self.travel, self.demand)

    def school_table(self, year: int | None = None) -> pd.DataFrame:
        """Schools of one year (default: the last) with their geometry (a GeoDataFrame)."""
        import geopandas as gpd

        year = year or int(self.schools["year"].max())
        table = self.schools[self.schools["year"] == year]
        geo = self.district.schools[["school_id", "geometry"]]
        return gpd.GeoDataFrame(table.merge(geo, on="school_id"), geometry="geometry", crs=self.district.crs)

    def closure_moves(self, town: str | None = None) -> pd.DataFrame:
        """Where the pupils of each closed school go, village by village.

        The pupils of a closed school are those enrolled there in the year before it
        closes (today's pupils for a school closing in the first plan year); the plan's
        ``moves`` table follows them, grade by grade, to the schools that take them.

        Parameters
        ----------
        town : str, optional
            Only the schools of this town (name or code).

        Returns
        -------
        pandas.DataFrame
            One row per closed school, village and band: ``school_id, name, town, year,
            village_id, village, band, pupils`` (closing year), ``to_school_id,
            to_school, mode, travel_min`` (one way, to the receiving school) and
            ``travel_before_min`` (one way from the village to the closed school, NaN if
            not known; for its host village, usually under a minute).
        """
        cols = CLOSURE_MOVE_COLUMNS
        if self.moves.empty:
            return pd.DataFrame(columns=cols)
        base = self.district.schools.set_index("school_id")
        vnames = self.district.villages.set_index("village_id")["name"]
        mv = self.moves[self.moves["reason"] == "closure"]
        closures = self._closures_in(town)
        mv = mv[mv["from_school_id"].isin(set(closures["school_id"]))]
        if mv.empty:
            return pd.DataFrame(columns=cols)
        where = self.pupils[["year", "village_id", "grade", "school_id", "mode", "travel_min"]].drop_duplicates(
            ["year", "village_id", "grade", "school_id"]
        )
        mv = mv.merge(
            where,
            left_on=["year", "village_id", "grade", "to_school_id"],
            right_on=["year", "village_id", "grade", "school_id"],
            how="left",
        )
        mv["band"] = mv["grade"].map(band_of_grade)
        out = (
            mv.groupby(
                ["from_school_id", "year", "village_id", "band", "to_school_id", "mode", "travel_min"], as_index=False
            )["pupils"]
            .sum()
            .rename(columns={"from_school_id": "school_id"})
        )
        out["name"] = out["school_id"].map(base["name"])
        out["town"] = out["school_id"].map(base["town"])
        out["village"] = out["village_id"].map(vnames)
        out["to_school"] = out["to_school_id"].map(base["name"])
        minutes = self.travel.to_frame() if self.travel is not None else None
        before = np.full(len(out), np.nan)
        if minutes is not None:
            for i, (v, s_) in enumerate(zip(out["village_id"], out["school_id"])):
                if v in minutes.index and s_ in minutes.columns and np.isfinite(minutes.at[v, s_]):
                    before[i] = round(float(minutes.at[v, s_]), 2)
        out["travel_before_min"] = before
        return out.sort_values(["year", "school_id", "village_id", "band", "to_school_id"], kind="stable").reset_index(
            drop=True
        )[cols]

    def addition_reasons(self, town: str | None = None) -> pd.DataFrame:
        """Why each school gets classrooms or beds, with the figures that say so.

        For every school that adds classrooms or beds within the plan, in the year it adds
        the most: the classes its pupils need at the class caps (per grade, rounded up)
        against its classrooms, split into the pupils it would have anyway and those
        coming from closed schools' villages; pupils sent to it because their nearest
        school is full at its school-size cap; boarders against beds.

        Parameters
        ----------
        town : str, optional
            Only the schools of this town (name or code).

        Returns
        -------
        pandas.DataFrame
            One row per school: ``school_id, name, town, kind, year, pupils,
            pupils_from_closed, pupils_over_size_cap`` (pupils whose nearest school
            teaching their band is another one, at its school-size cap that year),
            ``classes_needed, classes_needed_without_closed, classrooms,
            added_classrooms, boarders, beds, added_beds, cost_yuan`` (cumulative, by the
            last year) and ``reasons`` (a list of codes: ``class_cap`` — its own pupils
            need more classes than it has rooms; ``receiving`` — the pupils of closed
            schools push it over its rooms; ``size_cap_elsewhere`` — it takes pupils a
            full school cannot; ``boarders`` — more boarders than beds;
            ``boarding_rule`` — beds so that the town has a boarding school; ``other`` —
            none of these, e.g. rooms chosen over longer trips).
        """
        years = [int(y) for y in self.summary["years"]]
        st = self.schools
        last = st[st["year"] == years[-1]]
        added = last[(last["added_classrooms"] > 0) | (last["added_beds"] > 0)]
        if town is not None:
            added = added[added["school_id"].isin(self._schools_in(town))]
        if added.empty:
            return pd.DataFrame(columns=ADDITION_REASON_COLUMNS)
        context = self._reason_context(years)
        rows = []
        for r in added.itertuples(index=False):
            mine = st[st["school_id"] == r.school_id].set_index("year")
            need_by_year = {y: self._year_needs(r.school_id, y, context) for y in years}
            # the year that needs the most rooms (the first such year on ties)
            y = max(years, key=lambda yy: (need_by_year[yy][0] - int(mine.loc[yy, "classrooms"]), -yy))
            if r.added_classrooms == 0:
                y = max(years, key=lambda yy: (need_by_year[yy][5], -yy))
            need, need_own, from_cl, over, pupils, boarders = need_by_year[y]
            reasons = _reason_codes(r, need, need_own, from_cl, over, boarders, self.scenario.min_boarding_beds)
            rows.append(
                (
                    r.school_id,
                    r.name,
                    r.town,
                    r.kind,
                    int(y),
                    pupils,
                    from_cl,
                    over,
                    need,
                    need_own,
                    int(r.classrooms),
                    int(r.added_classrooms),
                    boarders,
                    int(r.beds),
                    int(r.added_beds),
                    float(r.capital_cost_yuan),
                    reasons,
                )
            )
        return pd.DataFrame(rows, columns=ADDITION_REASON_COLUMNS)

    def _reason_context(self, years: list[int]) -> dict:
        """What :meth:`addition_reasons` looks up for every school and year."""
        mv = self.moves[self.moves["reason"] == "closure"] if not self.moves.empty else self.moves
        # pupils who came from a closed school stay where they went in later years
        closed_keys = {
            (later, r.village_id, int(r.grade) + later - int(r.year), r.to_school_id)
            for r in mv.itertuples(index=False)
            for later in years
            if later >= int(r.year)
        }
        return {
            "closed_keys": closed_keys,
            "size_full": self._schools_at_size_cap(),
            "nearest": self._nearest_school_by_band(),
        }

    def _year_needs(self, school_id: str, y: int, context: dict) -> tuple[int, int, int, int, int, int]:
        """Classes needed (all pupils, and without those from closed schools), pupils from
        closed schools, pupils over a full school's size cap, pupils and boarders of
        ``school_id`` in year ``y``."""
        p = self.pupils[(self.pupils["year"] == y) & (self.pupils["school_id"] == school_id)]
        closed_keys = context["closed_keys"]
        grade_pupils = np.zeros(N_GRADES)
        grade_own = np.zeros(N_GRADES)
        from_cl = 0
        for x in p.itertuples(index=False):
            grade_pupils[x.grade - 1] += x.pupils
            if (y, x.village_id, int(x.grade), school_id) in closed_keys:
                from_cl += int(x.pupils)
            else:
                grade_own[x.grade - 1] += x.pupils
        kind = self.district.schools.set_index("school_id").at[school_id, "kind"]
        over = 0
        for x in p.itertuples(index=False):
            n = context["nearest"].get((x.village_id, x.band))
            if n is not None and n != school_id and (y, n) in context["size_full"]:
                over += int(x.pupils)
        return (
            _classes_needed(kind, grade_pupils, self.scenario),
            _classes_needed(kind, grade_own, self.scenario),
            from_cl,
            over,
            int(p["pupils"].sum()),
            int(p.loc[p["mode"] == "boarding", "pupils"].sum()),
        )

    def plot(self, year: int | None = None, ax=None, *, town: str | list[str] | None = None):
        """A static map of the plan (matplotlib); see :func:`layout_opt.maps.plot_plan`.

        Parameters
        ----------
        year : int, optional
            A plan year; the last if omitted.
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure if omitted.
        town : str or list of str, optional
            Zoom on these towns (names or codes).  Without it, a plan of a part of the
            district (:meth:`layout_opt.District.subset`) is zoomed on its villages and
            schools, a plan of the whole district shows the whole district.

        Returns
        -------
        matplotlib.axes.Axes
        """
        bounds = self._zoom_bounds(town)
        if ax is None and bounds is not None:
            import matplotlib.pyplot as plt

            x0, y0, x1, y1 = bounds
            aspect = float(np.clip((x1 - x0) / max(y1 - y0, 1.0), 0.4, 3.0))
            _, ax = plt.subplots(figsize=(9.0 + 1.8, 9.0 / aspect + 0.8))
        ax = plot_plan(self, year=year, ax=ax)
        if bounds is not None:
            x0, y0, x1, y1 = bounds
            pad = 0.06 * max(x1 - x0, y1 - y0, 1_000.0)
            ax.set_xlim(x0 - pad, x1 + pad)
            ax.set_ylim(y0 - pad, y1 + pad)
            if town is not None:
                names = [town] if isinstance(town, str) else list(town)
                ax.title.set_text(f"{'、'.join(map(str, names))} — {ax.title.get_text()}")
        return ax

    def explore(
        self,
        year: int | None = None,
        *,
        town: str | list[str] | None = None,
        tiles: bool = True,
        inline: bool = True,
    ):
        """An interactive map of the plan (folium) that works offline; see
        :func:`layout_opt.maps.explore_plan`.

        Layers for town areas and roads (the district's own base map), kept, closed and
        new schools, day and boarding catchment lines, villages, the district boundary and
        the town seats, with Chinese names.  ``town`` (a name or code, or a list) opens
        the map on those towns; a plan of a part of the district opens on its villages.
        The page carries its own script (``inline``); ``tiles=False`` leaves out the
        OpenStreetMap background, so that the map requests nothing from any server.

        Returns
        -------
        folium.Map
        """
        m = explore_plan(self, year=year, tiles=tiles, inline=inline)
        bounds = self._zoom_bounds(town)
        if bounds is not None:
            import geopandas as gpd
            from shapely.geometry import box

            b = gpd.GeoSeries([box(*bounds)], crs=self.district.crs).to_crs(4326).total_bounds
            m.fit_bounds([[b[1], b[0]], [b[3], b[2]]])
        return m

    # ------------------------------------------------------------------ helpers

    def _town_codes(self, town: str | list[str]) -> set[str]:
        t = self.district.towns
        wanted = {str(town)} if isinstance(town, str) else {str(x) for x in town}
        codes = set(
            t.loc[t["town"].astype(str).isin(wanted) | t["town_code"].astype(str).isin(wanted), "town_code"].astype(str)
        )
        if not codes:
            raise ValueError(f"no town {town!r} in the plan's district; known: {', '.join(t['town'])}")
        return codes

    def _schools_in(self, town: str | list[str]) -> set[str]:
        s = self.district.schools
        return set(s.loc[s["town_code"].astype(str).isin(self._town_codes(town)), "school_id"].astype(str))

    def _closures_in(self, town: str | list[str] | None) -> pd.DataFrame:
        if town is None:
            return self.closures
        return self.closures[self.closures["school_id"].isin(self._schools_in(town))]

    def _zoom_bounds(self, town: str | list[str] | None) -> tuple[float, float, float, float] | None:
        """Map extent for ``town``; for a plan of part of the district, its villages and schools; else None."""
        v, s = self.district.villages, self.district.schools
        if town is not None:
            codes = self._town_codes(town)
            v = v[v["town_code"].astype(str).isin(codes)]
            s = s[s["town_code"].astype(str).isin(codes)]
        x0, y0, x1, y1 = pd.concat([v.geometry, s.geometry]).total_bounds
        if town is None:
            b = self.district.boundary
            if b is None or not len(b):
                return None
            bx0, by0, bx1, by1 = b.total_bounds
            if (x1 - x0) * (y1 - y0) > 0.5 * (bx1 - bx0) * (by1 - by0):
                return None
        return float(x0), float(y0), float(x1), float(y1)

    def _nearest_school_by_band(self) -> dict[tuple[str, str], str]:
        """(village_id, band) -> the nearest school teaching the band that is open in some plan year."""
        if self.travel is None:
            return {}
        open_any = set(self.schools.loc[self.schools["status"].isin(["open", "new"]), "school_id"])
        kinds = self.district.schools.set_index("school_id")["kind"]
        out = {}
        for band in BANDS:
            teaching = [s for s in open_any if band in BANDS_OF_KIND.get(kinds.get(s, ""), ())]
            nearest = self.travel.nearest(teaching).dropna()
            out.update({(str(v), band): str(s) for v, s in nearest.items()})
        return out

    def _schools_at_size_cap(self, slack: int = 0) -> set[tuple[int, str]]:
        """(year, school_id) of open schools whose pupils reach their school-size cap (less ``slack``)."""
        st = self.schools[self.schools["status"].isin(["open", "new"])]
        cap = st["kind"].map(lambda k: self.scenario.school_cap(SIZE_CAP_CLASS_OF_KIND.get(k, "primary")))
        full = st[st["enrolment"] >= cap - slack]
        return set(zip(full["year"].astype(int), full["school_id"]))

    def _nearest_catchment(self, school_id: str, band: str) -> pd.DataFrame:
        """Villages (with ``band``) whose nearest base-year open school teaching ``band`` is ``school_id``."""
        s = self.district.schools
        teaching = s.loc[
            (s["status"] == "open") & s["kind"].map(lambda k: band in BANDS_OF_KIND.get(k, ())), "school_id"
        ]
        if self.travel is None or school_id not in set(teaching) or school_id not in set(self.travel.destination_ids):
            return pd.DataFrame(columns=["village_id", "band"])
        nearest = self.travel.nearest(teaching)
        villages = [str(v) for v in nearest.index[nearest == school_id]]
        return pd.DataFrame({"village_id": villages, "band": band})


def _classes_needed(kind: str, pupils: np.ndarray, scenario: Scenario) -> int:
    """Classes a school of ``kind`` needs for ``pupils`` by grade at the class caps (a
    teaching point's grades in mixed classes)."""
    need = 0
    for band in BANDS_OF_KIND[kind]:
        grades = [g - 1 for g in GRADES_OF_BAND[band]]
        if kind == "teaching_point":
            need += int(np.ceil(pupils[grades].sum() / scenario.class_cap_teaching_point - 1e-9))
        else:
            need += int(sum(np.ceil(pupils[g] / scenario.class_cap_of_grade(g + 1) - 1e-9) for g in grades))
    return need


def _reason_codes(
    r: Any, need: int, need_own: int, from_closed: int, over: int, boarders: int, min_boarding_beds: int
) -> list[str]:
    """The reason codes of :meth:`Plan.addition_reasons` for one school (a ``schools`` row)."""
    rooms = int(r.classrooms)
    reasons = []
    if r.added_classrooms > 0:
        if need_own > rooms:
            reasons.append("class_cap")
        if from_closed > 0 and need > max(rooms, need_own):
            reasons.append("receiving")
        if over > 0:
            reasons.append("size_cap_elsewhere")
    if r.added_beds > 0:
        if boarders > int(r.beds):
            reasons.append("boarders")
        if int(r.beds) < min_boarding_beds <= int(r.beds) + int(r.added_beds):
            reasons.append("boarding_rule")
    if not reasons:
        reasons.append("other")
    return reasons
