"""The frozen :class:`Plan`: what a solved model means, as tables (DESIGN.md §5).

:func:`extract_plan` reads the solver's values back into the output contract:

* ``assignments``: ``year, village_id, band, school_id, mode, pupils, travel_min``;
* ``schools``: ``year, school_id, name, town, kind, status, enrolment, classes,
  classrooms, added_classrooms, added_seats, beds, added_beds, boarding_pupils,
  capital_cost_yuan`` (``added_*`` and cost cumulative);
* ``closures``: ``school_id, name, town, year, pupils_moved, receiving_school_ids``;
* ``summary``: scenario, solver figures, totals.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..schema import BANDS, LEVEL_OF_KIND
from .problem import MODES, PlanningProblem

logger = logging.getLogger(__name__)

ASSIGNMENT_COLUMNS = ["year", "village_id", "band", "school_id", "mode", "pupils", "travel_min"]
SCHOOL_COLUMNS = [
    "year",
    "school_id",
    "name",
    "town",
    "kind",
    "status",
    "enrolment",
    "classes",
    "classrooms",
    "added_classrooms",
    "added_seats",
    "beds",
    "added_beds",
    "boarding_pupils",
    "capital_cost_yuan",
]
CLOSURE_COLUMNS = ["school_id", "name", "town", "year", "pupils_moved", "receiving_school_ids"]


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
    >>> plan.summary["closures"]["total"], plan.summary["years"]
    (2, [2024, 2025])
    >>> list(plan.closures.columns)
    ['school_id', 'name', 'town', 'year', 'pupils_moved', 'receiving_school_ids']
    >>> plan.check().empty                          # every rule holds, checked from the inputs
    True
    >>> kpis = plan.kpis()                          # a one-column frame named after the scenario
    >>> kpis.columns.tolist(), int(kpis.loc["closures", "default"])
    (['default'], 2)
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
    scenario: Any = field(repr=False)
    district: Any = field(repr=False)
    travel: Any = field(default=None, repr=False)
    demand: Any = field(default=None, repr=False)

    def __repr__(self) -> str:
        s = self.summary
        sol = s["solver"]
        gap = "n/a" if sol.get("gap") is None else f"{100 * sol['gap']:.2f}%"
        return (
            f"Plan({s['scenario']['name']!r}: {s['closures']['total']} closures, "
            f"{s['added']['classrooms']} classrooms, {s['added']['beds']} beds, "
            f"capital {s['costs_yuan']['capital'] / 1e6:,.1f} M yuan; {sol['status']}, gap {gap})"
        )

    def _repr_html_(self) -> str:
        import html

        s = self.summary
        sol = s["solver"]
        years = s["years"]
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        gap = "n/a" if sol.get("gap") is None else f"{100 * sol['gap']:.2f}%"
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
        from ..api import plan_kpis

        return plan_kpis(self).to_frame()

    def check(self) -> pd.DataFrame:
        """Every rule violation of this plan, checked from the raw inputs (empty if none).

        See :func:`layout_opt.check.check_plan`.
        """
        from ..check import check_plan

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

        A closed school's pupils are those of the villages and bands it took in the plan
        year before it closes; for a school closing in the first plan year, those of its
        host village in the bands it teaches (a small school keeps its own village's
        pupils, 应留必留), or for a high school the villages for which it was the nearest
        high school.  Their pupils in the closing year are followed to the schools that
        take them.

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
        from ..schema import BANDS_OF_KIND

        cols = [
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
        base = self.district.schools.set_index("school_id")
        vnames = self.district.villages.set_index("village_id")["name"]
        years = [int(y) for y in self.summary["years"]]
        a = self.assignments
        minutes = self.travel.to_frame() if self.travel is not None else None
        frames = []
        for c in self._closures_in(town).itertuples(index=False):
            kind = base.loc[c.school_id, "kind"]
            bands = list(BANDS_OF_KIND.get(kind, BANDS))
            prev = [y for y in years if y < int(c.year)]
            if prev:
                keys = a[(a["year"] == prev[-1]) & (a["school_id"] == c.school_id)][["village_id", "band"]]
            elif kind == "high":
                keys = self._nearest_catchment(c.school_id, "senior")
            else:
                host = base.loc[c.school_id].get("village_id")
                keys = (
                    pd.DataFrame([(str(host), b) for b in bands], columns=["village_id", "band"])
                    if host is not None and str(host) != "nan"
                    else pd.DataFrame(columns=["village_id", "band"])
                )
            now = a[(a["year"] == int(c.year)) & (a["pupils"] > 0)].merge(keys, on=["village_id", "band"])
            if now.empty:
                continue
            out = pd.DataFrame(
                {
                    "school_id": c.school_id,
                    "name": c.name,
                    "town": c.town,
                    "year": int(c.year),
                    "village_id": now["village_id"].to_numpy(),
                    "village": now["village_id"].map(vnames).to_numpy(),
                    "band": now["band"].to_numpy(),
                    "pupils": now["pupils"].to_numpy(),
                    "to_school_id": now["school_id"].to_numpy(),
                    "to_school": now["school_id"].map(base["name"]).to_numpy(),
                    "mode": now["mode"].to_numpy(),
                    "travel_min": now["travel_min"].to_numpy(),
                }
            )
            if minutes is not None and c.school_id in minutes.columns:
                before = minutes[c.school_id].reindex(out["village_id"]).to_numpy(float)
                out["travel_before_min"] = np.where(np.isfinite(before), np.round(before, 2), np.nan)
            else:
                out["travel_before_min"] = np.nan
            frames.append(out)
        if not frames:
            return pd.DataFrame(columns=cols)
        return pd.concat(frames, ignore_index=True)[cols]

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
        from ..schema import GRADES_OF_BAND, band_of_grade

        cols = [
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
        years = [int(y) for y in self.summary["years"]]
        sc = self.scenario
        st = self.schools
        last = st[st["year"] == years[-1]]
        added = last[(last["added_classrooms"] > 0) | (last["added_beds"] > 0)]
        if town is not None:
            added = added[added["school_id"].isin(self._schools_in(town))]
        if added.empty:
            return pd.DataFrame(columns=cols)
        moves = self.closure_moves()
        from_closed = set(zip(moves["year"], moves["village_id"], moves["band"])) if len(moves) else set()
        # later years keep the catchments of schools closed earlier
        closed_keys = {}
        for y, v, b in from_closed:
            for later in years:
                if later >= y:
                    closed_keys[(later, v, b)] = True
        v_index = {v: i for i, v in enumerate(self.district.villages["village_id"].astype(str))}
        k_index = {y: i for i, y in enumerate(years)}
        demand = self.demand
        size_full = self._schools_at_size_cap()
        nearest = self._nearest_school_by_band()
        rows = []
        for r in added.itertuples(index=False):
            mine = st[st["school_id"] == r.school_id].set_index("year")
            # the year that needs the most rooms (the first such year on ties)
            need_by_year = {}
            for y in years:
                a = self.assignments[
                    (self.assignments["year"] == y)
                    & (self.assignments["school_id"] == r.school_id)
                    & (self.assignments["pupils"] > 0)
                ]
                grade_pupils = np.zeros(12)
                grade_own = np.zeros(12)
                for x in a.itertuples(index=False):
                    gs = [g - 1 for g in GRADES_OF_BAND[x.band]]
                    p = (
                        demand[k_index[y], v_index[x.village_id], gs]
                        if demand is not None
                        else np.full(len(gs), x.pupils / len(gs))
                    )
                    grade_pupils[gs] += p
                    if (y, x.village_id, x.band) not in closed_keys:
                        grade_own[gs] += p
                caps = np.array([sc.class_cap(band_of_grade(g + 1)) for g in range(12)])
                need = int(np.ceil(grade_pupils / caps).sum())
                need_own = int(np.ceil(grade_own / caps).sum())
                over = 0
                for x in a.itertuples(index=False):
                    n = nearest.get((x.village_id, x.band))
                    if n is not None and n != r.school_id and (y, n) in size_full:
                        over += int(x.pupils)
                from_cl = int(
                    sum(x.pupils for x in a.itertuples(index=False) if (y, x.village_id, x.band) in closed_keys)
                )
                need_by_year[y] = (
                    need,
                    need_own,
                    from_cl,
                    over,
                    int(a["pupils"].sum()),
                    int(a.loc[a["mode"] == "boarding", "pupils"].sum()),
                )
            y = max(years, key=lambda yy: (need_by_year[yy][0] - int(mine.loc[yy, "classrooms"]), -yy))
            if r.added_classrooms == 0:
                y = max(years, key=lambda yy: (need_by_year[yy][5], -yy))
            need, need_own, from_cl, over, pupils, boarders = need_by_year[y]
            rooms = int(r.classrooms)
            reasons = []
            if r.added_classrooms > 0:
                if need_own > rooms:
                    reasons.append("class_cap")
                if from_cl > 0 and need > max(rooms, need_own):
                    reasons.append("receiving")
                if over > 0:
                    reasons.append("size_cap_elsewhere")
            if r.added_beds > 0:
                if boarders > int(r.beds):
                    reasons.append("boarders")
                if int(r.beds) < sc.min_boarding_beds <= int(r.beds) + int(r.added_beds):
                    reasons.append("boarding_rule")
            if not reasons:
                reasons.append("other")
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
                    rooms,
                    int(r.added_classrooms),
                    boarders,
                    int(r.beds),
                    int(r.added_beds),
                    float(r.capital_cost_yuan),
                    reasons,
                )
            )
        return pd.DataFrame(rows, columns=cols)

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
        from ..maps import plot_plan

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

    def explore(self, year: int | None = None, *, town: str | list[str] | None = None):
        """An interactive map of the plan (folium); see :func:`layout_opt.maps.explore_plan`.

        Layers for kept, closed and new schools, day and boarding catchment lines,
        villages, the district boundary and the town seats, with Chinese names.  ``town``
        (a name or code, or a list) opens the map on those towns; a plan of a part of the
        district opens on its villages.

        Returns
        -------
        folium.Map
        """
        from ..maps import explore_plan

        m = explore_plan(self, year=year)
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
        from ..schema import BANDS_OF_KIND

        if self.travel is None:
            return {}
        minutes = self.travel.to_frame()
        open_any = set(self.schools.loc[self.schools["status"].isin(["open", "new"]), "school_id"])
        kinds = self.district.schools.set_index("school_id")["kind"]
        out = {}
        for band in BANDS:
            cols = [c for c in minutes.columns if c in open_any and band in BANDS_OF_KIND.get(kinds.get(c, ""), ())]
            if not cols:
                continue
            sub = minutes[cols].to_numpy(float)
            sub = np.where(np.isfinite(sub), sub, np.inf)
            best = np.argmin(sub, axis=1)
            ok = np.isfinite(sub.min(axis=1))
            for v, b, k in zip(minutes.index, best, ok):
                if k:
                    out[(str(v), band)] = cols[b]
        return out

    def _schools_at_size_cap(self, slack: int = 0) -> set[tuple[int, str]]:
        """(year, school_id) of open schools whose pupils reach their school-size cap (less ``slack``)."""
        from ..schema import SIZE_CAP_CLASS_OF_KIND

        st = self.schools[self.schools["status"].isin(["open", "new"])]
        cap = st["kind"].map(lambda k: self.scenario.school_cap(SIZE_CAP_CLASS_OF_KIND.get(k, "primary")))
        full = st[st["enrolment"] >= cap - slack]
        return set(zip(full["year"].astype(int), full["school_id"]))

    def _nearest_catchment(self, school_id: str, band: str) -> pd.DataFrame:
        """Villages (with ``band``) whose nearest base-year open school teaching ``band`` is ``school_id``."""
        from ..schema import BANDS_OF_KIND

        empty = pd.DataFrame(columns=["village_id", "band"])
        if self.travel is None:
            return empty
        minutes = self.travel.to_frame()
        s = self.district.schools
        cols = [
            c
            for c in s.loc[
                (s["status"] == "open") & s["kind"].map(lambda k: band in BANDS_OF_KIND.get(k, ())), "school_id"
            ]
            if c in minutes.columns
        ]
        if school_id not in cols:
            return empty
        sub = minutes[cols].to_numpy(float)
        sub = np.where(np.isfinite(sub), sub, np.inf)
        best = np.argmin(sub, axis=1)
        ok = np.isfinite(sub.min(axis=1))
        villages = [str(v) for v, b, k in zip(minutes.index, best, ok) if k and cols[b] == school_id]
        return pd.DataFrame({"village_id": villages, "band": band})


def extract_plan(problem: PlanningProblem, report, district, scenario, travel=None, demand=None) -> Plan:
    """Read a solved model back into a :class:`Plan`.

    Parameters
    ----------
    problem : PlanningProblem
        The arrays the models were built from.
    report : layout_opt.model.solve.SolveReport
        The solved components.
    district : layout_opt.District
        The district (names, towns, kinds).
    scenario : layout_opt.Scenario
        The scenario solved.
    travel, demand : optional
        Kept on the plan for :meth:`Plan.check`.
    """
    K, V, S = problem.shape
    years = problem.years
    schools = district.schools.set_index("school_id")
    sid = problem.school_ids
    vid = problem.village_ids
    bd = problem.band_demand()
    rows = []
    open_state = np.ones((S, K), dtype=bool)
    available = problem.available().T  # (S, K)
    open_state &= available
    rooms_add = np.zeros((S, K))
    beds_add = np.zeros((S, K))
    classes = np.zeros((S, K))
    term = {"capital": 0.0, "travel": 0.0, "running": 0.0}
    for comp in report.components:
        m, val = comp.model, comp.result.values
        if val is None:
            continue
        for name in term:
            term[name] += float(m.cost_terms[name] @ val)
        x = m.index["x"]
        pairs = m.pairs
        for k in range(K):
            chosen = np.flatnonzero((x[:, k] >= 0) & (val[np.maximum(x[:, k], 0)] > 0.5))
            for p in chosen:
                v, b, s, mode, t = (
                    int(pairs["v"].iat[p]),
                    int(pairs["b"].iat[p]),
                    int(pairs["s"].iat[p]),
                    int(pairs["mode"].iat[p]),
                    float(pairs["travel_min"].iat[p]),
                )
                rows.append((int(years[k]), vid[v], BANDS[b], sid[s], MODES[mode], int(bd[k, v, b]), round(t, 2)))
        op = m.index["open"]
        for s, k in np.argwhere(op >= 0):
            open_state[s, k] = val[op[s, k]] > 0.5
        for name, target in (("rooms_add", rooms_add), ("beds_add", beds_add)):
            idx = m.index[name]
            ok = idx >= 0
            target[ok] = np.round(val[idx[ok]])
        cl = m.index["classes"]
        for s, g, k in np.argwhere(cl >= 0):
            classes[s, k] += round(val[cl[s, g, k]])
    assignments = (
        pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)
        .sort_values(["year", "village_id", "band"], kind="stable")
        .reset_index(drop=True)
    )
    # enrolment and boarders per school and year, from the assignments
    enrol = np.zeros((S, K), dtype=np.int64)
    board = np.zeros((S, K), dtype=np.int64)
    s_index = {s: i for i, s in enumerate(sid)}
    k_index = {int(y): i for i, y in enumerate(years)}
    for r in assignments.itertuples(index=False):
        enrol[s_index[r.school_id], k_index[r.year]] += r.pupils
        if r.mode == "boarding":
            board[s_index[r.school_id], k_index[r.year]] += r.pupils
    planned = (schools.loc[sid, "status"] == "planned").to_numpy()
    cap_of = np.array([scenario.class_cap(LEVEL_OF_KIND[k]) for k in schools.loc[sid, "kind"]])
    srows = []
    for i, s in enumerate(sid):
        rec = schools.loc[s]
        for k, y in enumerate(years):
            if planned[i] and y < problem.open_from[i]:
                status = "planned"
            elif not open_state[i, k]:
                status = "closed"
            elif planned[i]:
                status = "new"
            else:
                status = "open"
            ra, ba = int(rooms_add[i, k]), int(beds_add[i, k])
            capital = ra * problem.room_cost_yuan[i] + ba * problem.bed_cost_yuan[i]
            srows.append(
                (
                    int(y),
                    s,
                    rec["name"],
                    rec["town"],
                    rec["kind"],
                    status,
                    int(enrol[i, k]),
                    int(classes[i, k]) if status in ("open", "new") else 0,
                    int(problem.rooms[i]),
                    ra,
                    int(ra * cap_of[i]),
                    int(problem.beds[i]),
                    ba,
                    int(board[i, k]),
                    float(round(capital, 2)),
                )
            )
    school_table = pd.DataFrame(srows, columns=SCHOOL_COLUMNS)
    closures = _closures(problem, school_table, assignments, district)
    summary = _summary(problem, report, scenario, assignments, school_table, closures, term, district)
    return Plan(
        assignments=assignments,
        schools=school_table,
        closures=closures,
        summary=summary,
        scenario=scenario,
        district=district,
        travel=travel,
        demand=demand,
    )


def _closures(
    problem: PlanningProblem, school_table: pd.DataFrame, assignments: pd.DataFrame, district
) -> pd.DataFrame:
    """One row per school that closes within the plan, with the schools that take its pupils."""
    years = [int(y) for y in problem.years]
    base = district.schools.set_index("school_id")
    grade_cols = [f"g{g}" for g in range(1, 13)]
    rows = []
    st = school_table.pivot(index="school_id", columns="year", values="status")
    vid_of_host = (
        {problem.school_ids[i]: problem.village_ids[h] for i, h in enumerate(problem.host_village) if h >= 0}
        if len(problem.host_village)
        else {}
    )
    for s, row in st.iterrows():
        closed_years = [y for y in years if row[y] == "closed"]
        if not closed_years or base.loc[s, "status"] == "planned":
            continue
        y = closed_years[0]
        prev = [p for p in years if p < y]
        if prev:
            former = assignments[(assignments["year"] == prev[-1]) & (assignments["school_id"] == s)]
            moved = int(former["pupils"].sum())
            keys = former[["village_id", "band"]]
        else:
            moved = int(base.loc[s, grade_cols].sum())
            host = vid_of_host.get(s)
            taught = [b for b, t in zip(BANDS, problem.teaches[list(problem.school_ids).index(s)]) if t]
            keys = (
                pd.DataFrame({"village_id": [host] * len(taught), "band": taught})
                if host
                else pd.DataFrame(columns=["village_id", "band"])
            )
            if base.loc[s, "kind"] == "high":
                # pupils come from the whole district: they go where seniors go that year
                keys = assignments[(assignments["year"] == y) & (assignments["band"] == "senior")][
                    ["village_id", "band"]
                ]
        now = assignments[assignments["year"] == y].merge(keys, on=["village_id", "band"])
        receiving = sorted(set(now["school_id"]) - {s})
        rows.append((s, base.loc[s, "name"], base.loc[s, "town"], y, moved, ";".join(receiving)))
    return (
        pd.DataFrame(rows, columns=CLOSURE_COLUMNS)
        .sort_values(["year", "school_id"], kind="stable")
        .reset_index(drop=True)
    )


def _travel_stats(assignments: pd.DataFrame) -> dict:
    out = {}
    for band in BANDS:
        a = assignments[(assignments["band"] == band) & (assignments["pupils"] > 0)]
        if a.empty:
            continue
        order = np.argsort(a["travel_min"].to_numpy(), kind="stable")
        t = a["travel_min"].to_numpy()[order]
        w = a["pupils"].to_numpy()[order]
        cum = np.cumsum(w) / w.sum()
        out[band] = {
            "mean": round(float(np.average(t, weights=w)), 2),
            "p95": round(float(t[np.searchsorted(cum, 0.95)]), 2),
            "max": round(float(t.max()), 2),
        }
    return out


def _summary(problem, report, scenario, assignments, school_table, closures, term, district) -> dict:
    years = [int(y) for y in problem.years]
    last = school_table[school_table["year"] == years[-1]]
    base = district.schools.set_index("school_id")
    level = last["kind"].map(LEVEL_OF_KIND)
    added_seats_by_level = {
        lv: int(last.loc[level == lv, "added_seats"].sum()) for lv in ("primary", "junior", "senior")
    }
    planned = base[base["status"] == "planned"]
    planned_open = [
        s for s in planned.index if (school_table[(school_table["school_id"] == s)]["status"] == "new").any()
    ]
    planned_cost = float(
        sum(int(planned.loc[s, "planned_seats"]) * scenario.cost_per_new_school_seat_yuan for s in planned_open)
    )
    by_year = closures.groupby("year").size().to_dict()
    day_board = {}
    for y in years:
        a = assignments[assignments["year"] == y]
        day_board[str(y)] = {
            "day": int(a.loc[a["mode"] == "day", "pupils"].sum()),
            "boarding": int(a.loc[a["mode"] == "boarding", "pupils"].sum()),
        }
    demand_total = int(problem.band_demand().sum())
    served = int(assignments["pupils"].sum())
    comps = []
    for c in report.components:
        comps.append(
            {
                "bands": [BANDS[b] for b in c.bands],
                "status": c.result.status,
                "objective_yuan": _num(c.result.objective),
                "bound_yuan": _num(c.result.bound),
                "gap": _num(c.result.gap),
                "size": c.model.size,
                "stages": [
                    {k: _num(v) if isinstance(v, float) else v for k, v in st.items() if k != "seconds"}
                    for st in c.stages
                ],
            }
        )
    return {
        "scenario": scenario.to_dict(),
        "district": district.name,
        "years": years,
        "solver": {
            "backend": report.backend,
            "status": report.status,
            "objective_yuan": _num(report.objective),
            "bound_yuan": _num(report.bound),
            "gap": _num(report.gap),
            "seconds": round(report.seconds, 1),
            "size": report.size,
            "components": comps,
        },
        "costs_yuan": {
            "capital": round(term["capital"], 2),
            "travel": round(term["travel"], 2),
            "running": round(term["running"], 2),
            "objective": round(sum(term.values()), 2),
            "planned_projects": round(planned_cost, 2),
        },
        "closures": {
            "total": int(len(closures)),
            "by_year": {str(y): int(by_year.get(y, 0)) for y in years},
            "target": scenario.closure_target,
            "candidates": int(problem.candidate.sum()),
        },
        "added": {
            "seats_by_level": added_seats_by_level,
            "seats": int(sum(added_seats_by_level.values())),
            "classrooms": int(last["added_classrooms"].sum()),
            "beds": int(last["added_beds"].sum()),
        },
        "pupils": day_board,
        "travel_min": _travel_stats(assignments[assignments["year"] == years[-1]]),
        "travel_min_by_year": {str(y): _travel_stats(assignments[assignments["year"] == y]) for y in years},
        "unserved_pupils": demand_total - served,
    }


def _num(x: float) -> float | None:
    """JSON-safe rounded number (None for inf/nan)."""
    if x is None or not np.isfinite(x):
        return None
    return round(float(x), 6) if abs(x) < 10 else round(float(x), 2)
