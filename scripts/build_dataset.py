"""Build the bundled Mengjin district dataset (``data/``) from the real place data.

Real: the 270 village-level units (names, 12-digit codes, towns, settlement classes
``ur_code``), the 2023 town codes, the district boundary, the town-seat coordinates
(converted from GCJ-02 to WGS84), the major roads of OpenStreetMap and the 2010 and 2020
census counts of the two former units.  Synthetic, from a fixed seed: village positions
(inside the right town's area), residents per unit and pupils per unit (calibrated to the
census), the school registry (using the school names of the 2023 policy document), today's
attendance and boarders, and the township and village roads that join the units to the
major roads.  See ``data/README.md``.

Usage::

    python scripts/build_dataset.py --geo <folder of the real place data> --out data

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
    MENGJIN_BIRTHS,
    METRIC_CRS,
    add_access_roads,
    attach_to_backbone,
    cohorts_from_census,
    equip_schools,
    grade_and_age_totals,
    scatter_points,
    school_row,
    school_sites,
    spread_cohorts,
    stem_of,
    synth_population,
    today_boarders,
)
from layout_opt.io import write_enrolment, write_geojson, write_json

logger = logging.getLogger("build_dataset")

SEED = 20230908  # the policy document's date
BASE_YEAR = 2023
ATTRIBUTION_PLACES = (
    "Administrative names, codes, settlement classes and boundaries derived from "
    "Vonng/adcode (CC BY 4.0); 2023 town codes from xiangyuecn/AreaCity-JsSpider-StatsGov (MIT)."
)
ATTRIBUTION_ROADS = "Major roads © OpenStreetMap contributors (ODbL); census totals from leiii/census (MIT)."
ATTRIBUTION = f"{ATTRIBUTION_PLACES} {ATTRIBUTION_ROADS}"
#: Metadata of roads.geojson: the database holds OpenStreetMap data and stays under the ODbL.
ROADS_METADATA = {
    "attribution": ATTRIBUTION_ROADS,
    "license": "ODbL-1.0 (Open Database License); the lines with source 'osm' are OpenStreetMap data",
}

#: The two former units and the census rows that describe them (区划代码).
CENSUS_CODE = {"south": "410322", "north": "410306"}
CENSUS_YEAR = 2020
#: Share of a cohort in general senior high school (grades 10-12): 普职比大体相当, the
#: forecast's ``senior_entry_share``.
SENIOR_SHARE = 0.5

#: Towns in the 邙山 loess hills west of the old county seat (their seats lie west of
#: 城关镇's); with the north bank (the former Jili district) their roads are "hills".
HILL_TOWNS = ("横水镇", "小浪底镇", "常袋镇", "麻屯镇")
#: School-bus speed by road class and terrain, km/h: the design speed (设计速度) of the
#: highway grade each class stands for in JTG B01-2014 公路工程技术标准 (二级公路 80 or 60,
#: 三级公路 40 or 30, 四级公路 30 or 20; the lower one in the hills), capped by
#: 校车安全管理条例 Art. 35 (60 km/h off expressways, 20 km/h on narrow roads).
BUS_SPEED_KMH = {
    ("trunk", "plain"): 60.0,  # 二级公路 80, capped at 60
    ("trunk", "hills"): 60.0,  # 二级公路 60
    ("county", "plain"): 40.0,  # 三级公路 40
    ("county", "hills"): 30.0,  # 三级公路 30
    ("township", "plain"): 30.0,  # 四级公路 30
    ("township", "hills"): 20.0,  # 四级公路 20
    ("village", "plain"): 20.0,  # narrow village roads: Art. 35's 20 km/h
    ("village", "hills"): 20.0,
}
#: OpenStreetMap segments are kept when both junctions lie within this distance of the
#: district and their middle lies inside it (200 m tolerance), metres.
OSM_KEEP_M = 1_000.0

#: The policy's boarding schools (四(三)) and how many primary and junior schools board.
POLICY_BOARDING = (
    "会盟中心小学",
    "白鹤初中",
    "白鹤中心小学",
    "护庄小学",
    "朝阳三小",
    "麻屯初中",
    "平乐中心小学",
    "会盟初中",
)
BOARDING_SCHOOLS = 34
#: A boarding village primary draws grades 4-6 from villages up to this many times as far
#: as their nearest complete primary.
BOARDING_REACH = 2.5
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

    census = read_census(geo / "census_county_mengjin_jili.csv")
    vil["population"] = 0
    for bank, code in CENSUS_CODE.items():  # residents: census urban (1xx) and rural (2xx) per former unit
        for rural, column in ((False, "urban"), (True, "rural")):
            idx = vil.index[(vil["bank"] == bank) & ((vil["ur_code"] >= 200) == rural)]
            vil.loc[idx, "population"] = synth_population(
                vil.loc[idx, "ur_code"].to_numpy(), census[(CENSUS_YEAR, code)][column], rng
            )
    vil["central_village"] = False
    for _code, grp in vil.groupby("town_code", sort=True):
        rural = grp[grp["ur_code"].isin([112, 122, 220]) & grp["name"].str.endswith("村民委员会")].sort_values(
            "population", ascending=False
        )
        n = 2 if len(rural) >= 15 else 1
        vil.loc[rural.index[:n], "central_village"] = True
    kids = pd.DataFrame(0, index=vil.index, columns=[*[f"g{g}" for g in range(1, 13)], *[f"a{a}" for a in range(6)]])
    for bank, code in CENSUS_CODE.items():  # pupils and children: census age bands per former unit
        grades, ages = bank_cohorts(census, code)
        idx = vil.index[vil["bank"] == bank]
        kids.loc[idx] = spread_cohorts(vil.loc[idx, "population"].to_numpy(), grades, ages, rng).to_numpy()
    vil = pd.concat([vil, kids.astype("int64")], axis=1)

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
        boarding_share=0.0,
    )
    sites = name_mengjin_schools(sites, vil, towns, rng)
    sites = choose_boarding(sites, vil, towns)
    over = [
        n
        for n in sites["name"]
        if n in ("城关中心小学", "城关第二小学", "孟庄小学", "城关一中", "城关二中", "麻屯中心小学", "麻屯初中")
    ]
    provisional, _ = equip_schools(sites, vil, np.random.default_rng(SEED + 1))
    over_ids = provisional.loc[provisional["name"].isin(over), "school_id"].tolist()
    schools, attendance = equip_schools(sites, vil, np.random.default_rng(SEED + 1), overcrowded_ids=over_ids)
    schools["town"] = schools["town_code"].map(dict(zip(towns["town_code"], towns["town"])))
    schools, attendance = board_today(schools, attendance, vil, np.random.default_rng(SEED + 2))
    schools["ownership"] = "public"
    schools["policy_kindergarten"] = False
    schools["moves_to"] = ""
    schools[list(KINDERGARTEN_COLUMNS)] = 0

    # ---------------------------------------------------------------- kindergartens
    vil = pd.concat([vil, kindergarten_children(vil, np.random.default_rng(SEED + 3))], axis=1)
    kg_sites = kindergarten_sites(vil, towns, schools, np.random.default_rng(SEED + 4))
    kgs, kg_attendance = equip_kindergartens(kg_sites, vil, len(schools), np.random.default_rng(SEED + 5))

    # ---------------------------------------------------------------- roads
    cell_gdf = gpd.GeoDataFrame(
        {"town": [towns.set_index("town_code").at[c, "town"] for c in cells]},
        geometry=list(cells.values()),
        crs=METRIC_CRS,
    )
    backbone = osm_backbone(geo / "osm_major_roads_mengjin.geojson", bank_metric, river, towns)
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
    roads = attach_to_backbone(backbone, nodes, bank_metric, rng, max_edge_m=6_500.0, extra_edge_share=0.3)
    roads = add_access_roads(
        roads, schools[["x", "y"]], vil.set_index("village_id").loc[schools["village_id"], ["x", "y"]]
    )
    roads = add_access_roads(roads, kgs[["x", "y"]], vil.set_index("village_id").loc[kgs["village_id"], ["x", "y"]])
    schools = pd.concat([schools, kgs.rename(columns={"named_in_policy": "policy_kindergarten"})], ignore_index=True)
    attendance = pd.concat([attendance, kg_attendance], ignore_index=True)
    roads = set_terrain_and_speeds(roads, cell_gdf, bank_metric["north"])

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
        *KINDERGARTEN_COLUMNS,
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
        *KINDERGARTEN_COLUMNS,
        "beds",
        "max_added_classrooms",
        "status",
        "open_year",
        "planned_seats",
        "ownership",
        "policy_kindergarten",
        "moves_to",
    ]
    write_geojson(
        gpd.GeoDataFrame(schools[scols], geometry=gpd.points_from_xy(schools["x"], schools["y"]), crs=METRIC_CRS),
        out / "schools.geojson",
    )
    rcols = ["road_id", "road_class", "bus_speed_kmh", "terrain", "bridge", "name", "source", "geometry"]
    write_geojson(roads[rcols], out / "roads.geojson", metadata=ROADS_METADATA)
    write_enrolment(attendance, out / "enrolment.csv")
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
    logger.info(
        "wrote %d villages, %d schools, %d road segments, %d attendance rows to %s",
        len(vil),
        len(schools),
        len(roads),
        len(attendance),
        out,
    )
    report_calibration(vil, schools, attendance, roads, census)


# --------------------------------------------------------------------------- kindergartens

#: Kindergarten children per child aged 3, 4 and 5 (毛入园率, gross enrolment rate): the
#: national rate of 2023 (2023年全国教育事业发展统计公报: 学前教育毛入园率91.1%), also the
#: forecast's default ``preschool_enrolment_rate``.
PRESCHOOL_RATE = 0.911
#: The policy's kindergartens (四(一) 学前教育增容普惠: 区直二幼和朝阳镇中心幼儿园迁建; 麻屯镇中心幼儿园、区直一幼、
#: 孟庄幼儿园、会盟镇中心幼儿园、平乐镇中心幼儿园、常袋镇中心幼儿园改扩建).
POLICY_KINDERGARTENS_MOVED = ("区直二幼", "朝阳镇中心幼儿园")
POLICY_KINDERGARTENS_ENLARGED = (
    "麻屯镇中心幼儿园",
    "区直一幼",
    "孟庄幼儿园",
    "会盟镇中心幼儿园",
    "平乐镇中心幼儿园",
    "常袋镇中心幼儿园",
)
#: The new sites of the two moved kindergartens (800 m from the old one, in the same unit):
#: opening year and classrooms (12 and 9 classes of 30 places, sizes of 建标175-2016; the
#: policy gives neither).
KINDERGARTEN_NEW_SITES = {"区直二幼": (2025, 12), "朝阳镇中心幼儿园": (2026, 9)}
#: A village without a kindergarten of its town within this straight-line distance gets
#: one (幼儿园就近就便), metres.
KINDERGARTEN_REACH_M = 2_000.0
#: Share of the children of urban units (111-121) and of other units in the town's
#: private kindergartens, where the town has any.
PRIVATE_SHARE = {"urban": 0.35, "rural": 0.10}
#: Urban residents per private kindergarten (one in each urban unit of at least this many).
PRIVATE_MIN_POPULATION = 4_000
KINDERGARTEN_COLUMNS = ("k1", "k2", "k3")
#: Kindergarten places the eight projects add (四(一): 新增幼儿学位1800个).
KINDERGARTEN_PLACES = 1_800


def kindergarten_children(vil: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``k1``..``k3``: children of each unit in a kindergarten's 小班, 中班 and 大班 in 2023/24,
    drawn from its children aged 3, 4 and 5 (``a3``..``a5``) at :data:`PRESCHOOL_RATE`."""
    out = pd.DataFrame(index=vil.index)
    for col, age in zip(KINDERGARTEN_COLUMNS, ("a3", "a4", "a5")):
        out[col] = rng.binomial(vil[age].to_numpy(np.int64), PRESCHOOL_RATE).astype(np.int64)
    return out


