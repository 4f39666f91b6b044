"""Input validation: each malformed input names file, record and field; nothing on disk changes."""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest

from layout_opt import District, ValidationError, load_district
from layout_opt.errors import Problem

from .conftest import DATA

# --------------------------------------------------------------------------- helpers


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, obj: dict) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")


def _edit(file: str, change: Callable[[list[dict]], None]) -> Callable[[Path], None]:
    """A corruption that edits the features of one GeoJSON file in place."""

    def apply(folder: Path) -> None:
        path = folder / file
        obj = _read(path)
        change(obj["features"])
        _write(path, obj)

    return apply


def _by_id(features: list[dict], key: str, value: str) -> dict:
    return next(f for f in features if f["properties"][key] == value)


def _set(file: str, key: str, rid: str, field: str, value) -> Callable[[Path], None]:
    """Set ``field`` (a property, or the feature's ``geometry``) of the record whose ``key`` is ``rid``."""

    def change(fs: list[dict]) -> None:
        feature = _by_id(fs, key, rid)
        (feature if field == "geometry" else feature["properties"])[field] = value

    return _edit(file, change)


def _fingerprint(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# Records of the bundled data the cases corrupt (checked by ``test_fixture_records``).
VILLAGE = "410306002207"  # 金娥村, host of the primary S0002
OTHER_VILLAGE = "410306002204"
PRIMARY = "S0002"  # 金娥小学, an open primary with 11 classrooms
JUNIOR = "S0000"
PLANNED = "S0042"  # 永和路小学, planned for 2025
ROAD = next(
    f["properties"]["road_id"]
    for f in json.loads((DATA / "roads.geojson").read_text(encoding="utf-8"))["features"]
    if f["properties"]["road_class"] == "trunk"
)  # a trunk road
TOWN = "410308002"  # 康乐街道


def _swap_lonlat(fs: list[dict]) -> None:
    g = _by_id(fs, "school_id", JUNIOR)["geometry"]
    g["coordinates"] = g["coordinates"][::-1]


def _to_linestring(fs: list[dict]) -> None:
    g = _by_id(fs, "village_id", VILLAGE)["geometry"]
    x, y = g["coordinates"]
    g.update(type="LineString", coordinates=[[x, y], [x + 0.01, y]])


def _drop_column(fs: list[dict]) -> None:
    for f in fs:
        del f["properties"]["g7"]


def _more_classes(fs: list[dict]) -> None:
    p = _by_id(fs, "school_id", PRIMARY)["properties"]
    p["classes"] = p["classrooms"] + 3


def _no_open_year(fs: list[dict]) -> None:
    del _by_id(fs, "school_id", PLANNED)["properties"]["open_year"]


def _declare_metric_crs(folder: Path) -> None:
    path = folder / "towns.geojson"
    obj = _read(path)
    obj["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32649"}}
    _write(path, obj)


def _set_enrolment(line: int, field: str, value: Callable[[str], str]) -> Callable[[Path], None]:
    """Set ``field`` of data line ``line`` of enrolment.csv (the header is line 1) to ``value(old)``."""

    def apply(folder: Path) -> None:
        path = folder / "enrolment.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        row = lines[line - 1].split(",")
        row[header.index(field)] = value(row[header.index(field)])
        lines[line - 1] = ",".join(row)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    return apply


def _truncate(folder: Path) -> None:
    path = folder / "towns.geojson"
    path.write_text(path.read_text(encoding="utf-8")[:-60], encoding="utf-8")


def _remove_roads(folder: Path) -> None:
    (folder / "roads.geojson").unlink()


