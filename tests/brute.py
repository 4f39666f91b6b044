"""The optimum of a tiny district by enumeration, from the raw tables and the scenario's
numbers alone: no code of :mod:`layout_opt.model`, :mod:`layout_opt.check` or
:mod:`layout_opt.schema`, and no :class:`~layout_opt.Scenario` helper (the policy's
tables are restated here and in :mod:`tests.tiny`).

The rules, as the policy and ``README.md`` state them:

* **pupil groups**: the pupils of a village, school level and entry year; those enrolled
  today also by today's school and mode (split over today's schools by largest
  remainders); pupils beyond today's count are *arrivals*; grade-1, -7 and -10 pupils of
  a plan year are *entrants*;
* **catchments** (划片): each village and band has one catchment position (school and
  mode) a year; it stays while its school is open and the position allowed;
* **where groups go**: entrants and arrivals in their first year, and pupils whose school
  closes, no longer teaches their grade or is no longer allowed by the trip rules, go to
  the catchment; the others stay where they were, in the same mode (or, when only the
  mode is no longer allowed, or in grade 4 when upper primary may board, in another mode
  at the same school); with reassignment allowed a group may also move to the catchment
  at a price;
* **positions**: a day trip within the band's day limit; boarding for bands that may
  board, within the boarding limit, at a school with beds or that may add them, beyond
  the day limit or from ``boarding_min_km``; in the village's catchment zone (a town, the
  subdistricts together, or the district) for compulsory bands, or at the group's own
  school of today; a kept small school only for its own village;
* **capacity**: classes per grade at the class caps (one mixed class group at a teaching
  point), a classroom per class, the school-size cap (today's class size and size for
  schools over them before ``caps_from_year``), a bed per boarder; classrooms and beds
  only where the three concentrations allow, cumulative;
* **closures**: only candidates (teaching points and small schools teaching a planned
  band), never reopened, at least the target in the last year (``-1``: as many as
  possible); high schools outside the main urban area close in the relocation year,
  planned projects open in their year;
* **boarding schools per town**: every town (镇) keeps ``boarding_schools_per_town``
  schools of grades 4-6 and of grades 7-9 open, each with ``min_boarding_beds`` beds and
  ``min_boarders`` boarders of the level;
* **money**: capital (added classrooms and beds, discounted to the year spent), running
  (a yearly cost per open school and teachers at the staffing ratio, at least
  ``min_teachers_per_class`` per class), buses (bused pupils / pupils a bus carries x the
  yearly cost of a bus, plus bus-km), boarding (per boarder-year), travel time valued,
  reassignment (per pupil moved) - yearly costs weighted by the appraisal years each plan
  year stands for.

Every combination of closure years, catchments, mode choices and boarding schools is
enumerated; :func:`brute_force` returns the cheapest plan, or ``None`` when none exists.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from layout_opt import Scenario

from .tiny import BAND_GRADES, KIND_GRADES, Tiny, _today

BANDS = tuple(BAND_GRADES)
#: The school level of each band and the grades of each level (小学 1-6, 初中 7-9, 高中 10-12).
LEVEL_OF_BAND = {"lower_primary": "primary", "upper_primary": "primary", "junior": "junior", "senior": "senior"}
LEVEL_GRADES = {"primary": (1, 2, 3, 4, 5, 6), "junior": (7, 8, 9), "senior": (10, 11, 12)}
#: The school-size cap of each kind (policy: 小学、初中、九年一贯制学校办学规模不超过2000人、2000人、2500人).
SIZE_CAP_OF_KIND = {
    "teaching_point": "school_cap_primary",
    "primary": "school_cap_primary",
    "central_primary": "school_cap_primary",
    "junior": "school_cap_junior",
    "nine_year": "school_cap_nine_year",
    "high": "school_cap_senior",
}
#: The class cap that sizes a classroom of each kind, and so its price.
ROOM_LEVEL_OF_KIND = {
    "teaching_point": "primary",
    "primary": "primary",
    "central_primary": "primary",
    "junior": "junior",
    "nine_year": "primary",
    "high": "senior",
}
SMALL_KINDS = ("primary", "central_primary", "junior", "nine_year")
#: Bands whose schools the town boarding rule counts, by level.
RULE_BANDS = {"primary": "upper_primary", "junior": "junior"}
FIRST_GRADES = (4, 7, 10)  # a band's first grade: a pupil who stays at the school chooses the mode anew
DAY, BOARDING = "day", "boarding"


def band_of(grade: int) -> str:
    return next(b for b, gs in BAND_GRADES.items() if grade in gs)


def level_of_grade(grade: int) -> str:
    return next(lv for lv, gs in LEVEL_GRADES.items() if grade in gs)


@dataclass
class Brute:
    """The optimum found by enumeration."""

    cost: float
    terms: dict[str, float]
    closed: dict[str, int]  # closure candidate -> first year closed
    placements: dict[
        tuple[int, str, int], dict[tuple[str, str], int]
    ]  # (year, village_id, grade) -> {(school, mode): pupils}
    catchments: dict[tuple[int, str, str], tuple[str, str]]  # (year, village_id, band) -> (school, mode)
    rooms_added: dict[str, int]
    beds_added: dict[str, int]
    n_closed: int
    plans: int = 0

    def school_of(self, year: int, vid: str, band: str) -> set[str]:
        """Schools the pupils of a village band attend in ``year``."""
        return {
            s
            for (y, v, g), where in self.placements.items()
            if y == year and v == vid and band_of(g) == band
            for (s, _), n in where.items()
            if n > 0
        }


@dataclass
class _Group:
    village: int
    level: str
    entry_year: int
    origin: tuple[str, str] | None
    pupils: list[int]
    grade: list[int]
    entrant: bool


@dataclass
class _World:
    """Everything the enumeration reads, derived from the tables and the scenario."""

    sc: Scenario
    years: list[int]
    vids: list[str]
    sids: list[str]
    info: dict[str, dict]
    groups: list[_Group]
    positions: dict[tuple[int, str], list[tuple]]  # (v, band) -> [(s, mode, minutes, km, bused)] in zone
    own_school_positions: dict[tuple[int, str, str], list[tuple]]  # (v, band, s) -> positions outside the zone
    catch_keys: list[tuple[int, str]]
    cands: list[str]
    rule_towns: list[str]
    year_weight: list[float]
    capital_weight: list[float]
    extra: dict = field(default_factory=dict)


def year_weights(sc: Scenario) -> tuple[list[float], list[float]]:
    """Appraisal years each plan year's yearly costs stand for (discounted), and the
    discount factor of money spent in each plan year: plan year ``y_k`` stands for the
    years up to the next one, the last for the rest of ``appraisal_years`` from the first."""
    ys = list(sc.years)
    end = max(ys[0] + sc.appraisal_years, ys[-1] + 1)
    d = 1.0 + sc.discount_rate
    w = [sum(d ** -(t - ys[0]) for t in range(a, b)) for a, b in zip(ys, [*ys[1:], end])]
    return w, [d ** -(y - ys[0]) for y in ys]


def _world(t: Tiny, sc: Scenario) -> _World:
    years = list(sc.years)
    K = len(years)
    base_year = 2023
    demand = t.demand(sc.years).copy()
    for b in BANDS:
        if b not in sc.bands:
            for g in BAND_GRADES[b]:
                demand[:, :, g - 1] = 0
    vkeys = [v.key for v in t.villages]
    vids = [t.vid(k) for k in vkeys]
    vil = {v.key: v for v in t.villages}
    _, s_today, _ = _today(t)
    zone_of_v = {}
    for v in t.villages:
        if sc.catchment_zones == "district":
            zone_of_v[v.key] = "all"
        elif sc.catchment_zones == "town":
            zone_of_v[v.key] = "urban" if t.kind_of_town(v.town) == "subdistrict" else v.town
        else:  # pragma: no cover - not used by the tiny districts
            raise ValueError(sc.catchment_zones)
    info: dict[str, dict] = {}
    for s in t.schools:
        h = vil[s.host]
        bands = tuple(b for b in BANDS if BAND_GRADES[b][0] in KIND_GRADES[s.kind])
        levels = {LEVEL_OF_BAND[b] for b in bands}
        enrol = sum(s_today[s.sid])
        grow = all(h.ur in getattr(sc, f"expand_ur_codes_{lv}") or (lv == "primary" and h.central) for lv in levels)
        cand = (
            s.status == "open"
            and (s.kind == "teaching_point" or (enrol < sc.small_school_pupils and s.kind in SMALL_KINDS))
            and any(b in sc.bands for b in bands)
        )
        avail = [
            not (s.status == "planned" and y < s.open_year)
            and not (s.kind == "high" and h.ur not in sc.senior_urban_ur_codes and y >= sc.senior_relocation_year)
            for y in years
        ]
        classes_today = max(s.classes if s.classes is not None else _classes_default(s, enrol), 1)
        per_class_today = math.ceil(enrol / classes_today)
        size_cap = getattr(sc, SIZE_CAP_OF_KIND[s.kind])
        info[s.sid] = dict(
            kind=s.kind,
            bands=bands,
            cand=cand,
            grow=grow,
            avail=avail,
            rooms=s.classrooms,
            beds=s.beds,
            host=s.host,
            town=h.town,
            zone=zone_of_v[s.host],
            planned_band=any(b in sc.bands for b in bands),
            max_rooms=s.max_added if grow and s.status != "planned" else 0,
            bed_var=grow and any(b in sc.boarding_bands for b in bands),
            room_cost=getattr(sc, f"class_cap_{ROOM_LEVEL_OF_KIND[s.kind]}") * sc.cost_per_added_seat_yuan,
            size_cap=size_cap,
            size_cap_today=max(size_cap, enrol),
            per_class_today=per_class_today,
        )
    sids = [s.sid for s in t.schools]
    minutes, km = t.travel.minutes, t.travel.km

    def pair_positions(i: int, b: str, s: str) -> list[tuple]:
        d = info[s]
        if b not in d["bands"]:
            return []
        if sc.small_schools_keep_own_village_only and d["cand"] and d["host"] != vkeys[i]:
            return []
        j = sids.index(s)
        tm, k_ = float(minutes[i, j]), float(km[i, j])
        if not math.isfinite(tm):
            return []
        day_limit = getattr(sc, f"day_limit_{b}_min")
        out = []
        if tm <= day_limit:
            out.append((s, DAY, tm, k_, k_ > sc.walk_threshold_km and b in sc.bus_bands))
        if (
            b in sc.boarding_bands
            and tm <= sc.boarding_limit_min
            and (d["beds"] > 0 or d["grow"])
            and (tm > day_limit or k_ >= sc.boarding_min_km)
        ):
            out.append((s, BOARDING, tm, k_, False))
        return out

    zoned = {b: sc.catchment_zones != "district" and b != "senior" for b in BANDS}
    positions: dict[tuple[int, str], list[tuple]] = {}
    own: dict[tuple[int, str, str], list[tuple]] = {}
    for i, vk in enumerate(vkeys):
        for b in BANDS:
            if b not in sc.bands:
                continue
            positions[(i, b)] = [
                p for s in sids if not zoned[b] or info[s]["zone"] == zone_of_v[vk] for p in pair_positions(i, b, s)
            ]
            for s in sids:
                if zoned[b] and info[s]["zone"] != zone_of_v[vk]:
                    own[(i, b, s)] = pair_positions(i, b, s)
    groups = _groups(t, sc, demand, base_year, vkeys, sids)
    has = {
        (i, b) for i in range(len(vkeys)) for b in sc.bands if demand[:, i, list(np.array(BAND_GRADES[b]) - 1)].sum()
    }
    towns = [c for c in t.towns if t.kind_of_town(c) == "town"] if sc.boarding_schools_per_town > 0 else []
    w, cw = year_weights(sc)
    return _World(
        sc=sc,
        years=years,
        vids=vids,
        sids=sids,
        info=info,
        groups=groups,
        positions=positions,
        own_school_positions=own,
        catch_keys=sorted(has, key=lambda x: (BANDS.index(x[1]), x[0])),
        cands=[s for s in sids if info[s]["cand"]],
        rule_towns=towns,
        year_weight=w,
        capital_weight=cw,
        extra={"K": K},
    )


def _classes_default(s, enrol: int) -> int:
    return 0 if s.status == "planned" else min(s.classrooms, max(1, math.ceil(enrol / 45)))


def _groups(t: Tiny, sc: Scenario, demand: np.ndarray, base_year: int, vkeys: list[str], sids: list[str]) -> list:
    """Pupil groups: entrants, arrivals and today's pupils by school and mode."""
    years = list(sc.years)
    origins: dict[tuple[int, int], list[tuple[str, str, int]]] = {}  # (v, grade0) -> [(school, mode, pupils)]
    if t.attendance is not None:
        for vk, sid, g, n, boarders in t.attendance:
            if band_of(g) not in sc.bands:
                continue
            i = vkeys.index(vk)
            for mode, m in ((DAY, n - boarders), (BOARDING, boarders)):
                if m > 0:
                    origins.setdefault((i, g), []).append((sid, mode, m))
        for key in origins:
            origins[key].sort(key=lambda x: (sids.index(x[0]), x[1] == BOARDING))
    by_key: dict[tuple, _Group] = {}

    def add(key: tuple, k: int, n: int, grade: int, level: str, v: int, entry: int, origin, entrant) -> None:
        if n <= 0:
            return
        if key not in by_key:
            first = LEVEL_GRADES[level][0]
            grade_of = [first + (y - entry) for y in years]
            grade_of = [g if g in LEVEL_GRADES[level] else 0 for g in grade_of]
            by_key[key] = _Group(v, level, entry, origin, [0] * len(years), grade_of, entrant)
        by_key[key].pupils[k] += n

    for k, y in enumerate(years):
        for v in range(len(vkeys)):
            for g in range(1, 13):
                d = int(demand[k, v, g - 1])
                if d <= 0:
                    continue
                level = level_of_grade(g)
                first = LEVEL_GRADES[level][0]
                entry = y - (g - first)
                g0 = g - (y - base_year)
                if g0 < first:
                    add((level, v, entry, "entrant"), k, d, g, level, v, entry, None, True)
                    continue
                known = origins.get((v, g0), [])
                total = sum(n for _, _, n in known)
                cont = min(d, total)
                add((level, v, entry, "arrival"), k, d - cont, g, level, v, entry, None, False)
                if cont:
                    shares = _largest_remainder([cont * n / total for _, _, n in known])
                    for (s, mode, _), n in zip(known, shares):
                        add((level, v, entry, "enrolled", s, mode), k, n, g, level, v, entry, (s, mode), False)
    return list(by_key.values())


