"""School registries: where schools stand, who attends them today, classes and classrooms."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..schema import BANDS_OF_KIND, ENROLMENT_COLUMNS, GRADES_OF_BAND, band_of_grade
from ..schema import SCHOOL_GRADE_COLUMNS as GRADE_COLUMNS
from .constants import CLASS_CAP_OF_LEVEL, MIXED_CLASS_CAP
from .people import _round_to_total

logger = logging.getLogger(__name__)


def stem_of(name: str) -> str:
    """Short place name of a village-level unit: 东赵村村民委员会 -> 东赵."""
    for suffix in ("村村民委员会", "社区居民委员会", "村民委员会", "居民委员会", "社区", "村"):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return stem if len(stem) > 1 else stem + "村"
    return name


def _nearest(xy: np.ndarray, candidates: np.ndarray, cand_xy: np.ndarray) -> np.ndarray:
    if len(candidates) == 0:
        return np.full(len(xy), -1)
    _, k = cKDTree(cand_xy).query(xy)
    return candidates[k]


def current_enrolment(
    villages: pd.DataFrame,
    schools: pd.DataFrame,
    rng: np.random.Generator,
    local_share: tuple[float, float] = (0.6, 1.0),
    drift_share: tuple[float, float] = (0.0, 0.6),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Today's pupils per school and grade, and which school each village's pupils attend.

    Each village sends each band to the nearest school of its town that teaches it
    (straight line; for grades 4-12 the distance to a school is divided by its optional
    ``catchment_weight``, so that e.g. a boarding primary draws the grades 4-6 of villages
    up to that many times farther than their nearest school); a village with its own
    teaching point or primary keeps a random
    share of grades 1-3 there and sends the rest to the town's central primary.  Senior
    pupils spread over the high schools by a gravity rule (``draw_weight`` / distance,
    where the optional ``draw_weight`` column says how strongly a school draws).  Every
    pupil is counted exactly once.  Primary pupils of a village whose school is not its
    town's central primary drift there in a random share (``drift_share``; 进城上学), so
    village schools shrink and town schools fill.

    Parameters
    ----------
    villages : pandas.DataFrame
        ``village_id``, ``town_code``, ``x``, ``y``, ``g1``..``g12``.
    schools : pandas.DataFrame
        ``school_id``, ``town_code``, ``kind``, ``x``, ``y``, ``village_id`` (host unit),
        ``status``; optionally ``draw_weight`` (senior) and ``catchment_weight``.
    rng : numpy.random.Generator
        Draws the local and drifting shares.
    local_share, drift_share : tuple of float
        Ranges of the shares kept by a village's own school (grades 1-3) and drifting to
        the town's central primary (grades 1-6).

    Returns
    -------
    enrolment : pandas.DataFrame
        Indexed like ``schools``, columns ``g1``..``g12``.
    attendance : pandas.DataFrame
        One row per village, school and grade with pupils: ``village_id``,
        ``school_id``, ``grade`` and ``pupils`` (>= 1), sorted by village, school and
        grade.  Summed by school it is ``enrolment``; summed by village, the villages'
        ``g1``..``g12``.
    """
    enrol = np.zeros((len(schools), 12), dtype=np.int64)
    # (village row, school row, grade column, pupils) of every placement
    moves: list[tuple[int, int, np.ndarray, np.ndarray]] = []

    def place(vi: int, si: int, cols: list[int], pupils: np.ndarray) -> None:
        enrol[si, cols] += pupils
        moves.append((vi, si, np.asarray(cols), np.asarray(pupils, dtype=np.int64)))

    sxy = schools[["x", "y"]].to_numpy(float)
    vxy = villages[["x", "y"]].to_numpy(float)
    active = (schools["status"] == "open").to_numpy()
    kinds = schools["kind"].to_numpy()
    s_town = schools["town_code"].astype(str).to_numpy()
    v_town = villages["town_code"].astype(str).to_numpy()
    host = {
        vid: k
        for k, vid in enumerate(schools["village_id"])
        if active[k] and kinds[k] in ("teaching_point", "primary", "central_primary", "nine_year")
    }
    reach = schools["catchment_weight"].to_numpy(float) if "catchment_weight" in schools.columns else None
    grades = villages[list(GRADE_COLUMNS)].to_numpy(np.int64)
    central_of_town = {s_town[k]: k for k in range(len(schools)) if kinds[k] == "central_primary" and active[k]}
    for band, gr in GRADES_OF_BAND.items():
        teaches = np.array([band in BANDS_OF_KIND[k] for k in kinds]) & active
        if max(gr) > grades.shape[1] or not teaches.any():
            continue  # grades the table does not hold (kindergartens), or no school teaches them
        if band == "upper_primary" or band == "lower_primary":
            complete = teaches & (kinds != "teaching_point")
        else:
            complete = teaches
        cols = [g - 1 for g in gr]
        if band == "senior":
            pool = np.flatnonzero(complete)
            if len(pool) == 0:
                continue
            weight = (
                schools["draw_weight"].to_numpy(float)[pool] if "draw_weight" in schools.columns else np.ones(len(pool))
            )
            for vi in range(len(villages)):
                d = np.hypot(sxy[pool, 0] - vxy[vi, 0], sxy[pool, 1] - vxy[vi, 1]) + 3_000.0
                share = weight / d
                for c in cols:
                    split = _round_to_total(grades[vi, c] * share / share.sum(), int(grades[vi, c]))
                    for k in np.flatnonzero(split):
                        place(vi, int(pool[k]), [c], split[k : k + 1])
            continue
        for vi in range(len(villages)):
            pool = np.flatnonzero(complete & (s_town == v_town[vi]))
            if len(pool) == 0:
                pool = np.flatnonzero(complete)
            if reach is not None and band != "lower_primary":
                d = np.hypot(sxy[pool, 0] - vxy[vi, 0], sxy[pool, 1] - vxy[vi, 1]) / reach[pool]
                target = int(pool[np.argmin(d)])
            else:
                target = int(_nearest(vxy[vi : vi + 1], pool, sxy[pool])[0])
            pupils = grades[vi, cols]
            if band == "lower_primary" and villages["village_id"].iloc[vi] in host:
                local = host[villages["village_id"].iloc[vi]]
                if local != target:
                    stay = np.floor(pupils * rng.uniform(*local_share)).astype(np.int64)
                    place(vi, local, cols, stay)
                    pupils = pupils - stay
            hub = central_of_town.get(v_town[vi], -1)
            if band in ("lower_primary", "upper_primary") and hub >= 0 and hub != target:
                moved = np.floor(pupils * rng.uniform(*drift_share)).astype(np.int64)
                place(vi, hub, cols, moved)
                pupils = pupils - moved
            place(vi, target, cols, pupils)
    enrolment = pd.DataFrame(enrol, columns=list(GRADE_COLUMNS), index=schools.index)
    return enrolment, _attendance_table(moves, villages, schools)