def kindergarten_sites(vil: pd.DataFrame, towns: pd.DataFrame, schools: pd.DataFrame, rng) -> pd.DataFrame:
    """The kindergartens of 2023/24 and the two new sites the policy plans.

    Public: a central kindergarten (中心幼儿园) at each town's central primary (in 城关镇 区直一幼
    there, 区直二幼 at the seat's next largest unit and 孟庄幼儿园 at 孟庄小学), one in each
    subdistrict's largest unit, and a village kindergarten (村级幼儿园) in each unit with a
    complete primary outside the seats, then in the most populous unit left farther than
    :data:`KINDERGARTEN_REACH_M` from every kindergarten of its town, until none is.
    Private (民办): one in each urban unit (111-121) of :data:`PRIVATE_MIN_POPULATION`
    residents or more.  ``named_in_policy`` flags the policy's eight; the others'
    names are made up from their town or unit.
    """
    vx = vil.set_index("village_id")
    tname = dict(zip(towns["town_code"], towns["town"]))
    rows: list[dict] = []

    def add(vid, name, ownership, offset=150.0, **extra):
        row = school_row(vx.loc[vid], "kindergarten", name, vx.at[vid, "town_code"], rng, offset=offset, **extra)
        rows.append(row | {"ownership": ownership, "named_in_policy": name.split("(")[0] in POLICY_KG})

    POLICY_KG = set(POLICY_KINDERGARTENS_MOVED) | set(POLICY_KINDERGARTENS_ENLARGED)
    central = schools[schools["kind"] == "central_primary"].set_index("town_code")["village_id"]
    for _, t in towns.sort_values("town_code").iterrows():
        units = vil[vil["town_code"] == t["town_code"]].sort_values("population", ascending=False)
        if t["town_kind"] == "subdistrict":
            add(units["village_id"].iloc[0], f"{t['town']}中心幼儿园", "public")
            continue
        seat = central[t["town_code"]]
        if t["town"] == "城关镇":
            add(seat, "区直一幼", "public")
            core = units[(units["ur_code"] == 121) & (units["village_id"] != seat)]
            add(core["village_id"].iloc[0], "区直二幼", "public")
            mz = schools.loc[schools["name"] == "孟庄小学", "village_id"].iloc[0]
            add(mz, "孟庄幼儿园", "public")
        else:
            add(seat, f"{t['town']}中心幼儿园", "public")
    with_primary = set(schools.loc[schools["kind"] == "primary", "village_id"]) - set(central)
    for vid in vil.loc[vil["village_id"].isin(with_primary) & vil["ur_code"].isin([122, 220]), "village_id"]:
        if vid not in {r["village_id"] for r in rows}:  # 孟庄's unit has the policy's 孟庄幼儿园
            add(vid, f"{stem_of(vx.at[vid, 'name'])}幼儿园", "public")
    xy = vil[["x", "y"]].to_numpy(float)
    while True:
        kg = pd.DataFrame(rows)
        far = np.zeros(len(vil), dtype=bool)
        for code, grp in vil.groupby("town_code"):
            mine = kg[kg["town_code"] == code]
            d = np.hypot(
                grp["x"].to_numpy()[:, None] - mine["x"].to_numpy()[None, :],
                grp["y"].to_numpy()[:, None] - mine["y"].to_numpy()[None, :],
            ).min(axis=1)
            far[vil.index.get_indexer(grp.index)] = d > KINDERGARTEN_REACH_M
        if not far.any():
            break
        v = vil[far].sort_values(["population", "village_id"], ascending=[False, True]).iloc[0]
        add(v["village_id"], f"{stem_of(v['name'])}幼儿园", "public")
    for _, v in vil[vil["ur_code"].isin([111, 112, 121]) & (vil["population"] >= PRIVATE_MIN_POPULATION)].iterrows():
        add(v["village_id"], f"{stem_of(v['name'])}民办幼儿园", "private", offset=300.0)
    del xy
    for name, (year, rooms) in KINDERGARTEN_NEW_SITES.items():
        old = next(r for r in rows if r["name"] == name)
        add(
            old["village_id"],
            f"{name}(新址)",
            "public",
            offset=800.0,
            status="planned",
            open_year=year,
            planned_seats=rooms * 30,
            classrooms=rooms,
        )
    out = pd.DataFrame(rows)
    out["town"] = out["town_code"].map(tname)
    return out