def _largest_remainder(values: list[float]) -> list[int]:
    floor = [math.floor(x + 1e-9) for x in values]
    need = round(sum(values)) - sum(floor)
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floor[i]), i))
    for i in order[:need]:
        floor[i] += 1
    return floor


def brute_force(t: Tiny, sc: Scenario, max_plans: int = 300_000, allow_reopen: bool = False) -> Brute | None:
    """The cheapest plan of ``t`` under ``sc`` by enumeration (see the module docstring);
    ``None`` when no plan satisfies the rules.  ``allow_reopen`` drops the rule that a
    closed school stays closed (to show that an instance depends on it).

    Raises
    ------
    RuntimeError
        When the instance has more than ``max_plans`` combinations to try.
    """
    W = _world(t, sc)
    K = len(W.years)
    best: tuple | None = None
    best_plan: Brute | None = None
    plans = 0
    if allow_reopen:
        per_cand = list(itertools.product([True, False], repeat=K))
    else:  # open in the years before some year, closed from then on
        per_cand = [tuple(k < stop for k in range(K)) for stop in range(K + 1)]
    n_cands_total = len(W.cands)
    if sc.closure_target > n_cands_total:
        return None
    for pattern in itertools.product(per_cand, repeat=len(W.cands)):
        opens = dict(zip(W.cands, pattern))
        is_open = {
            s: [W.info[s]["avail"][k] and (not W.info[s]["cand"] or opens[s][k]) for k in range(K)] for s in W.sids
        }
        n_closed = sum(1 for s in W.cands if not is_open[s][K - 1])
        if sc.closure_target > 0 and n_closed < sc.closure_target:
            continue
        if best is not None and sc.closure_target == -1 and n_closed < -best[0]:
            continue
        catch_options = [_catchment_sequences(W, key, is_open) for key in W.catch_keys]
        for catch_choice in itertools.product(*catch_options):
            catch = dict(zip(W.catch_keys, catch_choice))
            for placement, moved in _placements(W, catch, is_open):
                plans += 1
                if plans > max_plans:
                    raise RuntimeError("instance too large for brute force")
                result = _evaluate(W, is_open, placement, moved)
                if result is None:
                    continue
                cost, terms, rooms, beds = result
                key = (-n_closed if sc.closure_target == -1 else 0, cost)
                if best is None or key < best:
                    best = key
                    best_plan = _as_brute(W, opens, catch, placement, cost, terms, rooms, beds, n_closed)
    if best_plan is not None:
        best_plan.plans = plans
    return best_plan