def _attendance_table(
    moves: list[tuple[int, int, np.ndarray, np.ndarray]], villages: pd.DataFrame, schools: pd.DataFrame
) -> pd.DataFrame:
    """Placements (village row, school row, grade columns, pupils) summed into attendance rows."""
    columns = ["village_id", "school_id", "grade", "pupils"]
    if not moves:
        return pd.DataFrame({c: pd.Series(dtype=object if c.endswith("_id") else "int64") for c in columns})
    vi = np.concatenate([np.full(len(c), v) for v, _, c, _ in moves])
    si = np.concatenate([np.full(len(c), s) for _, s, c, _ in moves])
    grade = np.concatenate([c for _, _, c, _ in moves]) + 1
    pupils = np.concatenate([p for _, _, _, p in moves])
    table = pd.DataFrame(
        {
            "village_id": villages["village_id"].astype(str).to_numpy()[vi],
            "school_id": schools["school_id"].astype(str).to_numpy()[si],
            "grade": grade.astype(np.int64),
            "pupils": pupils.astype(np.int64),
        }
    )
    table = table.groupby(["village_id", "school_id", "grade"], as_index=False, sort=True)["pupils"].sum()
    return table[table["pupils"] > 0].reset_index(drop=True)


#: Share of the pupils living at least ``min_distance_m`` from a school with beds who
#: board there today, by band; grades 1-3 do not board (国办发〔2018〕27号).
BOARDING_SHARE_OF_BAND: dict[str, float] = {"upper_primary": 0.5, "junior": 0.7, "senior": 0.8}


