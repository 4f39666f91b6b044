"""Build the bundled Mengjin district dataset (``data/``) from the real place data.

Real: the 270 village-level units (names, 12-digit codes, towns, settlement classes
``ur_code``), the 2023 town codes, the district boundary, and the town-seat coordinates
(converted from GCJ-02 to WGS84).  Synthetic, from a fixed seed: village positions
(inside the right town's area), residents, pupils and young children (calibrated to the
published totals), the school registry (using the school names of the 2023 policy
document), and the road network.  See ``data/README.md``.

Usage::

    python scripts/build_dataset.py --geo ../shared/geo --out data

Needs the ``data`` extra (``pip install -e .[data]``) for the GCJ-02 conversion.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import prcoords
import shapely
from shapely import Point
from shapely.geometry import shape

from layout_opt.examples import (
    FILE_CRS,
    METRIC_CRS,
    Calibration,
    add_access_roads,
    build_road_network,
    equip_schools,
    scatter_points,
    school_row,
    school_sites,
    synth_children,
    synth_population,
)
from layout_opt.io import write_geojson, write_json

logger = logging.getLogger("build_dataset")

SEED = 20230908  # the policy document's date
BASE_YEAR = 2023
ATTRIBUTION = (
    "Administrative names, codes, settlement classes and boundaries derived from "
    "Vonng/adcode (CC BY 4.0); 2023 town codes from xiangyuecn/AreaCity-JsSpider-StatsGov (MIT)."
)
ADCODE_COLUMNS = [
    "code",
    "parent",
    "name",
    "level",
    "rank",
    "adcode",
    "post_code",
    "area_code",
    "ur_code",
    "municipality",
    "virtual",
    "dummy",
    "longitude",
    "latitude",
    "center",
    "province",
    "city",
    "county",
    "town",
    "village",
]

#: Synthetic seats (WGS84) for the three Jili subdistricts without official coordinates.
SYNTHETIC_SEATS = {"西霞院街道": (112.515, 34.912), "吉利街道": (112.607, 34.905), "河阳街道": (112.635, 34.925)}

#: Yellow River crossings between the Mengjin bank and the Jili bank: (fraction along the
#: shared river border from its western end, name).
BRIDGES = [(0.12, "黄河大桥(西)"), (0.5, "黄河大桥(中)"), (0.85, "黄河大桥(东)")]


def gcj_to_wgs(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 to WGS84 (iterative inverse, accurate to centimetres)."""
    c = prcoords.gcj_wgs_bored((lat, lon))
    return c.lon, c.lat


def read_adcode(path: Path) -> pd.DataFrame:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return pd.DataFrame(rows, columns=ADCODE_COLUMNS)


def town_key(name: str) -> str:
    """'西霞院街道办事处' -> '西霞院街道'; '城关镇' -> '城关镇'."""
    return name.removesuffix("办事处")


def to_metric(geom):
    return gpd.GeoSeries([geom], crs=FILE_CRS).to_crs(METRIC_CRS).iloc[0]


