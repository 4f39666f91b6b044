"""The district's policy targets as data: ``data/policy.toml`` read, checked and carried by the district."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from layout_opt import ValidationError, load_district
from layout_opt.io import read_policy
from layout_opt.policy import POLICY_FILE

from .conftest import DATA

MENGJIN_TEXT = (DATA / POLICY_FILE).read_text(encoding="utf-8")
SCHOOLS = ["孟津一高", "孟津一中", "孟津二高", "老城高中", "平乐高中", "孟津一高新校区"]


def _folder(tmp_path: Path, text: str) -> Path:
    (tmp_path / POLICY_FILE).write_text(text, encoding="utf-8")
    return tmp_path


def test_mengjin_targets_are_read_from_the_data(mengjin):
    policy = mengjin.policy
    assert policy is not None
    assert (policy.closures, policy.compulsory_seats, policy.compulsory_build_yuan, policy.end_year) == (
        70,
        5540,
        327_000_000.0,
        2026,
    )
    assert "孟发〔2023〕13号" in policy.document
    assert [r.name for r in policy.senior_relocation] == SCHOOLS
    assert policy.relocation_of("孟津二高").destination == "孟津一高"
    assert policy.relocation_of("孟津一高").site_name == "原一高校址"
    assert policy.relocation_of("孟津一中").site_name == "孟津一中校址"
    assert policy.relocation_of("权庄小学") is None
    # 四(一) 学前教育增容普惠: 7096万元, 新增幼儿学位1800个; 每个镇区…现代化幼儿园1所
    assert (policy.kindergarten_places, policy.kindergarten_build_yuan, policy.public_kindergartens_per_town) == (
        1800,
        70_960_000.0,
        1,
    )
    # a study of part of the district does not inherit the whole district's targets
    assert mengjin.subset(["麻屯镇"]).policy is None


def test_a_folder_without_the_file_has_no_targets(tmp_path):
    assert read_policy(tmp_path) is None


def test_optional_keys_may_be_left_out(tmp_path):
    text = 'document = "某区文件"\nend_year = 2030\nclosures = 5\ncompulsory_seats = 0\ncompulsory_build_yuan = 1.5e7\n'
    policy = read_policy(_folder(tmp_path, text))
    assert (policy.closures, policy.compulsory_build_yuan, policy.senior_relocation) == (5, 1.5e7, ())
    assert (policy.kindergarten_places, policy.kindergarten_build_yuan) == (None, None)


# id, text replacing part of Mengjin's file (old -> new), record, field, words of the message
CASES = [
    ("negative count", ("closures = 70", "closures = -3"), "-", "closures", "at least 0"),
    ("text for a number", ("compulsory_seats = 5540", 'compulsory_seats = "5540"'), "-", "compulsory_seats", "whole"),
    ("year out of range", ("end_year = 2026", "end_year = 1826"), "-", "end_year", "year"),
    ("missing key", ("closures = 70\n", ""), "-", "closures", "missing"),
    (
        "negative kindergarten places",
        ("kindergarten_places = 1800", "kindergarten_places = -1800"),
        "-",
        "kindergarten_places",
        "at least 0",
    ),
    ("unknown key", ("closures = 70", "closures = 70\nclosure = 70"), "-", "closure", "unknown field"),
    (
        "unknown outcome",
        ('outcome = "new"', 'outcome = "moved"'),
        "senior_relocation.schools[5]",
        "outcome",
        "open, closed, new",
    ),
    (
        "school not in the data",
        ('name = "老城高中"', 'name = "老城一中"'),
        "senior_relocation.schools[3]",
        "name",
        "no school named '老城一中'",
    ),
    (
        "missing action",
        ('action = "整建制迁入新校址"\n', ""),
        "senior_relocation.schools[1]",
        "action",
        "missing",
    ),
]


@pytest.mark.parametrize(("change", "record", "field", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_targets_are_named(tmp_path, change, record, field, words):
    old, new = change
    assert MENGJIN_TEXT.count(old) >= 1
    folder = _folder(tmp_path, MENGJIN_TEXT.replace(old, new, 1))
    with pytest.raises(ValidationError) as info:
        read_policy(folder, school_names=SCHOOLS)
    hits = [p for p in info.value.problems if (p.file, p.record, p.field) == (POLICY_FILE, record, field)]
    assert hits, info.value.problems
    assert any(words in p.message for p in hits), hits


def test_not_toml(tmp_path):
    with pytest.raises(ValidationError) as info:
        read_policy(_folder(tmp_path, "closures = = 70\n"))
    assert (info.value.first.file, info.value.first.record) == (POLICY_FILE, "-")
    assert "not valid TOML" in info.value.first.message


def test_a_bad_policy_stops_loading_and_changes_nothing(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    path = folder / POLICY_FILE
    path.write_text(MENGJIN_TEXT.replace('name = "平乐高中"', 'name = "平乐一高"'), encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(ValidationError) as info:
        load_district(folder)
    assert str(info.value.first) == (
        f"{POLICY_FILE}: record senior_relocation.schools[4], field name: no school named '平乐一高' in schools.geojson"
    )
    assert path.read_bytes() == before