def today_boarders(
    attendance: pd.DataFrame,
    schools: pd.DataFrame,
    villages: pd.DataFrame,
    capacity: pd.Series | None = None,
    share_of_band: dict[str, float] | None = None,
    min_distance_m: float = 2_500.0,
) -> np.ndarray:
    """Who boards today: boarders per attendance row.

    At a school with room for boarders, the pupils of a village at least
    ``min_distance_m`` away (straight line) board in their band's share (rounded down);
    where they are more than the room, the nearest villages' pupils ride by day instead,
    so the farthest board first.  Grades 1-3 and bands without a share never board.

    Parameters
    ----------
    attendance : pandas.DataFrame
        ``village_id``, ``school_id``, ``grade``, ``pupils`` (from :func:`current_enrolment`).
    schools : pandas.DataFrame
        ``school_id``, ``x``, ``y`` and ``beds``.
    villages : pandas.DataFrame
        ``village_id``, ``x``, ``y``.
    capacity : pandas.Series, optional
        Room for boarders per ``school_id``; by default the schools' ``beds``.
    share_of_band : dict[str, float], optional
        Boarding share by band; by default :data:`BOARDING_SHARE_OF_BAND`.
    min_distance_m : float
        Pupils living closer than this ride or walk by day.

    Returns
    -------
    numpy.ndarray
        Boarders per attendance row (int64), ``0 <= boarders <= pupils``; summed by
        school at most its capacity.
    """
    shares = BOARDING_SHARE_OF_BAND if share_of_band is None else share_of_band
    room = (
        schools.set_index(schools["school_id"].astype(str))["beds"].astype(float)
        if capacity is None
        else capacity.astype(float)
    )
    sxy = schools.set_index(schools["school_id"].astype(str))[["x", "y"]]
    vxy = villages.set_index(villages["village_id"].astype(str))[["x", "y"]]
    sid = attendance["school_id"].astype(str).to_numpy()
    a = sxy.loc[sid].to_numpy(float)
    b = vxy.loc[attendance["village_id"].astype(str).to_numpy()].to_numpy(float)
    distance = np.hypot(a[:, 0] - b[:, 0], a[:, 1] - b[:, 1])
    share = np.array([shares.get(band_of_grade(int(g)), 0.0) for g in attendance["grade"]])
    share[attendance["grade"].to_numpy() <= 3] = 0.0
    wish = np.floor(attendance["pupils"].to_numpy(np.int64) * share).astype(np.int64)
    wish[distance < min_distance_m] = 0
    boarders = np.zeros(len(attendance), dtype=np.int64)
    for school in np.unique(sid[wish > 0]):
        rows = np.flatnonzero((sid == school) & (wish > 0))
        left = int(room.get(school, 0.0)) if np.isfinite(room.get(school, 0.0)) else int(wish[rows].sum())
        for k in rows[np.argsort(-distance[rows], kind="stable")]:
            take = min(int(wish[k]), max(left, 0))
            boarders[k] = take
            left -= take
    return boarders