def equip_kindergartens(
    sites: pd.DataFrame, vil: pd.DataFrame, first_id: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ids, today's children, classes, classrooms and room to grow of the kindergartens,
    and their attendance rows.

    Each unit's children of each year go to the nearest open kindergarten of its town
    (straight line), but :data:`PRIVATE_SHARE` of them to the town's nearest private one;
    classes of 20-30 children (under the caps 25/30/35), one per year group at least;
    0-2 spare classrooms; room for 3-9 more classrooms at sites of class 111-122 (at least
    6 at the policy's six enlargements), 0-2 elsewhere.
    """
    kg = sites.reset_index(drop=True).copy()
    kg["school_id"] = [f"S{first_id + k:04d}" for k in range(len(kg))]
    live = kg["status"] == "open"
    rows = []
    for code, grp in vil.groupby("town_code"):
        mine = kg[live & (kg["town_code"] == code)]
        priv = mine[mine["ownership"] == "private"]
        for _, v in grp.iterrows():
            d = np.hypot(mine["x"] - v["x"], mine["y"] - v["y"])
            public = mine.loc[d[mine["ownership"] == "public"].idxmin(), "school_id"] if len(d) else None
            share = PRIVATE_SHARE["urban" if v["ur_code"] < 200 else "rural"] if len(priv) else 0.0
            nearest_private = (
                priv.loc[np.hypot(priv["x"] - v["x"], priv["y"] - v["y"]).idxmin(), "school_id"] if len(priv) else None
            )
            for g, col in zip((13, 14, 15), KINDERGARTEN_COLUMNS):
                n = int(v[col])
                p = int(rng.binomial(n, share)) if share else 0
                for sid, m in ((public, n - p), (nearest_private, p)):
                    if m > 0:
                        rows.append(
                            {"village_id": v["village_id"], "school_id": sid, "grade": g, "pupils": m, "boarders": 0}
                        )
    att = pd.DataFrame(rows).groupby(["village_id", "school_id", "grade"], as_index=False)[["pupils", "boarders"]].sum()
    counts = att.pivot_table(index="school_id", columns="grade", values="pupils", aggfunc="sum", fill_value=0)
    counts = counts.reindex(index=kg["school_id"], columns=[13, 14, 15], fill_value=0)
    for g, col in zip((13, 14, 15), KINDERGARTEN_COLUMNS):
        kg[col] = counts[g].to_numpy(np.int64)
    for c in (f"g{g}" for g in range(1, 13)):
        kg[c] = 0
    classes, rooms, grow = [], [], []
    named_growth = set(POLICY_KINDERGARTENS_ENLARGED)
    for r in kg.itertuples(index=False):
        if r.status != "open":
            classes.append(0)
            rooms.append(int(r.classrooms))
            grow.append(0)
            continue
        size = int(rng.integers(20, 31))
        n = sum(
            max(1, -(-int(getattr(r, c)) // min(size, cap))) if getattr(r, c) > 0 else 0
            for c, cap in zip(KINDERGARTEN_COLUMNS, (25, 30, 35))
        )
        n = max(n, 1)
        classes.append(n)
        rooms.append(n + int(rng.integers(0, 3)))
        urban = int(r.ur_code) in (111, 112, 121, 122)
        g_room = int(rng.integers(3, 10)) if urban else int(rng.integers(0, 3))
        grow.append(max(g_room, 6) if r.name in named_growth else g_room)
    kg["classes"], kg["classrooms"], kg["max_added_classrooms"] = classes, rooms, grow
    kg["moves_to"] = ""
    ids = dict(zip(kg["name"], kg["school_id"]))
    for name in KINDERGARTEN_NEW_SITES:  # 迁建: the old site closes when the new one opens
        kg.loc[kg["name"] == name, "moves_to"] = ids[f"{name}(新址)"]
    kg["grades"] = "k1-k3"
    kg["beds"] = 0
    return kg, att[["village_id", "school_id", "grade", "pupils", "boarders"]]


# --------------------------------------------------------------------------- census


def read_census(path: Path) -> dict[tuple[int, str], dict[str, int]]:
    """Residents, urban, rural and age bands per (census year, 区划代码) from the census rows.

    The file holds pairs of lines, a header line then the unit's line, each prefixed by
    source file and sheet.  Bands: ``(0, 0)``, ``(1, 4)``, ``(5, 9)``, ``(10, 14)``,
    both sexes.
    """
    with path.open(encoding="utf-8") as fh:
        lines = list(csv.reader(fh))
    out: dict[tuple[int, str], dict[str, int]] = {}
    for head, row in zip(lines[::2], lines[1::2]):
        rec = dict(zip(head, row))
        year = 2020 if "2020" in row[0] else 2010
        if year == 2020:
            total, band = "人口数_合计", lambda sex, a, b: f"{sex}_{a}岁" if a == b else f"{sex}_{a}到{b}岁"
            sexes = ("男", "女")
        else:
            total, band = "合计", lambda sex, a, b: f"{a}岁（{sex}）" if a == b else f"{a}-{b}岁（{sex}）"
            sexes = ("男", "女")
        ages = {(a, b): sum(int(rec[band(x, a, b)]) for x in sexes) for a, b in ((0, 0), (1, 4), (5, 9), (10, 14))}
        out[(year, rec["区划代码"])] = {
            "residents": int(rec[total]),
            "urban": int(rec["城镇人口"]),
            "rural": int(rec["乡村人口"]),
            **{f"{a}-{b}": n for (a, b), n in ages.items()},
        }
    return out


def census_ages(row: dict[str, int]) -> dict[tuple[int, int], int]:
    """The age bands of one census row as ``{(first, last): persons}``."""
    return {(a, b): row[f"{a}-{b}"] for a, b in ((0, 0), (1, 4), (5, 9), (10, 14))}


def cohort_growth(census: dict, code: str) -> float:
    """Yearly factor of a cohort living in the unit: ages 0-4 in 2010 against 10-14 in 2020."""
    young = census[(2010, code)]["0-0"] + census[(2010, code)]["1-4"]
    return (census[(2020, code)]["10-14"] / young) ** (1 / 10)


def bank_cohorts(census: dict, code: str) -> tuple[dict[int, int], dict[int, int]]:
    """Pupils by grade and children by age of one former unit in the base year (2023/24).

    The 2020 census bands, split over their birth years by the birth series, aged forward
    three years by the unit's 2010-2020 cohort growth; the cohorts born since the census
    from the birth series scaled by the census's ages 0-4 against their births; grades
    10-12 are the general senior high share of their cohort.
    """
    ages = census_ages(census[(CENSUS_YEAR, code)])
    ages[(0, 4)] = ages.pop((0, 0)) + ages.pop((1, 4))
    bands = {(0, 4): ages[(0, 4)], (5, 9): ages[(5, 9)], (10, 14): ages[(10, 14)]}
    cohorts = cohorts_from_census(
        bands, MENGJIN_BIRTHS, CENSUS_YEAR, BASE_YEAR, growth_per_year=cohort_growth(census, code), youngest=(0, 4)
    )
    return grade_and_age_totals(cohorts, BASE_YEAR, {g: SENIOR_SHARE for g in (10, 11, 12)})


# --------------------------------------------------------------------------- today's boarding


def choose_boarding(sites: pd.DataFrame, vil: pd.DataFrame, towns: pd.DataFrame) -> pd.DataFrame:
    """Mark the 34 primary and junior schools that board today (column ``boarding``).

    The policy's named boarding schools; every other central primary and junior of the
    ten towns except 城关镇 (the old county seat, whose schools become boarding schools
    only through the policy's projects); then the village primaries of those towns that
    would have the most boarders if they boarded, at most three boarding village
    primaries a town, until 34.  Boarding village primaries draw grades 4-6 from up to
    :data:`BOARDING_REACH` times as far as a village's nearest primary
    (``catchment_weight``).
    """
    sites = sites.copy()
    kind_of_town = dict(zip(towns["town_code"], towns["town_kind"]))
    seat = dict(zip(towns["town_code"], towns["town"]))
    rural_town = sites["town_code"].map(kind_of_town).eq("town") & sites["town_code"].map(seat).ne("城关镇")
    rural_town &= sites["status"] == "open"
    missing = set(POLICY_BOARDING) - set(sites["name"])
    if missing:
        raise ValueError(f"policy boarding schools not in the registry: {sorted(missing)}")
    chosen = sites["name"].isin(POLICY_BOARDING) | (rural_town & sites["kind"].isin(["central_primary", "junior"]))
    candidate = rural_town & (sites["kind"] == "primary") & ~chosen
    # Who would board at each candidate if every candidate boarded (a trial enrolment).
    trial = sites.assign(
        catchment_weight=np.where(candidate | (chosen & (sites["kind"] == "primary")), BOARDING_REACH, 1.0)
    )
    schools, attendance = equip_schools(trial, vil, np.random.default_rng(SEED + 1))
    room = pd.Series(np.inf, index=schools["school_id"])
    wish = pd.Series(today_boarders(attendance, schools, vil, capacity=room)).groupby(attendance["school_id"]).sum()
    potential = wish.reindex(schools["school_id"]).fillna(0).to_numpy()
    per_town = sites.loc[chosen & (sites["kind"] == "primary")].groupby("town_code").size().to_dict()
    for k in sorted(sites.index[candidate], key=lambda k: (-potential[k], k)):
        if int(chosen.sum()) >= BOARDING_SCHOOLS:
            break
        town = sites.at[k, "town_code"]
        if per_town.get(town, 0) < 3 and potential[k] > 0:
            chosen[k] = True
            per_town[town] = per_town.get(town, 0) + 1
    if int(chosen.sum()) != BOARDING_SCHOOLS:
        raise ValueError(f"{int(chosen.sum())} boarding schools chosen, not {BOARDING_SCHOOLS}")
    sites["boarding"] = chosen
    sites["catchment_weight"] = np.where(chosen & (sites["kind"] == "primary"), BOARDING_REACH, 1.0)
    return sites


def board_today(
    schools: pd.DataFrame, attendance: pd.DataFrame, vil: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Today's boarders (:func:`layout_opt.examples.today_boarders`) at the schools marked
    ``boarding``, and their beds: the boarders plus 5-30 %, in tens, at least 50.  High
    schools keep their beds (half their pupils); no other school boards."""
    high = (schools["kind"] == "high").to_numpy()
    board = schools["boarding"].fillna(False).astype(bool).to_numpy()
    capacity = pd.Series(np.where(board, np.inf, np.where(high, schools["beds"], 0.0)), index=schools["school_id"])
    attendance = attendance.copy()
    attendance["boarders"] = today_boarders(attendance, schools, vil, capacity=capacity)
    held = attendance.groupby("school_id")["boarders"].sum()
    schools = schools.copy()
    for k in schools.index[board]:
        need = held.get(schools.at[k, "school_id"], 0) * rng.uniform(1.05, 1.30)
        schools.at[k, "beds"] = max(50, int(np.ceil(need / 10.0)) * 10)
    return schools, attendance


# --------------------------------------------------------------------------- roads


def osm_backbone(path: Path, bank_metric: dict, river, towns: pd.DataFrame) -> gpd.GeoDataFrame:
    """The district's major roads of OpenStreetMap, classified, as the network's backbone.

    Kept: segments whose two junctions lie within :data:`OSM_KEEP_M` of the district and
    whose middle lies inside it (200 m tolerance).  Bridges: the segments that cross the
    Yellow River between the two banks (the former units' shared border).  Trunk: the
    bridges, the segments of dual carriageways (mapped as two parallel one-way lines,
    i.e. divided highways), and the segments on the shortest route over these roads
    between neighbouring town seats (the roads that link the towns); county: the others.
    """
    osm = gpd.read_file(path).to_crs(METRIC_CRS)
    district = shapely.union_all(list(bank_metric.values()))
    near, inside = district.buffer(OSM_KEEP_M), district.buffer(200.0)
    start = shapely.points([line.coords[0] for line in osm.geometry])
    end = shapely.points([line.coords[-1] for line in osm.geometry])
    middle = osm.geometry.interpolate(0.5, normalized=True)
    keep = near.contains(start) & near.contains(end) & inside.contains(middle.to_numpy())
    osm = osm[keep].reset_index(drop=True)
    south, north = bank_metric["south"], bank_metric["north"]
    crossing = osm.geometry.intersects(river).to_numpy()
    across = np.array(
        [
            (
                south.buffer(200).contains(shapely.Point(g.coords[0]))
                and north.buffer(200).contains(shapely.Point(g.coords[-1]))
            )
            or (
                north.buffer(200).contains(shapely.Point(g.coords[0]))
                and south.buffer(200).contains(shapely.Point(g.coords[-1]))
            )
            for g in osm.geometry
        ]
    )
    if (crossing & ~across).any():
        raise ValueError(f"{int((crossing & ~across).sum())} OSM segments cross the river without joining the banks")
    bridge = crossing
    # dual carriageways: another segment with both ends within 600 m of this one's
    ends = np.array([[g.coords[0], g.coords[-1]] for g in osm.geometry])
    twin = np.zeros(len(osm), dtype=bool)
    for i in range(len(osm)):
        if osm.geometry.iloc[i].length < 300:
            continue
        same = np.hypot(*(ends[:, 0] - ends[i, 0]).T) + np.hypot(*(ends[:, 1] - ends[i, 1]).T)
        flip = np.hypot(*(ends[:, 0] - ends[i, 1]).T) + np.hypot(*(ends[:, 1] - ends[i, 0]).T)
        close = (np.minimum(same, flip) < 600) & (
            np.abs(osm.geometry.length - osm.geometry.iloc[i].length) < 0.3 * osm.geometry.iloc[i].length
        )
        close[i] = False
        twin[i] = close.any()
    trunk = bridge | twin | _seat_links(osm, towns)
    # bridge labels by position: west or east of the middle between the outermost crossings
    xs = np.array([g.interpolate(0.5, normalized=True).x for g in osm.geometry])
    middle_x = 0.5 * (xs[bridge].min() + xs[bridge].max()) if bridge.any() else 0.0
    names = np.where(bridge, np.where(xs < middle_x, "黄河大桥(西)", "黄河大桥(东)"), "")
    backbone = gpd.GeoDataFrame(
        {
            "road_class": np.where(trunk, "trunk", "county"),
            "bridge": bridge,
            "name": names,
            "source": "osm",
            "osm_u": osm["u"].to_numpy(),
            "osm_v": osm["v"].to_numpy(),
        },
        geometry=osm.geometry.to_numpy(),
        crs=METRIC_CRS,
    )
    logger.info(
        "OSM backbone: %d segments (%.0f km), %d trunk, %d bridges",
        len(backbone),
        backbone.length.sum() / 1000,
        int(trunk.sum()),
        int(bridge.sum()),
    )
    return backbone


def _seat_links(osm: gpd.GeoDataFrame, towns: pd.DataFrame) -> np.ndarray:
    """Segments on the shortest OSM route between neighbouring town seats (Delaunay
    neighbours of the seats, each seat taken at its nearest junction within 3 km; routes
    longer than twice the straight distance are not links)."""
    import networkx as nx
    from scipy.spatial import Delaunay, cKDTree

    graph = nx.Graph()
    for k, g in enumerate(osm.geometry):
        graph.add_edge(int(osm["u"].iloc[k]), int(osm["v"].iloc[k]), length=g.length, row=k)
    where = {}
    for k, g in enumerate(osm.geometry):
        where[int(osm["u"].iloc[k])] = g.coords[0]
        where[int(osm["v"].iloc[k])] = g.coords[-1]
    junctions = np.array(list(where))
    d, j = cKDTree(np.array([where[n] for n in junctions])).query(towns[["x", "y"]].to_numpy(float))
    seat_node = {k: int(junctions[j[k]]) for k in range(len(towns)) if d[k] < 3_000}
    pairs = set()
    tri = Delaunay(towns[["x", "y"]].to_numpy(float))
    for simplex in tri.simplices:
        for a, b in ((0, 1), (1, 2), (0, 2)):
            pairs.add(tuple(sorted((int(simplex[a]), int(simplex[b])))))
    on = np.zeros(len(osm), dtype=bool)
    for a, b in sorted(pairs):
        if a not in seat_node or b not in seat_node or seat_node[a] == seat_node[b]:
            continue
        try:
            path = nx.shortest_path(graph, seat_node[a], seat_node[b], weight="length")
        except nx.NetworkXNoPath:
            continue
        length = sum(graph.edges[u, v]["length"] for u, v in zip(path[:-1], path[1:]))
        straight = float(np.hypot(*(towns[["x", "y"]].to_numpy(float)[a] - towns[["x", "y"]].to_numpy(float)[b])))
        if length <= 2.0 * straight:
            for u, v in zip(path[:-1], path[1:]):
                on[graph.edges[u, v]["row"]] = True
    return on


def set_terrain_and_speeds(roads: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, north) -> gpd.GeoDataFrame:
    """``terrain`` (``hills`` in :data:`HILL_TOWNS` and on the north bank, else ``plain``) at
    each road's middle, ``bus_speed_kmh`` from :data:`BUS_SPEED_KMH`, and ``road_id``."""
    roads = roads.reset_index(drop=True).copy()
    middle = roads.geometry.interpolate(0.5, normalized=True)
    _, nearest = cells.sindex.nearest(middle, return_all=False)
    town = cells["town"].to_numpy()[nearest]
    hills = np.isin(town, HILL_TOWNS) | middle.within(north.buffer(200)).to_numpy()
    roads["terrain"] = np.where(hills, "hills", "plain")
    roads["bus_speed_kmh"] = [BUS_SPEED_KMH[(c, t)] for c, t in zip(roads["road_class"], roads["terrain"])]
    roads["road_id"] = [f"R{k:05d}" for k in range(len(roads))]
    return roads


# --------------------------------------------------------------------------- figures


def report_calibration(vil: pd.DataFrame, schools: pd.DataFrame, attendance: pd.DataFrame, roads, census) -> None:
    """Print each calibrated figure against its source (the table of data/README.md)."""
    g = lambda cols, bank=None: int(vil.loc[vil["bank"] == bank if bank else slice(None), cols].to_numpy().sum())  # noqa: E731
    for bank, code in CENSUS_CODE.items():
        c = census[(CENSUS_YEAR, code)]
        sub = vil[vil["bank"] == bank]
        print(f"{code} residents {c['residents']:,} -> {int(sub['population'].sum()):,}")
        print(f"{code} urban {c['urban']:,} -> {int(sub.loc[sub['ur_code'] < 200, 'population'].sum()):,}")
        print(f"{code} rural {c['rural']:,} -> {int(sub.loc[sub['ur_code'] >= 200, 'population'].sum()):,}")
        print(f"{code} 0-4 {c['0-0'] + c['1-4']:,} -> a3..a5+g1+g2 {g(['a3', 'a4', 'a5', 'g1', 'g2'], bank):,}")
        print(f"{code} 5-9 {c['5-9']:,} -> g3..g7 {g(['g3', 'g4', 'g5', 'g6', 'g7'], bank):,}")
        print(
            f"{code} 10-14 {c['10-14']:,} -> g8..g9 {g(['g8', 'g9'], bank):,} + g10..g12 {g(['g10', 'g11', 'g12'], bank):,}"
        )
        print(f"{code} cohort growth per year {cohort_growth(census, code):.5f}")
    pop = int(vil["population"].sum())
    for label, cols in (("primary", range(1, 7)), ("junior", range(7, 10)), ("senior", range(10, 13))):
        n = g([f"g{k}" for k in cols])
        print(f"{label} pupils {n:,} = {1000 * n / pop:.1f} per 1,000")
    print("children a0..a5", [int(vil[f"a{a}"].sum()) for a in range(6)])
    open_ = schools[schools["status"] == "open"]
    board = open_[(open_["beds"] > 0) & open_["kind"].isin(["primary", "central_primary", "junior", "nine_year"])]
    print(f"boarding primary and junior schools {len(board)}; beds {int(board['beds'].sum()):,}")
    print("boarders by grade", attendance.groupby("grade")["boarders"].sum().to_dict())
    km = roads.length / 1000
    print("roads km by class/source", km.groupby([roads["road_class"], roads["source"]]).sum().round(1).to_dict())
    kg = schools[schools["kind"] == "kindergarten"]
    kg_open = kg[kg["status"] == "open"]
    print(
        "kindergartens",
        len(kg_open),
        "open (",
        int((kg_open["ownership"] == "public").sum()),
        "public,",
        int((kg_open["ownership"] == "private").sum()),
        "private ),",
        int((kg["status"] == "planned").sum()),
        "planned; children k1..k3",
        [int(vil[c].sum()) for c in KINDERGARTEN_COLUMNS],
        "of a3..a5",
        [int(vil[c].sum()) for c in ("a3", "a4", "a5")],
        "; classes",
        int(kg_open["classes"].sum()),
        "classrooms",
        int(kg_open["classrooms"].sum()),
    )


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
    host_named("护庄村", "primary", "护庄小学")
    host_named("张盘村", "primary", "张盘小学")
    host_named("小寨村", "primary", "小寨小学")
    host_named("霍村村", "primary", "霍村小学")
    chaoyang = (
        vil[(vil["town"] == "朝阳镇") & (vil["ur_code"] == 122)].sort_values("population", ascending=False).iloc[0]
    )
    host_named(chaoyang["village_id"], "primary", "朝阳三小")
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
    # The eight kindergartens (四(一) 学前教育增容普惠): the policy gives their 1,800 places together; the two
    # moved ones are credited with their new sites' places, the six enlargements share the rest.
    moved = {f"{n}(新址)": rooms * 30 for n, (_, rooms) in KINDERGARTEN_NEW_SITES.items()}
    rest = KINDERGARTEN_PLACES - sum(moved.values())
    share = [rest // 6 + (1 if k < rest % 6 else 0) for k in range(6)]
    text = "完成区直二幼和朝阳镇中心幼儿园迁建，麻屯镇中心幼儿园、区直一幼、孟庄幼儿园、会盟镇中心幼儿园、平乐镇中心幼儿园、常袋镇中心幼儿园改扩建等8所幼儿园建设任务，新增幼儿学位1800个"
    rows += [(n, "new", seats, text) for n, seats in moved.items()]
    rows += [(n, "expansion", seats, text) for n, seats in zip(POLICY_KINDERGARTENS_ENLARGED, share)]
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
    ap.add_argument(
        "--geo", type=Path, required=True, help="folder of the real place data (the files data/README.md lists)"
    )
    ap.add_argument("--out", type=Path, default=Path("data"), help="output folder")
    args = ap.parse_args()
    main(args.geo, args.out)