def _catchment_sequences(W: _World, key: tuple[int, str], is_open: dict) -> list[tuple]:
    """Every sequence of yearly catchment positions of a village band: an open allowed
    position each year (None where there is none); it stays while allowed and open."""
    K = len(W.years)
    seqs: list[tuple] = [()]
    for k in range(K):
        available = [p for p in W.positions[key] if W.info[p[0]]["avail"][k]]
        options = [p for p in available if is_open[p[0]][k]]
        if available and not options:
            return []  # a village band keeps a catchment school every year it has one within reach
        nxt = []
        for seq in seqs:
            prev = seq[-1] if seq else None
            if prev is not None and prev in options:
                nxt.append((*seq, prev))
            elif options:
                nxt += [(*seq, p) for p in options]
            else:
                nxt.append((*seq, None))
        seqs = nxt
    return seqs


def _group_positions(W: _World, q: _Group, band: str, k: int) -> list[tuple]:
    """Positions group ``q`` may take in year ``k`` (schools available), open or not."""
    out = list(W.positions[(q.village, band)])
    if q.origin is not None:
        out += W.own_school_positions.get((q.village, band, q.origin[0]), [])
    return [p for p in out if W.info[p[0]]["avail"][k]]


def _placements(W: _World, catch: dict, is_open: dict):
    """Every way the groups follow the rules, given the closures and catchments: yields
    (placement per group and year, pupils moved by reassignment per year)."""
    K = len(W.years)
    sc = W.sc
    per_group: list[list[tuple]] = []
    for q in W.groups:
        ways: list[tuple[tuple, tuple]] = [((), ())]  # (positions by year, moved by year)
        for k in range(K):
            n = q.pupils[k]
            nxt = []
            for seq, mv in ways:
                if n <= 0:
                    nxt.append(((*seq, None), (*mv, 0)))
                    continue
                band = band_of(q.grade[k])
                prev = seq[-1] if seq and seq[-1] is not None else None
                if prev is None and q.origin is not None and k == next(j for j in range(K) if q.pupils[j] > 0):
                    prev = (q.origin[0], q.origin[1])
                c = catch.get((q.village, band), [None] * K)[k]
                if prev is None:
                    if c is None:
                        continue
                    nxt.append(((*seq, c), (*mv, 0)))
                    continue
                s0, m0 = prev[0], prev[1]
                allowed = [p for p in _group_positions(W, q, band, k) if is_open[p[0]][k]]
                # the same mode, but a band's first grade (4, 7, 10) chooses its mode anew
                same = [p for p in allowed if p[0] == s0 and p[1] == m0 and q.grade[k] not in FIRST_GRADES]
                at_school = [p for p in allowed if p[0] == s0]
                stays = same or at_school
                for p in stays:
                    nxt.append(((*seq, p), (*mv, 0)))
                if (not stays or sc.allow_reassignment) and c is not None and c[0] != s0:
                    nxt.append(((*seq, c), (*mv, n if stays else 0)))
            ways = nxt
        if not ways:
            return
        per_group.append(ways)
    for combo in itertools.product(*per_group):
        yield [c[0] for c in combo], [c[1] for c in combo]