def main(geo: Path, out: Path) -> None:
    rng = np.random.default_rng(SEED)
    adcode = pd.concat(
        [read_adcode(geo / "adcode_410322_mengjin.csv"), read_adcode(geo / "adcode_410306_jili.csv")], ignore_index=True
    )
    towns23 = pd.read_csv(geo / "towns_2023_410308.csv", dtype=str, encoding="utf-8-sig")
    towns23 = towns23[towns23["deep"] == "3"]
    code23 = dict(zip(towns23["ext_name"], towns23["id"]))

    # ---------------------------------------------------------------- boundary
    banks = {}
    for key, file, label in (
        ("south", "fence_410322_mengjin.geojson", "原孟津县 (410322)"),
        ("north", "fence_410306_jili.geojson", "原吉利区 (410306)"),
    ):
        g = shape(json.loads((geo / file).read_text(encoding="utf-8")))
        banks[key] = (label, shapely.transform(g, _vec_gcj))
    boundary = gpd.GeoDataFrame(
        {"name": [v[0] for v in banks.values()], "bank": list(banks)},
        geometry=[v[1] for v in banks.values()],
        crs=FILE_CRS,
    )
    bank_metric = {k: to_metric(v[1]) for k, v in banks.items()}
    river = bank_metric["south"].intersection(bank_metric["north"])
    river = shapely.line_merge(river) if river.geom_type == "MultiLineString" else river

    # ---------------------------------------------------------------- towns
    town_rows = []
    for _, r in adcode[adcode["level"] == "town"].iterrows():
        name = town_key(r["name"])
        if r["longitude"]:
            lon, lat = gcj_to_wgs(float(r["longitude"]), float(r["latitude"]))
            src = "official"
        else:
            lon, lat = SYNTHETIC_SEATS[name]
            src = "synthetic"
        town_rows.append(
            {
                "town_code": code23[name],
                "town": name,
                "town_kind": "subdistrict" if name.endswith("街道") else "town",
                "adcode_2016": r["code"],
                "lon": lon,
                "lat": lat,
                "coord_source": src,
            }
        )
    towns = pd.DataFrame(town_rows).sort_values("town_code").reset_index(drop=True)
    seat_metric = gpd.GeoSeries(gpd.points_from_xy(towns["lon"], towns["lat"]), crs=FILE_CRS).to_crs(METRIC_CRS)
    towns["x"], towns["y"] = seat_metric.x.to_numpy(), seat_metric.y.to_numpy()
    towns["bank"] = np.where(towns["town_kind"] == "subdistrict", "north", "south")
    for k, t in towns.iterrows():  # keep synthetic seats on land
        area = bank_metric[t["bank"]]
        if not area.contains(Point(t["x"], t["y"])):
            p = shapely.ops.nearest_points(area.buffer(-800), Point(t["x"], t["y"]))[0]
            towns.loc[k, ["x", "y"]] = [p.x, p.y]

    # Town areas: Voronoi cells of the seats, within their own bank.
    cells = {}
    for bank, area in bank_metric.items():
        sub = towns[towns["bank"] == bank]
        vor = shapely.voronoi_polygons(
            shapely.MultiPoint(list(zip(sub["x"], sub["y"]))), extend_to=area.envelope.buffer(5000)
        )
        for poly in vor.geoms:
            for _, t in sub.iterrows():
                if poly.contains(Point(t["x"], t["y"])):
                    cells[t["town_code"]] = poly.intersection(area)

    # ---------------------------------------------------------------- villages
    vil = adcode[adcode["level"] == "village"].copy()
    vil["town"] = vil["town"].map(town_key)
    vil["town_code"] = vil["town"].map(code23)
    vil["ur_code"] = vil["ur_code"].astype(int)
    vil = vil.rename(columns={"code": "village_id"}).sort_values("village_id").reset_index(drop=True)
    vil["x"] = np.nan
    vil["y"] = np.nan
    vil["coord_source"] = "synthetic"
    ring = {111: (200, 2200), 112: (900, 3800), 121: (150, 1500), 122: (700, 4200)}
    for code, grp in vil.groupby("town_code", sort=True):
        t = towns.set_index("town_code").loc[code]
        cell = cells[code]
        placed = np.array([[t["x"], t["y"]]])
        for ur in (121, 111, 112, 122, 220):
            idx = grp.index[grp["ur_code"] == ur]
            if len(idx) == 0:
                continue
            if ur == 220:
                far = cell.difference(Point(t["x"], t["y"]).buffer(1500))
                pts = scatter_points(far if not far.is_empty else cell, len(idx), rng, 900.0, existing=placed)
            else:
                pts = scatter_points(
                    cell, len(idx), rng, 500.0, existing=placed, centre=(t["x"], t["y"]), radius_m=ring[ur]
                )
            vil.loc[idx, "x"], vil.loc[idx, "y"] = pts[:, 0], pts[:, 1]
            placed = np.vstack([placed, pts])
    official = vil["longitude"] != ""
    for k in vil.index[official]:
        lon, lat = gcj_to_wgs(float(vil.at[k, "longitude"]), float(vil.at[k, "latitude"]))
        p = to_metric(Point(lon, lat))
        vil.loc[k, ["x", "y", "coord_source"]] = [p.x, p.y, "official"]
    vil["bank"] = vil["town_code"].map(dict(zip(towns["town_code"], towns["bank"])))

    vil["population"] = synth_population(vil["ur_code"].to_numpy(), 486_000, rng)
    vil["central_village"] = False
    for _code, grp in vil.groupby("town_code", sort=True):
        rural = grp[grp["ur_code"].isin([112, 122, 220]) & grp["name"].str.endswith("村民委员会")].sort_values(
            "population", ascending=False
        )
        n = 2 if len(rural) >= 15 else 1
        vil.loc[rural.index[:n], "central_village"] = True
    kids = synth_children(vil["population"].to_numpy(), Calibration(population=486_000, base_year=BASE_YEAR), rng)
    vil = pd.concat([vil.reset_index(drop=True), kids], axis=1)

    # ---------------------------------------------------------------- schools
    sites = school_sites(
        vil[
            [
                "village_id",
                "name",
                "town_code",
                "ur_code",
                "central_village",
                "population",
                "x",
                "y",
                *[f"g{g}" for g in range(1, 13)],
            ]
        ],
        towns,
        rng,
        high_schools=0,
        teaching_point_share=0.72,
        primary_min_population=1_600,
    )
    sites = name_mengjin_schools(sites, vil, towns, rng)
    over = [
        n
        for n in sites["name"]
        if n in ("城关中心小学", "城关第二小学", "孟庄小学", "城关一中", "城关二中", "麻屯中心小学", "麻屯初中")
    ]
    provisional, _ = equip_schools(sites, vil, np.random.default_rng(SEED + 1))
    over_ids = provisional.loc[provisional["name"].isin(over), "school_id"].tolist()
    schools, _ = equip_schools(sites, vil, np.random.default_rng(SEED + 1), overcrowded_ids=over_ids)
    schools["town"] = schools["town_code"].map(dict(zip(towns["town_code"], towns["town"])))

    # ---------------------------------------------------------------- roads
    nodes = pd.concat(
        [
            pd.DataFrame(
                {
                    "x": towns["x"],
                    "y": towns["y"],
                    "bank": towns["bank"],
                    "town_code": towns["town_code"],
                    "is_seat": True,
                    "ur_code": 121,
                    "central_village": False,
                }
            ),
            pd.DataFrame(
                {
                    "x": vil["x"],
                    "y": vil["y"],
                    "bank": vil["bank"],
                    "town_code": vil["town_code"],
                    "is_seat": False,
                    "ur_code": vil["ur_code"],
                    "central_village": vil["central_village"],
                }
            ),
        ],
        ignore_index=True,
    )
    bridges = []
    for frac, name in BRIDGES:
        p = river.interpolate(frac, normalized=True)
        bridges.append(((p.x, p.y), (p.x, p.y), name))
    roads = build_road_network(
        nodes,
        {k: bank_metric[k] for k in bank_metric},
        bridges=bridges,
        rng=rng,
        max_edge_m=6_500.0,
        extra_edge_share=0.3,
    )
    roads = add_access_roads(
        roads, schools[["x", "y"]], vil.set_index("village_id").loc[schools["village_id"], ["x", "y"]]
    )

    # ---------------------------------------------------------------- write
    out.mkdir(parents=True, exist_ok=True)
    vcols = [
        "village_id",
        "name",
        "town_code",
        "town",
        "ur_code",
        "central_village",
        "population",
        *[f"g{g}" for g in range(1, 13)],
        *[f"a{a}" for a in range(6)],
        "coord_source",
    ]
    write_geojson(
        gpd.GeoDataFrame(vil[vcols], geometry=gpd.points_from_xy(vil["x"], vil["y"]), crs=METRIC_CRS),
        out / "villages.geojson",
    )
    scols = [
        "school_id",
        "name",
        "town_code",
        "town",
        "kind",
        "village_id",
        "ur_code",
        "grades",
        "classrooms",
        "classes",
        *[f"g{g}" for g in range(1, 13)],
        "beds",
        "max_added_classrooms",
        "status",
        "open_year",
        "planned_seats",
    ]
    write_geojson(
        gpd.GeoDataFrame(schools[scols], geometry=gpd.points_from_xy(schools["x"], schools["y"]), crs=METRIC_CRS),
        out / "schools.geojson",
    )
    write_geojson(roads, out / "roads.geojson")
    tcols = ["town_code", "town", "town_kind", "adcode_2016", "coord_source"]
    write_geojson(
        gpd.GeoDataFrame(towns[tcols], geometry=gpd.points_from_xy(towns["x"], towns["y"]), crs=METRIC_CRS),
        out / "towns.geojson",
    )
    write_geojson(boundary, out / "boundary.geojson")
    river_gdf = gpd.GeoDataFrame({"name": ["黄河 (孟津—吉利界)"]}, geometry=[river], crs=METRIC_CRS)
    write_geojson(river_gdf, out / "river.geojson")
    write_json(
        {
            "name": "孟津区 Mengjin district",
            "base_year": BASE_YEAR,
            "seed": SEED,
            "attribution": ATTRIBUTION,
            "generator": "scripts/build_dataset.py",
        },
        out / "district.json",
    )
    projects = planned_projects_table(schools)
    projects.to_csv(out / "policy_projects.csv", index=False, encoding="utf-8", lineterminator="\n")
    logger.info("wrote %d villages, %d schools, %d road segments to %s", len(vil), len(schools), len(roads), out)