# id, corruption, file, record, field, words the message must contain
CASES = [
    (
        "duplicate school_id",
        _set("schools.geojson", "school_id", "S0005", "school_id", "S0004"),
        "schools.geojson",
        "S0004",
        "school_id",
        "not unique",
    ),
    (
        "duplicate village_id",
        _set("villages.geojson", "village_id", OTHER_VILLAGE, "village_id", VILLAGE),
        "villages.geojson",
        VILLAGE,
        "village_id",
        "not unique",
    ),
    (
        "negative pupils",
        _set("villages.geojson", "village_id", VILLAGE, "g4", -3),
        "villages.geojson",
        VILLAGE,
        "g4",
        "-3",
    ),
    (
        "text population",
        _set("villages.geojson", "village_id", VILLAGE, "population", "many"),
        "villages.geojson",
        VILLAGE,
        "population",
        "whole number",
    ),
    (
        "fractional population",
        _set("villages.geojson", "village_id", VILLAGE, "population", 1200.5),
        "villages.geojson",
        VILLAGE,
        "population",
        "1200.5",
    ),
    (
        "missing population",
        _set("villages.geojson", "village_id", VILLAGE, "population", None),
        "villages.geojson",
        VILLAGE,
        "population",
        "missing",
    ),
    (
        "unknown kind",
        _set("schools.geojson", "school_id", PRIMARY, "kind", "creche"),
        "schools.geojson",
        PRIMARY,
        "kind",
        "creche",
    ),
    (
        "grades not matching kind",
        _set("schools.geojson", "school_id", PRIMARY, "grades", "1-9"),
        "schools.geojson",
        PRIMARY,
        "grades",
        "1-6",
    ),
    (
        "pupils in a grade not taught",
        _set("schools.geojson", "school_id", PRIMARY, "g8", 30),
        "schools.geojson",
        PRIMARY,
        "g8",
        "does not teach g8",
    ),
    (
        "planned project without open_year",
        _edit("schools.geojson", _no_open_year),
        "schools.geojson",
        PLANNED,
        "open_year",
        "planned project",
    ),
    (
        "planned project opening before base year",
        _set("schools.geojson", "school_id", PLANNED, "open_year", 2020),
        "schools.geojson",
        PLANNED,
        "open_year",
        "2020",
    ),
    (
        "planned project without seats",
        _set("schools.geojson", "school_id", PLANNED, "planned_seats", 0),
        "schools.geojson",
        PLANNED,
        "planned_seats",
        "planned seats",
    ),
    (
        "open school with planned seats",
        _set("schools.geojson", "school_id", PRIMARY, "planned_seats", 300),
        "schools.geojson",
        PRIMARY,
        "planned_seats",
        "only planned",
    ),
    (
        "unknown status",
        _set("schools.geojson", "school_id", PRIMARY, "status", "closed"),
        "schools.geojson",
        PRIMARY,
        "status",
        "closed",
    ),
    (
        "unknown town_code",
        _set("villages.geojson", "village_id", VILLAGE, "town_code", "410308999"),
        "villages.geojson",
        VILLAGE,
        "town_code",
        "410308999",
    ),
    (
        "town name not matching code",
        _set("villages.geojson", "village_id", VILLAGE, "town", "会盟镇"),
        "villages.geojson",
        VILLAGE,
        "town",
        "会盟镇",
    ),
    (
        "unknown ur_code",
        _set("villages.geojson", "village_id", VILLAGE, "ur_code", 130),
        "villages.geojson",
        VILLAGE,
        "ur_code",
        "130",
    ),
    (
        "school ur_code unlike its host",
        _set("schools.geojson", "school_id", PRIMARY, "ur_code", 111),
        "schools.geojson",
        PRIMARY,
        "ur_code",
        "host unit",
    ),
    (
        "school town unlike its host",
        _set("schools.geojson", "school_id", PRIMARY, "town_code", "410308003"),
        "schools.geojson",
        PRIMARY,
        "town_code",
        "host unit",
    ),
    (
        "village id of 11 digits",
        _set("villages.geojson", "village_id", VILLAGE, "village_id", VILLAGE[:-1]),
        "villages.geojson",
        VILLAGE[:-1],
        "village_id",
        "12-digit",
    ),
    (
        "LineString for a village",
        _edit("villages.geojson", _to_linestring),
        "villages.geojson",
        VILLAGE,
        "geometry",
        "LineString",
    ),
    (
        "longitude and latitude swapped",
        _edit("schools.geojson", _swap_lonlat),
        "schools.geojson",
        JUNIOR,
        "geometry",
        "swapped",
    ),
    ("CRS not matching coordinates", _declare_metric_crs, "towns.geojson", "410308001", "geometry", "CRS"),
    (
        "village far from every town seat",
        _set("villages.geojson", "village_id", VILLAGE, "geometry", {"type": "Point", "coordinates": [116.40, 39.90]}),
        "villages.geojson",
        VILLAGE,
        "geometry",
        "town seat",
    ),
    (
        "enrolment far above classrooms x 66",
        _set("schools.geojson", "school_id", PRIMARY, "g4", 900),
        "schools.geojson",
        PRIMARY,
        "classrooms",
        "66",
    ),
    (
        "more classes than classrooms",
        _edit("schools.geojson", _more_classes),
        "schools.geojson",
        PRIMARY,
        "classes",
        "classrooms",
    ),
    ("missing column", _edit("villages.geojson", _drop_column), "villages.geojson", "-", "g7", "column is missing"),
    ("missing file", _remove_roads, "roads.geojson", "-", "-", "not found"),
    ("invalid JSON", _truncate, "towns.geojson", "-", "-", "cannot be read"),
    (
        "unknown road class",
        _set("roads.geojson", "road_id", ROAD, "road_class", "motorway"),
        "roads.geojson",
        ROAD,
        "road_class",
        "motorway",
    ),
    (
        "bus speed above 60 km/h",
        _set("roads.geojson", "road_id", ROAD, "bus_speed_kmh", 75.0),
        "roads.geojson",
        ROAD,
        "bus_speed_kmh",
        "60 km/h",
    ),
    (
        "school hosted in an unknown village",
        _set("schools.geojson", "school_id", PRIMARY, "village_id", "410306002999"),
        "schools.geojson",
        PRIMARY,
        "village_id",
        "410306002999",
    ),
    (
        "unknown town_kind",
        _set("towns.geojson", "town_code", TOWN, "town_kind", "county"),
        "towns.geojson",
        TOWN,
        "town_kind",
        "county",
    ),
    (
        "unknown coord_source",
        _set("villages.geojson", "village_id", VILLAGE, "coord_source", "gps"),
        "villages.geojson",
        VILLAGE,
        "coord_source",
        "gps",
    ),
    (
        "central_village not a boolean",
        _set("villages.geojson", "village_id", VILLAGE, "central_village", "yes"),
        "villages.geojson",
        VILLAGE,
        "central_village",
        "true or false",
    ),
    (
        "missing geometry",
        _set("villages.geojson", "village_id", VILLAGE, "geometry", None),
        "villages.geojson",
        VILLAGE,
        "geometry",
        "missing",
    ),
    (
        "unknown road source",
        _set("roads.geojson", "road_id", ROAD, "source", "gps"),
        "roads.geojson",
        ROAD,
        "source",
        "gps",
    ),
    (
        "attendance: more boarders than pupils",
        _set_enrolment(2, "boarders", lambda old: "999"),
        "enrolment.csv",
        "line 2",
        "boarders",
        "999 boarders but only",
    ),
    (
        "attendance: pupils not a number",
        _set_enrolment(3, "pupils", lambda old: "twelve"),
        "enrolment.csv",
        "line 3",
        "pupils",
        "whole number",
    ),
    (
        "attendance: grade 16",
        _set_enrolment(4, "grade", lambda old: "16"),
        "enrolment.csv",
        "line 4",
        "grade",
        "1 to 15",
    ),
    (
        "a school moving to a project of another kind",
        _set("schools.geojson", "school_id", PRIMARY, "moves_to", "S0030"),
        "schools.geojson",
        PRIMARY,
        "moves_to",
        "is a junior, this school a primary",
    ),
    (
        "a school moving to an open school",
        _set("schools.geojson", "school_id", PRIMARY, "moves_to", JUNIOR),
        "schools.geojson",
        PRIMARY,
        "moves_to",
        "not a planned project",
    ),
    (
        "unknown ownership",
        _set("schools.geojson", "school_id", PRIMARY, "ownership", "church"),
        "schools.geojson",
        PRIMARY,
        "ownership",
        "church",
    ),
    (
        "kindergarten children in a primary",
        _set("schools.geojson", "school_id", PRIMARY, "k2", 12),
        "schools.geojson",
        PRIMARY,
        "k2",
        "does not teach k2",
    ),
    (
        "a school moving to an unknown school",
        _set("schools.geojson", "school_id", PRIMARY, "moves_to", "S9999"),
        "schools.geojson",
        PRIMARY,
        "moves_to",
        "no school 'S9999'",
    ),
    (
        "pupils but no classes",
        _set("schools.geojson", "school_id", PRIMARY, "classes", 0),
        "schools.geojson",
        PRIMARY,
        "classes",
        "no classes",
    ),
]


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    """A fresh copy of the bundled data folder."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def test_clean_copy_loads(copy):
    before = _fingerprint(copy)
    d = load_district(copy)
    assert len(d.villages) == 270
    assert _fingerprint(copy) == before


def test_fixture_records():
    """The records the cases corrupt exist and are what the cases assume."""
    v = {f["properties"]["village_id"]: f["properties"] for f in _read(DATA / "villages.geojson")["features"]}
    s = {f["properties"]["school_id"]: f["properties"] for f in _read(DATA / "schools.geojson")["features"]}
    r = {f["properties"]["road_id"]: f["properties"] for f in _read(DATA / "roads.geojson")["features"]}
    assert {VILLAGE, OTHER_VILLAGE} <= set(v)
    assert s[PRIMARY]["kind"] == "primary" and s[PRIMARY]["status"] == "open" and s[PRIMARY]["village_id"] == VILLAGE
    assert s[PRIMARY]["ur_code"] != 111 and s[PRIMARY]["town_code"] != "410308003"
    assert 66 * s[PRIMARY]["classrooms"] < 900 and s[PRIMARY]["g8"] == 0
    assert s[PLANNED]["status"] == "planned" and s[PLANNED]["open_year"] > 2023
    assert r[ROAD]["road_class"] == "trunk"
    lines = (DATA / "enrolment.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "village_id,school_id,grade,pupils,boarders" and len(lines) > 4
    assert all(int(line.split(",")[3]) < 999 for line in lines[1:4])


@pytest.mark.parametrize(
    ("corrupt", "file", "record", "field", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_input_is_named(copy, corrupt, file, record, field, words):
    corrupt(copy)
    before = _fingerprint(copy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the reader warns about text in number columns
        with pytest.raises(ValidationError) as info:
            load_district(copy)
    err = info.value
    assert _fingerprint(copy) == before, "validation changed files on disk"
    assert err.problems and all(isinstance(p, Problem) for p in err.problems)
    hits = [p for p in err.problems if (p.file, p.record, p.field) == (file, record, field)]
    assert hits, f"no problem names {file}/{record}/{field}: {err.problems}"
    assert any(words in p.message for p in hits), hits
    # one corruption, one message: the error does not cascade into unrelated records
    assert len({(p.file, p.record) for p in err.problems}) == 1 or field == "geometry"
    text = str(err)
    assert f"{file}: record {record}, field {field}:" in text
    assert words in text


def test_at_least_fourteen_distinct_cases():
    assert len({(c[2], c[4]) for c in CASES}) >= 14
    assert len(CASES) == len({c[0] for c in CASES})


def test_all_problems_reported_together(copy):
    _set("villages.geojson", "village_id", VILLAGE, "g4", -1)(copy)
    _set("schools.geojson", "school_id", PRIMARY, "kind", "college")(copy)
    _set("roads.geojson", "road_id", ROAD, "road_class", "motorway")(copy)
    with pytest.raises(ValidationError) as info:
        load_district(copy)
    named = {(p.file, p.record, p.field) for p in info.value.problems}
    assert {
        ("villages.geojson", VILLAGE, "g4"),
        ("schools.geojson", PRIMARY, "kind"),
        ("roads.geojson", ROAD, "road_class"),
    } <= named
    assert info.value.first == info.value.problems[0]


def test_missing_crs_in_memory(mengjin):
    """Frames without a CRS (e.g. built in a notebook) are refused, naming the table."""
    villages = gpd.GeoDataFrame(
        mengjin.villages.drop(columns="geometry"), geometry=list(mengjin.villages.geometry), crs=None
    )
    with pytest.raises(ValidationError) as info:
        District.from_frames(villages, mengjin.schools, mengjin.roads, mengjin.towns, base_year=mengjin.base_year)
    p = info.value.first
    assert (p.file, p.record, p.field) == ("villages.geojson", "-", "geometry")
    assert "coordinate reference system" in p.message


def test_frames_in_metric_crs_are_accepted(mengjin):
    """Validation is CRS-agnostic: the loaded (projected) tables validate again."""
    d = District.from_frames(
        mengjin.villages, mengjin.schools, mengjin.roads, mengjin.towns, base_year=mengjin.base_year
    )
    assert len(d.schools) == len(mengjin.schools)


def test_from_frames_does_not_modify_inputs(mengjin):
    v = mengjin.villages.copy()
    s = mengjin.schools.copy()
    s.loc[s["school_id"] == PRIMARY, "g8"] = 5
    snapshot = s.copy()
    with pytest.raises(ValidationError):
        District.from_frames(v, s, None, mengjin.towns, base_year=2023)
    assert s.equals(snapshot)
    assert v.equals(mengjin.villages)


def test_bad_base_year(copy):
    meta = _read(copy / "district.json")
    meta["base_year"] = "2023"
    _write(copy / "district.json", meta)
    with pytest.raises(ValidationError) as info:
        load_district(copy)
    assert (info.value.first.file, info.value.first.field) == ("district.json", "base_year")


# --------------------------------------------------------------------------- district.json


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("[2023]", "-", "must be a JSON object"),
        ("null", "-", "got null"),
        ('{"base_year": true}', "base_year", "whole-number year"),
        ('{"base_year": 1066}', "base_year", "must be 1990 to 2100"),
        ('{"name": 7, "base_year": 2023}', "name", "must be a text"),
        ('{"base_year": 2023,}', "-", "not valid JSON"),
    ],
    ids=["list", "null", "bool year", "year out of range", "name not text", "bad JSON"],
)
def test_district_json_problems_are_named(copy, text, field, words):
    (copy / "district.json").write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        load_district(copy)
    p = info.value.first
    assert (p.file, p.record, p.field) == ("district.json", "-", field)
    assert words in p.message


def test_district_json_in_gbk_is_named_and_with_a_bom_is_read(copy):
    meta = _read(copy / "district.json")
    # saved as GBK by an editor, which replaces what GBK lacks (the attribution's ©)
    (copy / "district.json").write_bytes(json.dumps(meta, ensure_ascii=False).encode("gbk", errors="replace"))
    with pytest.raises(ValidationError) as info:
        load_district(copy)
    assert info.value.first.file == "district.json" and "GBK" in info.value.first.message
    (copy / "district.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(meta, ensure_ascii=False).encode())
    assert load_district(copy).name == meta["name"]


def test_a_feature_without_properties_is_named_by_its_row(copy):
    obj = _read(copy / "villages.geojson")
    obj["features"][2]["properties"] = None
    _write(copy / "villages.geojson", obj)
    with pytest.raises(ValidationError) as info:
        load_district(copy)
    records = {p.record for p in info.value.problems if p.file == "villages.geojson"}
    assert records == {"row 2"}
    assert "record nan" not in str(info.value)


# --------------------------------------------------------------------------- policy_projects.csv


def test_policy_projects_are_read_typed(mengjin):
    from layout_opt.io import read_policy_projects

    table = read_policy_projects(DATA, school_ids=mengjin.schools["school_id"])
    assert list(table.columns) == ["project", "school_id", "type", "seats", "policy_text"]
    school = ~table["project"].str.contains("幼")
    assert table["seats"].dtype == "int64" and table.loc[school, "seats"].sum() == 1620 + 1620 + 1080 + 150
    # the eight kindergarten projects share the policy's 1,800 places (新增幼儿学位1800个)
    assert (~school).sum() == 8 and table.loc[~school, "seats"].sum() == 1800
    assert read_policy_projects(DATA / "nowhere") is None


@pytest.mark.parametrize(
    ("content", "record", "field", "words"),
    [
        ("project,school_id,type,seats\nA,S0001,new,10,extra,fields\n", "-", "-", "cannot be read as CSV"),
        ("", "-", "-", "cannot be read as CSV"),
        ("project,type,seats\nA,new,10\n", "-", "school_id", "column is missing"),
        ("project,school_id,type,seats\nA,S9999,new,10\n", "A", "school_id", "unknown school 'S9999'"),
        ("project,school_id,type,seats\nA,,new,10\n", "A", "school_id", "value is missing"),
        ("project,school_id,type,seats\nA,S0001,new,一千\n", "A", "seats", "whole number of seats"),
        ("project,school_id,type,seats\nA,S0001,new,0\n", "A", "seats", "whole number of seats"),
        ("project,school_id,type,seats\n,S0001,new,10\n", "row 0", "project", "value is missing"),
        ("project,school_id,type,seats\nA,S0001,New,10\n", "A", "type", "unknown project type 'New'"),
    ],
    ids=[
        "unparseable",
        "empty",
        "missing column",
        "unknown school",
        "no school",
        "text seats",
        "zero seats",
        "no name",
        "type",
    ],
)
def test_policy_project_problems_are_named(mengjin, tmp_path, content, record, field, words):
    from layout_opt.io import read_policy_projects

    (tmp_path / "policy_projects.csv").write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        read_policy_projects(tmp_path, school_ids=mengjin.schools["school_id"])
    hits = [p for p in info.value.problems if (p.file, p.record, p.field) == ("policy_projects.csv", record, field)]
    assert hits and any(words in p.message for p in hits), info.value.problems


def test_policy_projects_in_gbk_are_named(tmp_path):
    from layout_opt.io import read_policy_projects

    (tmp_path / "policy_projects.csv").write_bytes(
        "project,school_id,type,seats\n永和路小学,S0038,new,1620\n".encode("gbk")
    )
    with pytest.raises(ValidationError, match=r"policy_projects.csv: record -, field -: not UTF-8 text .* GBK"):
        read_policy_projects(tmp_path)


@pytest.mark.parametrize("name", ["check_district_meta", "check_policy_projects"])
def test_docstring_examples_of_the_metadata_checks(name):
    import doctest

    from layout_opt import validate

    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    messages: list[str] = []
    tests = [t for t in doctest.DocTestFinder().find(getattr(validate, name), name) if t.examples]
    assert tests
    for test in tests:
        runner.run(test, out=messages.append)
    assert runner.summarize(verbose=False).failed == 0, "".join(messages)
