"""Random tiny districts for the property tests, drawn by hypothesis.

:func:`tiny_cases` draws one school level at a time (the scenario plans only its bands, so
that the enumeration of :mod:`tests.brute` stays small) in a town seat and one or two
villages, and reaches the cases a plan of a real district meets:

* closure candidates (teaching points, small primaries, small junior and nine-year
  schools) and closure targets of 0, 1, 2 and "as many as possible";
* small class and school-size caps that bind (a school-size cap of 100-150 pupils);
* several plan years with pupils that change, and today's attendance (enrolled pupils
  who stay) or a plan from scratch;
* boarding: trips beyond the day limit, boarding from ``boarding_min_km``, schools with
  and without beds, towns (镇) that must keep boarding schools;
* a senior band with a high school outside the main urban area that closes in the
  relocation year;
* the policy's prices (running costs, teachers, buses) or travel and capital only, and
  reassignment of enrolled pupils at a price.
"""

from __future__ import annotations

from hypothesis import strategies as st

from .tiny import ECONOMICS, EXACT, JUNIOR, KIND_GRADES, LOWER, SENIOR, UPPER, S, Tiny, V, _today, grades

#: Minutes of a trip drawn for a village-school pair: within and beyond the day limits
#: (30 grades 1-3, 40 grades 4-6, 45 grades 7-9, 60 grades 10-12) and the boarding limit (90).
TRIPS = [1.0, 2.0, 5.0, 12.0, 25.0, 30.0, 35.0, 42.0, 44.0, 50.0, 62.0, 95.0]
LEVEL_BANDS = {"primary": (LOWER, UPPER), "junior": (JUNIOR,), "senior": (SENIOR,)}


def _band_pupils(draw, band: str, bands: tuple, most: int) -> tuple:
    if band not in bands:
        return ()
    return tuple(draw(st.integers(0, most)) for _ in range(3))