def _vec_gcj(coords: np.ndarray) -> np.ndarray:
    """GCJ-02 to WGS84 for an (N, 2) array of lon/lat, for :func:`shapely.transform`."""
    return np.array([gcj_to_wgs(float(a), float(b)) for a, b in coords])


def name_mengjin_schools(
    sites: pd.DataFrame, vil: pd.DataFrame, towns: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Rename generic sites after the schools the policy names; add its other schools.

    Named in the policy (孟发〔2023〕13号): town juniors (白鹤初中, 会盟初中, ...), central
    primaries, 护庄小学, 张盘小学, 小寨小学, 霍村小学, 孟庄小学, 朝阳三小, 城关一中/二中,
    the five high schools, and the planned 永和路小学, 麻屯三小 and 兴华路中学.
    """
    sites = sites.copy()
    tname = dict(zip(towns["town_code"], towns["town"]))
    vx = vil.set_index("village_id")
    short = {c: n.removesuffix("镇").removesuffix("街道") for c, n in tname.items()}
    for k, s in sites.iterrows():
        t = short[s["town_code"]]
        if s["kind"] == "junior" and tname[s["town_code"]].endswith("镇"):
            sites.at[k, "name"] = "城关一中" if t == "城关" else f"{t}初中"
        elif s["kind"] == "central_primary":
            sites.at[k, "name"] = "朝阳镇中心小学" if t == "朝阳" else f"{t}中心小学"
        elif tname[s["town_code"]].endswith("街道"):
            sites.at[k, "name"] = s["name"].replace("街道第", "第").replace("初级中学", "初中")
    # Boarding as the policy describes (寄宿制学校 named in 四(三)).
    boarding = {
        "会盟中心小学": 320,
        "白鹤初中": 560,
        "白鹤中心小学": 260,
        "麻屯初中": 480,
        "平乐中心小学": 240,
        "会盟初中": 420,
    }
    for name, beds in boarding.items():
        sites.loc[sites["name"] == name, "beds"] = beds
    # Two towns without a boarding primary today, one without a boarding junior: the
    # model must add beds there (每镇至少1所寄宿制小学和初中).
    sites.loc[sites["name"].isin(["常袋中心小学", "横水中心小学"]), "beds"] = 0
    sites.loc[sites["name"] == "送庄初中", "beds"] = 0

    def unit(name_part: str) -> pd.Series:
        if name_part in vx.index:
            return vx.loc[name_part]
        match = vil[vil["name"].str.startswith(name_part)]
        if len(match) != 1:
            raise ValueError(f"{name_part!r} matches {len(match)} units")
        return vx.loc[match["village_id"].iloc[0]]

    def host_named(name_part: str, kind: str, name: str, **kw) -> None:
        nonlocal sites
        host = unit(name_part)
        existing = sites.index[sites["village_id"] == host.name]
        prim = existing[sites.loc[existing, "kind"].isin(["primary", "teaching_point"])] if kind in ("primary",) else []
        if len(prim):
            k = prim[0]
            sites.loc[k, ["kind", "name"]] = [kind, name]
            for key, val in kw.items():
                sites.loc[k, key] = val
        else:
            row = school_row(host, kind, name, host["town_code"], rng, offset=kw.pop("offset", 150.0), **kw)
            sites = pd.concat([sites, pd.DataFrame([row])], ignore_index=True)

    host_named("孟庄社区", "primary", "孟庄小学")
    host_named("护庄村", "primary", "护庄小学", beds=200)
    host_named("张盘村", "primary", "张盘小学")
    host_named("小寨村", "primary", "小寨小学")
    host_named("霍村村", "primary", "霍村小学")
    chaoyang = (
        vil[(vil["town"] == "朝阳镇") & (vil["ur_code"] == 122)].sort_values("population", ascending=False).iloc[0]
    )
    host_named(chaoyang["village_id"], "primary", "朝阳三小", beds=220)
    host_named("龙马社区", "primary", "城关第二小学")
    host_named("八一社区", "junior", "城关二中", offset=300.0)
    # High schools: three in the main urban area (111/112), three outside it.
    host_named("刘坡村", "high", "孟津一高", offset=400.0)
    host_named("东吕庙村", "high", "孟津一中", offset=400.0)
    host_named("开元社区", "high", "吉利高中", offset=400.0)
    host_named("桂花社区", "high", "孟津二高", offset=500.0)
    host_named("老城村", "high", "老城高中", offset=400.0)
    host_named("平乐社区", "high", "平乐高中", offset=500.0)
    # How strongly each high school draws pupils today (the county's flagship draws most).
    draw = {"孟津一高": 3.0, "孟津一中": 2.2, "孟津二高": 1.0, "吉利高中": 1.6, "老城高中": 1.0, "平乐高中": 0.8}
    sites["draw_weight"] = sites["name"].map(draw).fillna(1.0)
    # Planned projects (status planned): seats as the policy plans them.
    host_named(
        "长华社区",
        "primary",
        "永和路小学",
        offset=600.0,
        status="planned",
        open_year=2025,
        planned_seats=1620,
        classrooms=36,
    )
    mt = vil[(vil["town"] == "麻屯镇") & (vil["ur_code"] == 122)].sort_values("population", ascending=False).iloc[0]
    host_named(
        mt["village_id"],
        "primary",
        "麻屯三小",
        offset=400.0,
        status="planned",
        open_year=2026,
        planned_seats=1620,
        classrooms=36,
    )
    host_named(
        "泰康社区",
        "junior",
        "兴华路中学",
        offset=500.0,
        status="planned",
        open_year=2026,
        planned_seats=1500,
        classrooms=30,
    )
    host_named(
        "康窑村",
        "high",
        "孟津一高新校区",
        offset=500.0,
        status="planned",
        open_year=2025,
        planned_seats=3000,
        classrooms=60,
        beds=1500,
    )
    # Planned projects are new schools: a new primary lives under the primary kind.
    return sites.sort_values(["town_code", "kind", "name"], kind="stable").reset_index(drop=True)


def planned_projects_table(schools: pd.DataFrame) -> pd.DataFrame:
    """The policy's named seat projects (二、2 增加学位) for the plan report's comparison."""
    rows = [
        ("永和路小学", "new", 1620, "新建永和路小学，新增学位1620个"),
        ("麻屯三小", "new", 1620, "筹建麻屯镇第三中心小学，新增学位1620个"),
        ("孟庄小学", "expansion", 1080, "孟庄小学和原城关一中校舍扩容整合改建寄宿制小学，新增学位1080个"),
        (
            "城关一中",
            "expansion",
            150,
            "利用原孟津二高腾退校舍改建寄宿制初中，城关一中、城关二中整体迁入，增加学位150个",
        ),
    ]
    ids = dict(zip(schools["name"], schools["school_id"]))
    return pd.DataFrame(
        [
            {"project": n, "school_id": ids.get(n, ""), "type": t, "seats": s, "policy_text": txt}
            for n, t, s, txt in rows
        ]
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--geo", type=Path, default=Path("../shared/geo"), help="folder of the real place data")
    ap.add_argument("--out", type=Path, default=Path("data"), help="output folder")
    args = ap.parse_args()
    main(args.geo, args.out)