def _evaluate(W: _World, is_open: dict, placement: list, moved: list):
    """Capacity, boarding schools and money of one plan: None if it breaks a rule, else
    (cost, terms, classrooms added, beds added)."""
    sc = W.sc
    K = len(W.years)
    info = W.info
    w, cw = W.year_weight, W.capital_weight
    value = sc.value_of_time_yuan_per_hour / 60.0
    trips = {DAY: 2 * sc.school_days_per_year, BOARDING: 2 * sc.boarding_weeks_per_year}
    seats = sc.bus_seats * sc.bus_load_factor
    km_per_pupil_km = 2.0 * sc.bus_runs_per_day / seats
    r, n_life = sc.discount_rate, sc.bus_life_years
    annuity = sc.bus_price_yuan / n_life if r == 0 else sc.bus_price_yuan * r / (1 - (1 + r) ** -n_life)
    bus_year = annuity + sc.bus_driver_yuan_per_year + sc.bus_attendant_yuan_per_year + sc.bus_upkeep_yuan_per_year
    terms = dict.fromkeys(("capital", "running", "buses", "boarding", "travel", "reassignment"), 0.0)
    room_need = {s: [0] * K for s in W.sids}
    boarders_of = {s: [0] * K for s in W.sids}
    level_boarders = {(s, lv): [0] * K for s in W.sids for lv in ("primary", "junior")}
    for k in range(K):
        grade_load = {s: [0] * 12 for s in W.sids}
        teach_need = {s: 0.0 for s in W.sids}
        bused = {s: 0 for s in W.sids}
        for q, seq, mv in zip(W.groups, placement, moved):
            p = seq[k]
            if p is None:
                continue
            n = q.pupils[k]
            s, mode, tm, km, is_bused = p
            g = q.grade[k]
            level = level_of_grade(g)
            grade_load[s][g - 1] += n
            teach_need[s] += n / getattr(sc, f"pupils_per_teacher_{level}")
            terms["travel"] += w[k] * n * tm * trips[mode] * value
            terms["reassignment"] += cw[k] * mv[k] * sc.reassignment_cost_yuan_per_pupil
            if mode == BOARDING:
                boarders_of[s][k] += n
                if level in ("primary", "junior"):
                    level_boarders[(s, level)][k] += n
                terms["boarding"] += w[k] * n * sc.boarding_cost_yuan_per_pupil_year
            if is_bused:
                bused[s] += n
                terms["buses"] += w[k] * n * km * km_per_pupil_km * sc.school_days_per_year * sc.bus_cost_yuan_per_km
        early = W.years[k] < sc.caps_from_year
        for s in W.sids:
            d = info[s]
            load = grade_load[s]
            if sum(load) and not is_open[s][k]:  # pragma: no cover - placements are at open schools
                return None
            classes = 0
            for b in d["bands"]:
                cap = getattr(sc, f"class_cap_{LEVEL_OF_BAND[b]}")
                if d["kind"] == "teaching_point":
                    cap = sc.class_cap_teaching_point
                if early:
                    cap = max(cap, d["per_class_today"])
                if d["kind"] == "teaching_point":
                    classes += math.ceil(sum(load[g - 1] for g in BAND_GRADES[b]) / cap - 1e-9)
                else:
                    classes += sum(math.ceil(load[g - 1] / cap - 1e-9) for g in BAND_GRADES[b])
            room_need[s][k] = max(classes - d["rooms"], 0)
            if room_need[s][k] > d["max_rooms"]:
                return None
            if sum(load) > (d["size_cap_today"] if early else d["size_cap"]):
                return None
            if boarders_of[s][k] > d["beds"] and not d["bed_var"]:
                return None
            if is_open[s][k] and d["planned_band"]:
                teachers = max(teach_need[s], sc.min_teachers_per_class * classes)
                terms["running"] += w[k] * (sc.school_cost_yuan_per_year + teachers * sc.teacher_cost_yuan_per_year)
            terms["buses"] += w[k] * bus_year * bused[s] / seats
    rooms = {s: _running_max(room_need[s]) for s in W.sids}
    for s in W.sids:
        terms["capital"] += info[s]["room_cost"] * _spent(rooms[s], cw)
    best_beds = _beds(W, is_open, boarders_of, level_boarders)
    if best_beds is None:
        return None
    bed_cost, beds = best_beds
    terms["capital"] += bed_cost
    return sum(terms.values()), terms, {s: rooms[s][-1] for s in W.sids}, beds