@st.composite
def tiny_cases(draw, max_villages: int = 2) -> tuple[Tiny, object]:
    """A tiny district and a scenario (see the module docstring)."""
    level = draw(st.sampled_from(["primary", "primary", "primary", "junior", "junior", "senior"]))
    bands = LEVEL_BANDS[level]
    n_years = draw(st.sampled_from([1, 1, 2, 2, 3])) if level != "senior" else 2
    years = (2024, 2025, 2026)[:n_years] if level != "senior" else (2025, 2026)
    town = draw(st.sampled_from(["town", "subdistrict"])) if level != "senior" else "subdistrict"
    small_caps = draw(st.sampled_from([False, False, True]))
    most = (12 if small_caps else 25) if level != "senior" else 15

    def pupils(key_band_most: int = most) -> list[int]:
        return grades(
            lower=_band_pupils(draw, LOWER, bands, key_band_most),
            upper=_band_pupils(draw, UPPER, bands, key_band_most),
            junior=_band_pupils(draw, JUNIOR, bands, key_band_most),
            senior=_band_pupils(draw, SENIOR, bands, key_band_most),
        )

    n_extra = draw(st.integers(1, max_villages))
    keys = ["C", "A", "B"][: n_extra + 1]
    villages = [V("C", pupils(), ur=121)]
    for key in keys[1:]:
        ur, central = draw(st.sampled_from([(220, False), (220, True), (122, False), (111, False)]))
        if level != "senior" and ur == 111:
            ur = 220
        villages.append(V(key, pupils(), ur=ur, central=central))
    minutes: dict[tuple[str, str], float] = {}
    km: dict[tuple[str, str], float] = {}
    schools: list[S] = []
    beds = st.sampled_from([0, 0, 30, 60])

    def trip(a: str, s: str, within: float | None = None) -> None:
        t = within if within is not None else draw(st.sampled_from(TRIPS))
        minutes[(a, s)] = t
        if draw(st.booleans()):
            km[(a, s)] = draw(st.sampled_from([1.5, 2.5, 4.0, 12.0]))

    if level == "primary":
        schools.append(
            S(
                "CP",
                "central_primary",
                "C",
                classrooms=draw(st.integers(3, 10)),
                max_added=draw(st.integers(1, 4)),
                beds=draw(beds),
            )
        )
        minutes[("C", "CP")] = 1.0
        for key in keys[1:]:
            kind = draw(st.sampled_from(["teaching_point", "primary", "none"]))
            reach = [2.0, 12.0, 25.0, 30.0] if kind == "none" else [2.0, 5.0, 12.0, 25.0, 35.0, 42.0, 50.0, 62.0]
            trip(key, "CP", within=draw(st.sampled_from(reach)) if kind != "primary" else None)
            if kind == "teaching_point":
                schools.append(S(f"T{key}", "teaching_point", key, classrooms=draw(st.integers(1, 2)), enrol=20))
                minutes[(key, f"T{key}")] = 1.0
            elif kind == "primary":
                sid = f"P{key}"
                schools.append(
                    S(
                        sid,
                        "primary",
                        key,
                        classrooms=draw(st.integers(3, 8)),
                        enrol=draw(st.sampled_from([60, 150])),
                        max_added=draw(st.integers(0, 2)),
                        beds=draw(beds),
                    )
                )
                minutes[(key, sid)] = 1.0
                trip("C", sid)
    elif level == "junior":
        schools.append(
            S(
                "J",
                "junior",
                "C",
                classrooms=draw(st.integers(3, 8)),
                max_added=draw(st.integers(1, 3)),
                beds=draw(beds),
            )
        )
        minutes[("C", "J")] = 1.0
        for key in keys[1:]:
            kind = draw(st.sampled_from(["junior", "nine_year", "none"]))
            trip(key, "J", within=None if kind != "none" else draw(st.sampled_from([2.0, 12.0, 44.0, 50.0, 62.0])))
            if kind != "none":
                sid = f"{kind[0].upper()}{key}"
                schools.append(
                    S(
                        sid,
                        kind,
                        key,
                        classrooms=draw(st.integers(3, 9)),
                        enrol=draw(st.sampled_from([60, 150])),
                        max_added=draw(st.integers(0, 2)),
                        beds=draw(beds),
                    )
                )
                minutes[(key, sid)] = 1.0
    else:
        # seniors: a high school in the main urban area (U) and one in the town seat C
        # that closes in the relocation year (the last plan year) unless told otherwise
        villages.append(V("U", pupils(), ur=111))
        keys.append("U")
        schools += [
            S("H2", "high", "U", classrooms=draw(st.integers(6, 12)), max_added=draw(st.integers(0, 4))),
            S("H1", "high", "C", classrooms=draw(st.integers(2, 9)), beds=draw(beds)),
        ]
        minutes[("U", "H2")] = 1.0
        minutes[("C", "H1")] = 1.0
        for key in keys:
            for sid in ("H1", "H2"):
                if (key, sid) not in minutes:
                    trip(key, sid)
    # a few more pairs between villages and the other villages' schools
    for key in keys[1:]:
        for s in schools:
            if (key, s.sid) not in minutes and draw(st.integers(0, 3)) == 0:
                trip(key, s.sid)
    demand_by_year = None
    if n_years > 1 and draw(st.booleans()):
        demand_by_year = [{v.key: v.pupils for v in villages}] + [
            {v.key: pupils() for v in villages} for _ in range(n_years - 1)
        ]
    attendance = None
    if draw(st.sampled_from([False, False, True])):
        attendance, demand_by_year = _enrolled(draw, villages, schools, minutes, years, demand_by_year, bands)
    base = ECONOMICS if draw(st.sampled_from([False, False, True])) else EXACT
    changes: dict = dict(years=years, bands=bands)
    if small_caps:
        changes |= dict(
            school_cap_primary=draw(st.sampled_from([100, 120])),
            school_cap_junior=draw(st.sampled_from([100, 150])),
            school_cap_nine_year=draw(st.sampled_from([120, 200])),
            school_cap_senior=draw(st.sampled_from([100, 150])),
            class_cap_primary=draw(st.sampled_from([30, 45])),
            class_cap_junior=draw(st.sampled_from([30, 50])),
            class_cap_senior=draw(st.sampled_from([30, 50])),
            class_cap_teaching_point=draw(st.sampled_from([15, 25])),
        )
    if level == "senior":
        changes["senior_relocation_year"] = draw(st.sampled_from([2026, 2026, 2030]))
    if town == "town":
        changes["min_boarders"] = draw(st.sampled_from([0, 5, 10, 20]))
    changes["small_schools_keep_own_village_only"] = draw(st.sampled_from([True, True, False]))
    changes["boarding_min_km"] = draw(st.sampled_from([3.0, 3.0, 100.0]))
    if attendance is not None and draw(st.booleans()):
        changes |= dict(allow_reassignment=True, reassignment_cost_yuan_per_pupil=draw(st.sampled_from([0.0, 3000.0])))
    t = Tiny(villages, schools, minutes, km=km, demand_by_year=demand_by_year, attendance=attendance, town_kind=town)
    target = draw(st.sampled_from([0, 0, 1, 1, 1, 2, -1]))
    n_candidates = _candidates(t, changes.get("small_school_pupils", 100))
    if target > n_candidates and draw(st.integers(0, 4)):
        target = n_candidates  # now and then a target above the candidates, to be explained
    return t, base.replace(closure_target=target, **changes)