def size_classrooms(
    schools: pd.DataFrame,
    enrol: pd.DataFrame,
    rng: np.random.Generator,
    overcrowded_ids: Sequence[str] = (),
) -> pd.DataFrame:
    """Classrooms, current classes, beds and room to expand for each school.

    Existing schools form their classes at a usual size below the policy cap (rural
    schools 28-40 pupils, town and urban schools 36-45) and have a few spare rooms, as
    districts with falling enrolment do; ``overcrowded_ids`` get fewer rooms than the caps
    need, so their classes run over the cap (大班额).  Teaching points run mixed-grade
    classes (复式班).

    Returns
    -------
    pandas.DataFrame
        ``classes``, ``classrooms``, ``max_added_classrooms`` indexed like ``schools``.
    """
    out = pd.DataFrame(index=schools.index, columns=["classes", "classrooms", "max_added_classrooms"], dtype="int64")
    for k, s in schools.iterrows():
        e = enrol.loc[k]
        if s["status"] == "planned":
            out.loc[k] = [0, int(s["classrooms"]), 0]
            continue
        if s["kind"] == "teaching_point":
            n = int(e[["g1", "g2", "g3"]].sum())
            classes = max(1, math.ceil(n / MIXED_CLASS_CAP))
            out.loc[k] = [classes, classes + int(rng.integers(0, 2)), 0]
            continue
        classes = 0
        ur = int(s["ur_code"])
        usual = rng.uniform(28, 40) if ur in (210, 220) else rng.uniform(36, 45)
        for g in range(1, 13):
            pupils = int(e[f"g{g}"])
            if pupils == 0:
                continue
            level = "primary" if g <= 6 else ("junior" if g <= 9 else "senior")
            cap = min(usual, CLASS_CAP_OF_LEVEL[level])
            if s["school_id"] in overcrowded_ids:
                cap = int(round(CLASS_CAP_OF_LEVEL[level] * rng.uniform(1.12, 1.25)))
            classes += math.ceil(pupils / cap)
        classes = max(classes, 1)
        spare = 0 if s["school_id"] in overcrowded_ids else int(rng.integers(0, 4))
        room = int(rng.integers(6, 25)) if ur in (111, 112, 121, 122) else int(rng.integers(0, 4))
        out.loc[k] = [classes, classes + spare, room]
    return out.astype("int64")


def room_for_cohorts(
    schools: pd.DataFrame, villages: pd.DataFrame, attendance: pd.DataFrame, years_ahead: int = 3
) -> pd.Series:
    """Room to grow that lets each open junior school take the cohorts moving up to it.

    A town's junior schools are the only ones its pupils may attend (catchments within
    the town), so a junior school whose feeder villages have larger primary cohorts than
    its grades 7-9 today needs classrooms for them within ``years_ahead`` years.  Its
    future pupils of grade ``g`` are today's grade ``g - t`` of the villages that send
    their grades 7-9 to it (``t = 0 .. years_ahead``), in classes of the policy cap with
    5 % to spare (the forecast moves cohorts between villages).

    Parameters
    ----------
    schools : pandas.DataFrame
        From :func:`equip_schools`: ``school_id``, ``kind``, ``status``, ``classrooms``,
        ``max_added_classrooms``.
    villages : pandas.DataFrame
        ``village_id`` and ``g1``..``g12``.
    attendance : pandas.DataFrame
        Today's attendance (``village_id``, ``school_id``, ``grade``, ``pupils``).
    years_ahead : int
        How far ahead the cohorts are followed.

    Returns
    -------
    pandas.Series
        ``max_added_classrooms`` indexed like ``schools``: never less than before.
    """
    room = schools["max_added_classrooms"].astype("int64").copy()
    cap = CLASS_CAP_OF_LEVEL["junior"]
    by_village = villages.set_index("village_id")
    junior = attendance[attendance["grade"].between(7, 9)]
    feeders = junior.groupby("school_id")["village_id"].unique()
    for k, s in schools.iterrows():
        if s["kind"] != "junior" or s["status"] != "open" or s["school_id"] not in feeders.index:
            continue
        cohorts = by_village.loc[feeders[s["school_id"]], [f"g{g}" for g in range(1, 13)]].sum().to_numpy()
        classes = max(
            sum(math.ceil(1.05 * cohorts[g - 1 - t] / cap) for g in range(7, 10)) for t in range(years_ahead + 1)
        )
        room.loc[k] = max(int(room.loc[k]), classes - int(s["classrooms"]))
    return room


