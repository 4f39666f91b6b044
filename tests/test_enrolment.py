"""Today's attendance (``enrolment.csv``, ``District.enrolment``): how it is made, read,
written, validated and cut by ``District.subset``."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from layout_opt import District, ValidationError, load_district
from layout_opt.examples import current_enrolment, synthetic_district
from layout_opt.examples.schools import today_boarders
from layout_opt.io import ENROLMENT_FILE, write_district
from layout_opt.schema import BANDS_OF_KIND, ENROLMENT_COLUMNS, SCHOOL_GRADE_COLUMNS, grades_of_bands

#: The school grades' columns: the synthetic districts and the examples' attendance have
#: no kindergartens (Mengjin's are checked by the validation on load).
GRADES = list(SCHOOL_GRADE_COLUMNS)


@pytest.fixture(scope="module")
def district() -> District:
    """Three towns and the urban subdistrict; the junior schools and some central
    primaries board, the high schools too."""
    return synthetic_district(n_towns=3, villages_per_town=6, seed=3)


@pytest.fixture()
def folder(district, tmp_path) -> Path:
    write_district(district, tmp_path / "d")
    return tmp_path / "d"


# --------------------------------------------------------------------------- how it is made


def _pivot(e: pd.DataFrame, id_col: str, ids: pd.Series) -> np.ndarray:
    table = e.pivot_table(index=id_col, columns="grade", values="pupils", aggfunc="sum", fill_value=0)
    return table.reindex(index=ids.astype(str), columns=range(1, 13), fill_value=0).to_numpy()


@pytest.mark.parametrize(
    "args", [dict(n_towns=1, villages_per_town=3, seed=0), dict(n_towns=3, villages_per_town=6, seed=3)]
)
def test_synthetic_attendance_adds_up_to_schools_and_villages(args):
    d = synthetic_district(**args)
    e = d.enrolment
    assert list(e.columns) == list(ENROLMENT_COLUMNS)
    assert (e["pupils"] >= 1).all() and (e["boarders"] >= 0).all() and (e["boarders"] <= e["pupils"]).all()
    assert not e.duplicated(["village_id", "school_id", "grade"]).any()
    np.testing.assert_array_equal(_pivot(e, "school_id", d.schools["school_id"]), d.schools[GRADES].to_numpy())
    np.testing.assert_array_equal(_pivot(e, "village_id", d.villages["village_id"]), d.villages[GRADES].to_numpy())
    kind = d.schools.set_index("school_id")["kind"]
    for row in e.itertuples():
        assert row.grade in grades_of_bands(BANDS_OF_KIND[kind[row.school_id]])


def test_synthetic_boarders_fit_the_beds_and_are_not_young(district):
    e, s = district.enrolment, district.schools.set_index("school_id")
    assert e["boarders"].sum() > 0
    assert e.loc[e["grade"] <= 3, "boarders"].sum() == 0
    held = e.groupby("school_id")["boarders"].sum()
    assert (held <= s.loc[held.index, "beds"]).all()
    assert (held[s.loc[held.index, "beds"] == 0] == 0).all()


def test_current_enrolment_returns_the_placements_it_counts():
    villages = pd.DataFrame(
        {
            "village_id": ["900000000001", "900000000002"],
            "town_code": ["T", "T"],
            "x": [0.0, 4_000.0],
            "y": [0.0, 0.0],
            **{g: [10, 20] for g in GRADES},
        }
    )
    schools = pd.DataFrame(
        {
            "school_id": ["CP", "J", "TP", "H"],
            "town_code": ["T"] * 4,
            "kind": ["central_primary", "junior", "teaching_point", "high"],
            "x": [100.0, 200.0, 4_100.0, 300.0],
            "y": [0.0] * 4,
            "village_id": ["900000000001", "900000000001", "900000000002", "900000000001"],
            "status": ["open"] * 4,
        }
    )
    enrol, att = current_enrolment(villages, schools, np.random.default_rng(0), local_share=(0.5, 0.5))
    assert list(att.columns) == ["village_id", "school_id", "grade", "pupils"]
    np.testing.assert_array_equal(_pivot(att, "school_id", schools["school_id"]), enrol[GRADES].to_numpy())
    np.testing.assert_array_equal(_pivot(att, "village_id", villages["village_id"]), villages[GRADES].to_numpy())
    far = att[att["village_id"] == "900000000002"].set_index(["school_id", "grade"])["pupils"]
    assert far[("TP", 1)] == 10 and far[("CP", 1)] == 10  # half of grade 1 stays at its teaching point
    assert far[("J", 7)] == 20 and far[("H", 12)] == 20
    assert ("TP", 4) not in far.index  # a teaching point teaches grades 1-3


def test_today_boarders_take_the_farthest_first_within_the_beds():
    villages = pd.DataFrame({"village_id": ["A", "B", "C", "D"], "x": [6_000.0, 3_000.0, 500.0, 9_000.0], "y": 0.0})
    schools = pd.DataFrame({"school_id": ["J", "P"], "x": [0.0, 0.0], "y": [0.0, 0.0], "beds": [10, 0]})
    attendance = pd.DataFrame(
        {
            "village_id": ["A", "B", "C", "D", "D"],
            "school_id": ["J", "J", "J", "J", "P"],
            "grade": [7, 8, 9, 2, 5],
            "pupils": [10, 10, 10, 10, 10],
        }
    )
    # 70 % of juniors from 2.5 km or more: A and B wish 7 each; C is near; D's grade 2 never boards
    assert today_boarders(attendance, schools, villages).tolist() == [7, 3, 0, 0, 0]
    room = pd.Series({"J": np.inf, "P": 100.0})
    assert today_boarders(attendance, schools, villages, capacity=room).tolist() == [7, 7, 0, 0, 5]
    assert today_boarders(attendance, schools, villages, capacity=room, min_distance_m=4_000).tolist() == [
        7,
        0,
        0,
        0,
        5,
    ]


# --------------------------------------------------------------------------- files


def test_written_and_read_back_unchanged(district, folder):
    text = (folder / ENROLMENT_FILE).read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(ENROLMENT_COLUMNS)
    again = load_district(folder)
    expected = district.enrolment.sort_values(["village_id", "school_id", "grade"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(again.enrolment, expected)
    assert again.enrolment["village_id"].str.len().eq(12).all()  # codes stay text


def test_the_file_is_optional(folder):
    (folder / ENROLMENT_FILE).unlink()
    assert load_district(folder).enrolment is None


# --------------------------------------------------------------------------- validation


def _lines(folder: Path) -> list[str]:
    return (folder / ENROLMENT_FILE).read_text(encoding="utf-8").splitlines()


def _rewrite(folder: Path, change: Callable[[list[list[str]]], None]) -> None:
    lines = _lines(folder)
    rows = [line.split(",") for line in lines[1:]]
    change(rows)
    (folder / ENROLMENT_FILE).write_text("\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n", encoding="utf-8")


def _find(rows: list[list[str]], pred: Callable[[list[str]], bool]) -> int:
    return next(k for k, r in enumerate(rows) if pred(r))


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _problems(folder: Path) -> list:
    before = _digest(folder)
    with pytest.raises(ValidationError) as info:
        load_district(folder)
    assert _digest(folder) == before, "validation changed files on disk"
    return info.value.problems


def _named(problems: list, record: str, field: str, words: str) -> bool:
    return any((p.file, p.record, p.field) == (ENROLMENT_FILE, record, field) and words in p.message for p in problems)


def _corrupt_line(folder: Path, pred: Callable[[list[str]], bool], col: int, value: str) -> str:
    """Set column ``col`` of the first data row matching ``pred``; return its line name."""
    found: list[int] = []

    def change(rows: list[list[str]]) -> None:
        k = _find(rows, pred)
        rows[k][col] = value
        found.append(k)

    _rewrite(folder, change)
    return f"line {found[0] + 2}"


ANY = lambda r: True  # noqa: E731
VILLAGE, SCHOOL, GRADE, PUPILS, BOARDERS = range(5)


@pytest.mark.parametrize(
    ("pred", "col", "value", "field", "words"),
    [
        (ANY, VILLAGE, "900000009999", "village_id", "unknown village"),
        (ANY, VILLAGE, "90000000001", "village_id", "12-digit"),
        (ANY, SCHOOL, "S9999", "school_id", "unknown school"),
        (ANY, GRADE, "16", "grade", "1 to 15"),
        (ANY, PUPILS, "0", "pupils", "1 to"),
        (ANY, PUPILS, "many", "pupils", "whole number"),
        (ANY, BOARDERS, "-1", "boarders", "0 to"),
        (lambda r: int(r[GRADE]) >= 7 and int(r[PUPILS]) < 500, BOARDERS, "500", "boarders", "only"),
    ],
    ids=[
        "unknown village",
        "11-digit village",
        "unknown school",
        "grade 16",
        "no pupils",
        "text pupils",
        "negative boarders",
        "boarders above pupils",
    ],
)
def test_a_bad_line_is_named(folder, pred, col, value, field, words):
    line = _corrupt_line(folder, pred, col, value)
    problems = _problems(folder)
    assert _named(problems, line, field, words), problems


def test_a_text_value_gives_one_message(folder):
    """A line whose pupils cannot be read is not also reported in the sums it would enter."""
    line = _corrupt_line(folder, ANY, PUPILS, "many")
    problems = _problems(folder)
    assert [(p.record, p.field) for p in problems] == [(line, "pupils")]


def test_a_grade_the_school_does_not_teach(district, folder):
    junior = district.schools.loc[district.schools["kind"] == "junior", "school_id"].iloc[0]
    line = _corrupt_line(folder, lambda r: r[SCHOOL] == junior, GRADE, "3")
    assert _named(_problems(folder), line, "grade", "does not teach grade 3")


def test_a_repeated_line(folder):
    def repeat(rows: list[list[str]]) -> None:
        rows.insert(1, list(rows[0]))

    _rewrite(folder, repeat)
    problems = _problems(folder)
    assert _named(problems, "line 3", "-", "repeats line 2")


def test_pupils_must_add_up_per_school_and_per_village(folder):
    line = _lines(folder)[1].split(",")
    _corrupt_line(folder, ANY, PUPILS, str(int(line[PUPILS]) + 1))
    problems = _problems(folder)
    grade, vid, sid = line[GRADE], line[VILLAGE], line[SCHOOL]
    assert _named(problems, sid, "pupils", f"grade {grade}: ")
    assert _named(problems, vid, "pupils", f"grade {grade}: {int(line[PUPILS]) + 1} pupils of village {vid}")
    assert len(problems) == 2


def _from_frames(district: District, enrolment: pd.DataFrame) -> list:
    with pytest.raises(ValidationError) as info:
        District.from_frames(district.villages, district.schools, None, district.towns, enrolment=enrolment)
    return info.value.problems


def test_boarders_need_beds(district):
    e = district.enrolment.copy()
    beds = district.schools.set_index("school_id")["beds"]
    k = e.index[e["school_id"].map(beds).eq(0) & (e["grade"] >= 4)][0]
    e.loc[k, "boarders"] = 1
    problems = _from_frames(district, e)
    assert [(p.record, p.field) for p in problems] == [(e.loc[k, "school_id"], "boarders")]
    assert "has no beds" in problems[0].message


def test_boarders_within_the_beds(district):
    e = district.enrolment.copy()
    beds = district.schools.set_index("school_id")["beds"]
    school = next(s for s in beds.index[beds > 0] if e.loc[e["school_id"] == s, "pupils"].sum() > beds[s])
    e.loc[e["school_id"] == school, "boarders"] = e.loc[e["school_id"] == school, "pupils"]
    problems = _from_frames(district, e)
    assert [(p.record, p.field) for p in problems] == [(school, "boarders")]
    assert f"but it has {beds[school]} beds" in problems[0].message


def test_missing_column(folder):
    table = pd.read_csv(folder / ENROLMENT_FILE, dtype=str).drop(columns="boarders")
    table.to_csv(folder / ENROLMENT_FILE, index=False)
    assert _named(_problems(folder), "-", "boarders", "column is missing")


def test_planned_school_has_no_pupils(district):
    s = district.schools.copy()
    planned = s.iloc[[0]].assign(
        school_id="SP01", status="planned", open_year=2025, planned_seats=500, classrooms=10, classes=0, beds=0
    )
    planned[GRADES] = 0
    e = pd.concat(
        [
            district.enrolment,
            pd.DataFrame(
                [{"village_id": s["village_id"].iloc[0], "school_id": "SP01", "grade": 1, "pupils": 1, "boarders": 0}]
            ),
        ],
        ignore_index=True,
    )
    with pytest.raises(ValidationError) as info:
        District.from_frames(
            district.villages, pd.concat([s, planned], ignore_index=True), None, district.towns, enrolment=e
        )
    hit = [p for p in info.value.problems if p.field == "school_id"]
    assert hit and "planned project (opens 2025)" in hit[0].message and hit[0].record == f"line {len(e) + 1}"


def test_problems_of_the_schools_are_not_repeated(district, folder):
    """A school whose own g4 is wrong is named once, in schools.geojson, not again in the sums."""
    import json

    path = folder / "schools.geojson"
    obj = json.loads(path.read_text(encoding="utf-8"))
    sid = district.schools.loc[district.schools["kind"] == "central_primary", "school_id"].iloc[0]
    feature = next(f for f in obj["features"] if f["properties"]["school_id"] == sid)
    feature["properties"]["g4"] = -5
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    problems = _problems(folder)
    assert [(p.file, p.record, p.field) for p in problems] == [("schools.geojson", sid, "g4")]


def test_young_boarders_are_allowed_and_logged(district, caplog):
    e = district.enrolment.copy()
    beds = district.schools.set_index("school_id")["beds"]
    k = e.index[(e["grade"] == 2) & e["school_id"].map(beds).gt(e.groupby("school_id")["boarders"].transform("sum"))][0]
    e.loc[k, "boarders"] = 1
    with caplog.at_level(logging.WARNING, logger="layout_opt.district"):
        d = District.from_frames(district.villages, district.schools, district.roads, district.towns, enrolment=e)
    assert int(d.enrolment.loc[d.enrolment["grade"] <= 3, "boarders"].sum()) == 1
    assert "grades 1-3 board" in caplog.text


# --------------------------------------------------------------------------- subsets


def test_subset_keeps_rows_inside_and_recounts_pupils(district):
    town = district.towns.loc[district.towns["town_kind"] == "town", "town"].iloc[0]
    part = district.subset([town])
    e = part.enrolment
    assert set(e["village_id"]) <= set(part.villages["village_id"])
    assert set(e["school_id"]) <= set(part.schools["school_id"])
    full = district.enrolment
    inside = full[
        full["village_id"].isin(part.villages["village_id"]) & full["school_id"].isin(part.schools["school_id"])
    ]
    pd.testing.assert_frame_equal(e.reset_index(drop=True), inside.reset_index(drop=True))
    np.testing.assert_array_equal(
        _pivot(e, "village_id", part.villages["village_id"]), part.villages[GRADES].to_numpy()
    )
    np.testing.assert_array_equal(_pivot(e, "school_id", part.schools["school_id"]), part.schools[GRADES].to_numpy())
    # the town has no high school: its senior pupils attend elsewhere and leave the study
    assert (part.schools["kind"] != "high").all()
    before = district.villages.set_index("village_id").loc[part.villages["village_id"], ["g10", "g11", "g12"]]
    assert before.to_numpy().sum() > 0 and part.villages[["g10", "g11", "g12"]].to_numpy().sum() == 0
    # compulsory pupils go to school in their own town: unchanged
    cols = [f"g{g}" for g in range(1, 10)]
    np.testing.assert_array_equal(before.index, part.villages["village_id"])
    np.testing.assert_array_equal(
        district.villages.set_index("village_id").loc[part.villages["village_id"], cols].to_numpy(),
        part.villages[cols].to_numpy(),
    )