def _running_max(xs: list[int]) -> list[int]:
    out, m = [], 0
    for x in xs:
        m = max(m, x)
        out.append(m)
    return out


def _spent(cumulative: list[int], cw: list[float]) -> float:
    """Discounted units bought: each year's increase at that year's discount factor."""
    return sum((c - (cumulative[k - 1] if k else 0)) * cw[k] for k, c in enumerate(cumulative))


def _beds(W: _World, is_open: dict, boarders_of: dict, level_boarders: dict):
    """The cheapest beds: a bed per boarder, and for every town and level enough boarding
    schools (open, ``min_boarding_beds`` beds, ``min_boarders`` boarders of the level);
    None when a town cannot have them."""
    sc, info, K = W.sc, W.info, len(W.years)
    choices_by_year: list[list[tuple[str, ...]]] = []
    need_n = sc.boarding_schools_per_town
    for k in range(K):
        rules = []
        for town in W.rule_towns:
            for level, band in RULE_BANDS.items():
                if band not in sc.bands:
                    continue
                members = [
                    s
                    for s in W.sids
                    if info[s]["town"] == town
                    and band in info[s]["bands"]
                    and (info[s]["beds"] >= sc.min_boarding_beds or info[s]["bed_var"])
                ]
                if len([s for s in members if info[s]["avail"][k]]) < need_n:
                    return None
                usable = [
                    s
                    for s in members
                    if is_open[s][k]
                    and level_boarders[(s, level)][k] >= sc.min_boarders
                    and (info[s]["beds"] >= sc.min_boarding_beds or info[s]["bed_var"])
                ]
                if len(usable) < need_n:
                    return None
                rules.append(list(itertools.combinations(usable, need_n)))
        year_choices = [tuple(sorted({s for c in combo for s in c})) for combo in itertools.product(*rules)]
        choices_by_year.append(sorted(set(year_choices)) or [()])
    best = None
    for combo in itertools.product(*choices_by_year):
        cost = 0.0
        beds = {}
        for s in W.sids:
            need = [
                max(
                    boarders_of[s][k] - info[s]["beds"],
                    sc.min_boarding_beds - info[s]["beds"] if s in combo[k] else 0,
                    0,
                )
                for k in range(K)
            ]
            cum = _running_max(need)
            cost += sc.cost_per_added_bed_yuan * _spent(cum, W.capital_weight)
            beds[s] = cum[-1]
        if best is None or cost < best[0] - 1e-9:
            best = (cost, beds)
    return best


def _as_brute(W: _World, opens, catch, placement, cost, terms, rooms, beds, n_closed) -> Brute:
    K = len(W.years)
    closed = {s: W.years[opens[s].index(False)] for s in W.cands if not all(opens[s])}
    places: dict = {}
    for q, seq in zip(W.groups, placement):
        for k, p in enumerate(seq):
            if p is None:
                continue
            key = (W.years[k], W.vids[q.village], q.grade[k])
            where = places.setdefault(key, {})
            where[(p[0], p[1])] = where.get((p[0], p[1]), 0) + q.pupils[k]
    catchments = {
        (W.years[k], W.vids[v], b): (seq[k][0], seq[k][1])
        for (v, b), seq in catch.items()
        for k in range(K)
        if seq[k] is not None
    }
    return Brute(
        cost=cost,
        terms=terms,
        closed=closed,
        placements=places,
        catchments=catchments,
        rooms_added=rooms,
        beds_added=beds,
        n_closed=n_closed,
    )