def school_sites(
    villages: pd.DataFrame,
    towns: pd.DataFrame,
    rng: np.random.Generator,
    high_schools: int = 2,
    teaching_point_share: float = 0.55,
    primary_min_population: int = 1_500,
    boarding_share: float = 1.0,
) -> pd.DataFrame:
    """Where a Chinese rural district has its schools, before enrolment is counted.

    Every town seat gets a central primary and a junior school, with boarding beds in
    the share ``boarding_share`` of the towns (by default all: the policy keeps a boarding
    primary and junior school in every town, 每镇至少1所寄宿制小学、初中); subdistricts
    get urban primaries and juniors sized to their pupils; central villages and larger
    villages get complete primaries; a share of the remaining villages gets a teaching
    point; the largest urban units get the high schools.

    Parameters
    ----------
    villages : pandas.DataFrame
        With ``village_id``, ``name``, ``town_code``, ``ur_code``, ``central_village``,
        ``population``, ``x``, ``y`` and ``g1``..``g12``.
    towns : pandas.DataFrame
        ``town_code``, ``town``, ``town_kind`` (``town``/``subdistrict``), ``x``, ``y``.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        One row per school: ``name``, ``town_code``, ``kind``, ``village_id`` (host
        unit), ``ur_code``, ``x``, ``y``, ``status``, ``open_year``, ``planned_seats``,
        ``classrooms``, ``beds``.  Add rows for named or planned schools, then call
        :func:`equip_schools`.
    """
    rows: list[dict] = []
    vx = villages.set_index("village_id")

    def add(kind: str, vid: str, name: str, town_code: str, offset: float = 120.0, beds: int = 0) -> None:
        rows.append(school_row(vx.loc[vid], kind, name, town_code, rng, offset=offset, beds=beds))

    has_primary: set[str] = set()
    for _, t in towns.iterrows():
        units = villages[villages["town_code"] == t["town_code"]]
        core = units[units["ur_code"].isin([111, 121])].sort_values("population", ascending=False)
        seat_vid = core["village_id"].iloc[0] if len(core) else units.loc[units["population"].idxmax(), "village_id"]
        if t["town_kind"] == "subdistrict":
            urban = units[units["ur_code"].isin([111, 112])].sort_values("population", ascending=False)
            if len(urban) == 0:
                urban = units.sort_values("population", ascending=False)
            prim = int(urban[[f"g{g}" for g in range(1, 7)]].to_numpy().sum())
            for k, vid in enumerate(urban["village_id"].iloc[: max(1, math.ceil(prim / 1_400))]):
                add("primary", vid, f"{t['town']}第{_ordinal_zh(k)}小学", t["town_code"])
                has_primary.add(vid)
            jun = int(urban[["g7", "g8", "g9"]].to_numpy().sum())
            for k, vid in enumerate(urban["village_id"].iloc[: max(1, math.ceil(jun / 1_500))]):
                add("junior", vid, f"{t['town']}第{_ordinal_zh(k)}初级中学", t["town_code"], offset=250.0)
        else:
            beds_p = int(rng.integers(10, 31)) * 10 if rng.random() < boarding_share else 0
            beds_j = int(rng.integers(20, 61)) * 10 if rng.random() < boarding_share + 0.15 else 0
            add("central_primary", seat_vid, f"{t['town']}中心小学", t["town_code"], beds=beds_p)
            has_primary.add(seat_vid)
            add("junior", seat_vid, f"{t['town']}初级中学", t["town_code"], offset=300.0, beds=beds_j)
    rural = villages[~villages["village_id"].isin(has_primary) & villages["ur_code"].isin([122, 210, 220])]
    big = rural[(rural["central_village"]) | (rural["population"] >= primary_min_population)]
    for _, v in big.iterrows():
        add("primary", v["village_id"], f"{stem_of(v['name'])}小学", v["town_code"])
        has_primary.add(v["village_id"])
    rest = rural[~rural["village_id"].isin(has_primary) & (rural["ur_code"] == 220)]
    n_tp = int(round(len(rest) * teaching_point_share))
    for _, v in rest.sort_values("population", kind="stable").iloc[:n_tp].iterrows():
        add("teaching_point", v["village_id"], f"{stem_of(v['name'])}教学点", v["town_code"])
    urban_units = villages[villages["ur_code"].isin([111, 112])].sort_values("population", ascending=False)
    for k in range(min(high_schools, len(urban_units))):
        vid = urban_units["village_id"].iloc[k]
        add("high", vid, f"第{_ordinal_zh(k)}高级中学", urban_units["town_code"].iloc[k], offset=400.0)
    return pd.DataFrame(rows)


