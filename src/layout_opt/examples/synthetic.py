"""Whole seeded synthetic districts, from a handful of villages to a prefecture."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import Point, box

from .constants import METRIC_CRS
from .people import Calibration, synth_children, synth_population
from .places import scatter_points
from .roads import add_access_roads, build_road_network
from .schools import equip_schools, room_for_cohorts, school_sites

if TYPE_CHECKING:
    from ..district import District


def synthetic_district(
    n_towns: int = 4,
    villages_per_town: int = 8,
    seed: int = 0,
    scale: float = 1.0,
    base_year: int = 2023,
) -> District:
    """A reproducible synthetic district, from a handful of villages to a prefecture.

    Towns are laid on a jittered grid with a river along the northern edge crossed by
    bridges; each town has a seat (121), fringe units (122) and villages (220); each town
    seat has a central primary and a junior school with some boarding beds (and room to
    grow for the cohorts moving up to it, :func:`~layout_opt.examples.schools.room_for_cohorts`); larger
    villages have complete primaries; small ones teaching points; the first town hosts an
    urban core (111/112) with the high schools.  Today's attendance
    (:attr:`~layout_opt.District.enrolment`) says which school each village's pupils
    attend, grade by grade, and who boards (:func:`~layout_opt.examples.schools.today_boarders`).

    Parameters
    ----------
    n_towns : int
        Number of towns.  ``scale`` multiplies it.
    villages_per_town : int
        Village-level units per town.
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    scale : float
        Size multiplier relative to the arguments: ``synthetic_district(14, 19, scale=16)``
        is about 16 times Mengjin (270 units).
    base_year : int
        School year of the enrolment.

    Returns
    -------
    layout_opt.district.District
        In memory, in :data:`METRIC_CRS`.

    Examples
    --------
    >>> from layout_opt.examples import synthetic_district
    >>> d = synthetic_district(n_towns=2, villages_per_town=5, seed=1)
    >>> len(d.villages)  # two towns and the urban subdistrict
    15
    >>> int(d.enrolment["pupils"].sum()) == int(d.villages[[f"g{g}" for g in range(1, 13)]].to_numpy().sum())
    True
    """
    from ..district import District

    rng = np.random.default_rng(seed)
    n_towns = max(1, int(round(n_towns * scale)))
    cols = max(1, int(math.ceil(math.sqrt(n_towns * 1.6))))
    rows_ = int(math.ceil(n_towns / cols))
    spacing = 9_000.0
    width, height = cols * spacing, rows_ * spacing
    x0, y0 = 600_000.0, 3_850_000.0
    river_gap = 400.0
    land = box(x0, y0, x0 + width, y0 + height)
    north = box(x0, y0 + height + river_gap, x0 + width, y0 + height + river_gap + 4_000.0)
    town_rows = []
    seats_xy = []
    for t in range(n_towns):
        r, c = divmod(t, cols)
        sx = x0 + (c + 0.5) * spacing + rng.uniform(-1500, 1500)
        sy = y0 + (r + 0.5) * spacing + rng.uniform(-1500, 1500)
        seats_xy.append((sx, sy))
        code = f"9{t:08d}"
        town_rows.append(
            {
                "town_code": code,
                "town": f"T{t:03d}镇",
                "town_kind": "town",
                "x": sx,
                "y": sy,
                "coord_source": "synthetic",
            }
        )
    # Urban area: a small district north of the river (like Jili), one subdistrict.
    ux, uy = x0 + width * 0.5, y0 + height + river_gap + 2_000.0
    town_rows.append(
        {
            "town_code": "900000999",
            "town": "城区街道",
            "town_kind": "subdistrict",
            "x": ux,
            "y": uy,
            "coord_source": "synthetic",
        }
    )
    towns = pd.DataFrame(town_rows)
    v_rows = []
    all_xy = np.array(seats_xy + [(ux, uy)])
    for _t, trow in towns.iterrows():
        n_v = max(2, round(villages_per_town))  # noqa: RUF057 (a float is accepted too)
        is_urban = trow["town_kind"] == "subdistrict"
        area = north if is_urban else land.intersection(Point(trow["x"], trow["y"]).buffer(spacing * 0.62))
        n_seat_units = 2 if is_urban else 1
        n_fringe = max(1, n_v // 5)
        pts = scatter_points(
            area,
            n_v,
            rng,
            700.0,
            existing=all_xy,
            centre=(trow["x"], trow["y"]),
            radius_m=(300.0, spacing * 0.6 if not is_urban else 2_500.0),
        )
        all_xy = np.vstack([all_xy, pts])
        d = np.hypot(pts[:, 0] - trow["x"], pts[:, 1] - trow["y"])
        order = np.argsort(d, kind="stable")
        for rank, k in enumerate(order):
            if is_urban:
                ur = 111 if rank < n_seat_units else 112
            else:
                ur = 121 if rank < n_seat_units else (122 if rank < n_seat_units + n_fringe else 220)
            v_rows.append(
                {
                    "town_code": trow["town_code"],
                    "town": trow["town"],
                    "ur_code": ur,
                    "x": pts[k, 0],
                    "y": pts[k, 1],
                    "bank": "north" if is_urban else "south",
                }
            )
    villages = pd.DataFrame(v_rows)
    villages.insert(0, "village_id", [f"9{k:011d}" for k in range(len(villages))])
    villages.insert(1, "name", [f"V{k:04d}村" for k in range(len(villages))])
    pop_total = int(486_000 * len(villages) / 270)
    villages["population"] = synth_population(villages["ur_code"].to_numpy(), pop_total, rng)
    villages["central_village"] = False
    for _code, grp in villages.groupby("town_code", sort=True):
        rural = grp[grp["ur_code"] == 220].sort_values("population", ascending=False)
        villages.loc[rural.index[: 1 if len(grp) < 12 else 2], "central_village"] = True
    kids = synth_children(villages["population"].to_numpy(), Calibration(population=486_000, base_year=base_year), rng)
    villages = pd.concat([villages, kids], axis=1)
    villages["coord_source"] = "synthetic"
    sites = school_sites(villages, towns, rng, high_schools=max(2, len(villages) // 90))
    schools, attendance = equip_schools(sites, villages, rng, overcrowded_share=0.5)
    schools["max_added_classrooms"] = room_for_cohorts(schools, villages, attendance)
    nodes = pd.concat(
        [
            pd.DataFrame(
                {
                    "x": towns["x"],
                    "y": towns["y"],
                    "bank": np.where(towns["town_kind"] == "subdistrict", "north", "south"),
                    "town_code": towns["town_code"],
                    "is_seat": True,
                    "ur_code": 121,
                    "central_village": False,
                }
            ),
            pd.DataFrame(
                {
                    "x": villages["x"],
                    "y": villages["y"],
                    "bank": villages["bank"],
                    "town_code": villages["town_code"],
                    "is_seat": False,
                    "ur_code": villages["ur_code"],
                    "central_village": villages["central_village"],
                }
            ),
        ],
        ignore_index=True,
    )
    bridge_xs = np.linspace(x0 + width * 0.2, x0 + width * 0.8, max(1, cols // 3 + 1))
    bridges = [((bx, y0 + height), (bx, y0 + height + river_gap), f"大桥{k + 1}") for k, bx in enumerate(bridge_xs)]
    roads = build_road_network(nodes, {"south": land, "north": north}, bridges=bridges, rng=rng)
    hosts = villages.set_index("village_id").loc[schools["village_id"], ["x", "y"]]
    roads = add_access_roads(roads, schools[["x", "y"]], hosts)
    boundary = gpd.GeoDataFrame({"name": ["south", "north"]}, geometry=[land, north], crs=METRIC_CRS)
    return District.from_frames(
        villages=_to_gdf(villages),
        schools=_to_gdf(schools),
        roads=roads,
        towns=_to_gdf(towns),
        boundary=boundary,
        base_year=base_year,
        name=f"synthetic-{seed}-{len(villages)}",
        enrolment=attendance,
    )


def _to_gdf(df: pd.DataFrame) -> gpd.GeoDataFrame:
    geom = gpd.points_from_xy(df["x"], df["y"])
    return gpd.GeoDataFrame(
        df.drop(columns=[c for c in ("x", "y", "bank") if c in df.columns]), geometry=geom, crs=METRIC_CRS
    )
