"""The batch run: its three exit paths, determinism and atomic writing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from layout_opt import cli, io
from layout_opt.examples import synthetic_district

SCENARIO = """
[planning]
name = "small"
years = [2024, 2025]
[closures]
closure_target = 2
[solver]
time_limit_s = 20
"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("district")
    io.write_district(synthetic_district(n_towns=2, villages_per_town=6, seed=2), folder)
    (folder / "scenario.toml").write_text(SCENARIO, encoding="utf-8")
    return folder


def _run(data: Path, out: Path, *extra: str) -> int:
    return cli.main(
        ["plan", "--data", str(data), "--scenario", str(data / "scenario.toml"), "--out", str(out), "--quiet", *extra]
    )


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.suffix in (".csv", ".json") and p.name != "timings.json"
    }


def test_plan_folder_contract_and_determinism(data_dir, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run(data_dir, a) == 0
    assert _run(data_dir, b) == 0
    for name in (
        "summary.json",
        "assignments.csv",
        "schools.csv",
        "closures.csv",
        "plan.gpkg",
        "plan.xlsx",
        "report.html",
        "run.log",
        "timings.json",
    ):
        assert (a / name).exists(), name
    assert _digest(a) == _digest(b)
    summary = json.loads((a / "summary.json").read_text(encoding="utf-8"))
    assert summary["closures"]["total"] >= 2
    assert summary["unserved_pupils"] == 0
    assert {"status", "objective_yuan", "bound_yuan", "gap"} <= set(summary["solver"])
    header = (a / "assignments.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "year,village_id,band,school_id,mode,pupils,travel_min"
    assert "solve the layout model" in (a / "run.log").read_text(encoding="utf-8")


def test_existing_folder_needs_force(data_dir, tmp_path):
    out = tmp_path / "plan"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    assert _run(data_dir, out) == cli.EXIT_BAD_INPUT
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_failed_write_leaves_nothing(data_dir, tmp_path, monkeypatch):
    from layout_opt import report

    out = tmp_path / "plan"
    out.mkdir()
    (out / "keep.txt").write_text("old plan", encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(report, "render_html", broken)
    with pytest.raises(RuntimeError):
        _run(data_dir, out, "--force")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".plan")]


def test_bad_input_exit_2_names_file_record_field(data_dir, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in data_dir.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    doc = json.loads((bad / "villages.geojson").read_text(encoding="utf-8"))
    vid = doc["features"][3]["properties"]["village_id"]
    doc["features"][3]["properties"]["g2"] = -5
    (bad / "villages.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    before = (bad / "villages.geojson").read_bytes()
    assert _run(bad, tmp_path / "out") == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "villages.geojson" in err and vid in err and "g2" in err
    assert (bad / "villages.geojson").read_bytes() == before
    assert not (tmp_path / "out").exists()


def test_infeasible_exit_3_explained_and_saved(data_dir, tmp_path, capsys):
    scen = tmp_path / "impossible.toml"
    scen.write_text(SCENARIO.replace("closure_target = 2", "closure_target = 500"), encoding="utf-8")
    out = tmp_path / "out"
    code = cli.main(["plan", "--data", str(data_dir), "--scenario", str(scen), "--out", str(out), "--quiet"])
    assert code == cli.EXIT_INFEASIBLE
    err = capsys.readouterr().err
    assert "closure target is 500" in err
    assert "closure target is 500" in (out / "infeasible.txt").read_text(encoding="utf-8")


def test_bad_scenario_exit_2(data_dir, tmp_path, capsys):
    scen = tmp_path / "bad.toml"
    scen.write_text("class_cap_primary = 0\n", encoding="utf-8")
    code = cli.main(["plan", "--data", str(data_dir), "--scenario", str(scen), "--out", str(tmp_path / "o"), "--quiet"])
    assert code == cli.EXIT_BAD_INPUT
    assert "class_cap_primary" in capsys.readouterr().err