_ZH_NUM = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五", "十六")


def _ordinal_zh(k: int) -> str:
    """Chinese ordinal for the k-th (0-based) school of a kind: 一, 二, ..., then digits."""
    return _ZH_NUM[k] if k < len(_ZH_NUM) else str(k + 1)


def school_row(
    host: pd.Series,
    kind: str,
    name: str,
    town_code: str,
    rng: np.random.Generator,
    offset: float = 120.0,
    beds: int = 0,
    status: str = "open",
    open_year: int = 0,
    planned_seats: int = 0,
    classrooms: int = 0,
) -> dict:
    """One school sited ``offset`` metres from its host unit ``host`` (a villages row
    indexed by ``village_id``), in a random direction."""
    ang = rng.uniform(0, 2 * math.pi)
    return {
        "name": name,
        "town_code": town_code,
        "kind": kind,
        "village_id": host.name,
        "ur_code": int(host["ur_code"]),
        "x": float(host["x"]) + offset * math.cos(ang),
        "y": float(host["y"]) + offset * math.sin(ang),
        "status": status,
        "open_year": open_year,
        "planned_seats": planned_seats,
        "classrooms": classrooms,
        "beds": beds,
    }


def equip_schools(
    sites: pd.DataFrame,
    villages: pd.DataFrame,
    rng: np.random.Generator,
    overcrowded_ids: Sequence[str] = (),
    overcrowded_share: float = 0.0,
    id_prefix: str = "S",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Give school sites ids, today's enrolment and boarders, classes, classrooms and room to grow.

    Enrolment and attendance come from :func:`current_enrolment`; classrooms from
    :func:`size_classrooms`; open high schools have beds for half their pupils; who
    boards today from :func:`today_boarders` (within each school's beds).

    Parameters
    ----------
    sites : pandas.DataFrame
        From :func:`school_sites`, possibly with extra rows.
    villages : pandas.DataFrame
        The villages the pupils come from.
    rng : numpy.random.Generator
        Source of randomness.
    overcrowded_ids : sequence of str
        Schools (by their new id) whose classes run over the caps.
    overcrowded_share : float
        Alternatively, the share of urban and town-seat schools to overcrowd.
    id_prefix : str
        Prefix of the generated ``school_id``.

    Returns
    -------
    schools : pandas.DataFrame
        The schools file's columns plus ``x``, ``y`` (metres).
    attendance : pandas.DataFrame
        Today's attendance, the columns of :data:`layout_opt.schema.ENROLMENT_COLUMNS`.
    """
    schools = sites.reset_index(drop=True).copy()
    schools.insert(0, "school_id", [f"{id_prefix}{k:04d}" for k in range(len(schools))])
    enrol, attendance = current_enrolment(villages, schools, rng)
    schools = pd.concat([schools, enrol], axis=1)
    over = list(overcrowded_ids)
    if overcrowded_share > 0:
        urban = schools[
            (schools["ur_code"].isin([111, 121]))
            & schools["kind"].isin(["primary", "central_primary", "junior"])
            & (schools["status"] == "open")
        ]
        over += (
            urban["school_id"].sample(frac=overcrowded_share, random_state=int(rng.integers(1 << 30))).tolist()
            if len(urban)
            else []
        )
    rooms = size_classrooms(schools, enrol, rng, overcrowded_ids=over)
    schools[["classes", "classrooms", "max_added_classrooms"]] = rooms
    high = (schools["kind"] == "high") & (schools["status"] == "open")
    schools.loc[high, "beds"] = (schools.loc[high, list(GRADE_COLUMNS)].sum(axis=1) * 0.5).round(-1).astype(int)
    schools["grades"] = [_grades_text(k) for k in schools["kind"]]
    attendance["boarders"] = today_boarders(attendance, schools, villages)
    return schools, attendance[list(ENROLMENT_COLUMNS)]


def _grades_text(kind: str) -> str:
    grades = sorted(g for b in BANDS_OF_KIND[kind] for g in GRADES_OF_BAND[b])
    return f"{grades[0]}-{grades[-1]}"