def _candidates(t: Tiny, small: int) -> int:
    """Closure candidates of ``t``: teaching points and schools under ``small`` pupils today."""
    _, s_today, _ = _today(t)
    return sum(
        1
        for s in t.schools
        if s.status == "open" and (s.kind == "teaching_point" or (s.kind != "high" and sum(s_today[s.sid]) < small))
    )


def _enrolled(draw, villages, schools, minutes, years, demand_by_year, bands):
    """Today's attendance: each village's pupils of each grade at a school of its reach
    that teaches the grade (some boarding where the school has beds), and the plan years'
    pupils aged from it (plus new entrants)."""
    att = []
    open_schools = [s for s in schools if s.status == "open"]
    today: dict[str, list[int]] = {}
    first_grades = {1, 7, 10}
    for v in villages:
        row = [0] * 12
        for g in range(1, 13):
            if not _in_bands(g, bands):
                continue
            reach = [s for s in open_schools if g in KIND_GRADES[s.kind] and (v.key, s.sid) in minutes]
            if not reach or g in (6, 9, 12):
                continue
            n = draw(st.integers(0, 12))
            if n == 0:
                continue
            s = draw(st.sampled_from(reach))
            boarders = draw(st.integers(0, min(n, s.beds))) if s.beds and g >= 4 else 0
            att.append((v.key, s.sid, g, n, boarders))
            row[g - 1] += n
        today[v.key] = row
    # the first plan year: everyone a grade up; new entrants as drawn
    demand = []
    for k, _ in enumerate(years):
        year = {}
        for v in villages:
            drawn = (demand_by_year[k][v.key] if demand_by_year else v.pupils) if k else v.pupils
            aged = [0] * 12
            for g in range(2, 13):
                aged[g - 1] = today[v.key][g - 2] if g - 1 not in (6, 9) else 0
            year[v.key] = [aged[g - 1] + (drawn[g - 1] if g in first_grades else 0) for g in range(1, 13)]
            year[v.key] = [n if _in_bands(g, bands) else 0 for g, n in enumerate(year[v.key], 1)]
        demand.append(year)
        # the next year ages this one
        today = {key: row for key, row in year.items()}
    return att, demand


def _in_bands(grade: int, bands: tuple) -> bool:
    spans = {LOWER: (1, 3), UPPER: (4, 6), JUNIOR: (7, 9), SENIOR: (10, 12)}
    return any(spans[b][0] <= grade <= spans[b][1] for b in bands)
