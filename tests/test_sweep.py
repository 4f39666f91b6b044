"""Sweeps and batch runs on Dask: the plans equal the sequential ones, a failing scenario or
district is reported while the others complete, a second run resumes, and the output
folder is judged before any work.

One ``LocalCluster`` of two single-threaded worker processes serves the module (the
command line reaches it through its scheduler's address); the districts are tiny
synthetic ones solved in about a second.
"""

from __future__ import annotations

import importlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import layout_opt as lo
from layout_opt import cli, io
from layout_opt.examples import county_districts, county_sizes, synthetic_district
from layout_opt.sweeps import Run, SweepResult, runs_table

distributed = pytest.importorskip("distributed")

BASE = lo.Scenario(
    name="base", years=(2024,), boarding_schools_per_town=0, closure_target=-1, price_zone_rule=False, time_limit_s=20
)
SCENARIOS = {
    "base": BASE,
    "small classes": BASE.replace(name="small classes", class_cap_primary=30, closure_target=0),
    "short trips": BASE.replace(name="short trips", day_limit_lower_primary_min=5),  # no plan: villages too far
}
SCENARIO_TOML = """
[planning]
name = "{name}"
years = [2024]
[closures]
closure_target = {target}
[class_caps]
class_cap_primary = {cap}
[travel_limits]
day_limit_lower_primary_min = {minutes}
[concentration]
boarding_schools_per_town = 0
[solver]
price_zone_rule = false
time_limit_s = 20
"""
TABLES = ("closures", "schools", "assignments", "pupils", "catchments", "moves")


@pytest.fixture(scope="module")
def client():
    """A local cluster of two worker processes, one thread each, for the whole module."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def district():
    return synthetic_district(n_towns=2, villages_per_town=5, seed=0)


@pytest.fixture(scope="module")
def sequential(district):
    """Each scenario solved in this process, one after the other (None: no plan)."""
    out = {}
    for label, scenario in SCENARIOS.items():
        try:
            out[label] = lo.solve(district, scenario, workers=1)
        except lo.InfeasibleError as exc:
            out[label] = exc
    return out


def _without_seconds(summary: dict) -> dict:
    """A summary as ``summary.json`` holds it (no wall-clock seconds), through JSON."""
    summary = dict(summary, solver={k: v for k, v in summary["solver"].items() if k != "seconds"})
    return json.loads(json.dumps(summary))


def _assert_same_plan(plan: lo.Plan, expected: lo.Plan) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(plan, name), getattr(expected, name), obj=name)
    assert _without_seconds(plan.summary) == _without_seconds(expected.summary)
    assert sorted(plan.buses) == sorted(expected.buses)
    for year, buses in plan.buses.items():
        pd.testing.assert_frame_equal(buses.routes, expected.buses[year].routes, obj=f"routes {year}")


def _inodes(folder: Path) -> dict[str, int]:
    """Every file under ``folder`` and its inode: a plan folder written again gets new ones."""
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- Python


def test_sweep_on_two_workers_equals_the_sequential_plans(client, district, sequential):
    result = lo.sweep(district, SCENARIOS, client=client)
    assert [r.label for r in result.runs] == list(SCENARIOS)
    assert [r.status for r in result.runs] == ["optimal", "optimal", "infeasible"]
    for label in ("base", "small classes"):
        plan = result.plans[label]
        assert plan.district is district  # the district travels once and comes back as the caller's
        _assert_same_plan(plan, sequential[label])
    assert result["short trips"].plan is None
    assert result["short trips"].reason.startswith(sequential["short trips"].reasons[0].split(":")[0])
    assert "within 5 min" in result["short trips"].reason
    expected = lo.compare({k: sequential[k] for k in ("base", "small classes")})
    pd.testing.assert_frame_equal(result.comparison, expected)
    table = result.table
    assert table["scenario"].tolist() == list(SCENARIOS)
    assert table.loc[1, "added seats"] > table.loc[0, "added seats"]  # smaller classes need seats
    assert pd.isna(table.loc[2, "closures"]) and table.loc[2, "status"] == "infeasible"
    assert [r.label for r in result.failed] == ["short trips"]


def test_units_as_tasks_give_the_same_plan(client, district, sequential):
    result = lo.sweep(district, {"base": BASE}, client=client, units_as_tasks=True)
    _assert_same_plan(result.plans["base"], sequential["base"])


def test_a_sweep_without_a_cluster_starts_its_own(district, sequential):
    result = lo.sweep(district, [BASE], route_buses=True)  # a LocalCluster of one worker: one task
    _assert_same_plan(result.plans["base"], sequential["base"])


def test_labels_are_checked_before_any_work(district, tmp_path):
    with pytest.raises(ValueError, match="two scenarios are labelled 'base'"):
        lo.sweep(district, [BASE, BASE.replace(closure_target=0)], out=tmp_path / "runs")
    with pytest.raises(ValueError, match="cannot name a plan folder"):
        lo.sweep(district, {"../base": BASE}, out=tmp_path / "runs")
    with pytest.raises(ValueError, match="workers sizes a local cluster"):
        lo.sweep(district, [BASE], client="tcp://127.0.0.1:1", workers=2)
    assert not (tmp_path / "runs").exists()


def test_force_solves_again_and_replaces_the_plan_folder(client, district, tmp_path):
    out = tmp_path / "runs"
    first = lo.sweep(district, {"base": BASE}, client=client, out=out, route_buses=False)
    before = _inodes(out / "base")
    again = lo.sweep(district, {"base": BASE}, client=client, out=out, route_buses=False)
    assert again["base"].resumed and again["base"].plan is None and _inodes(out / "base") == before
    forced = lo.sweep(district, {"base": BASE}, client=client, out=out, route_buses=False, force=True)
    assert not forced["base"].resumed and forced["base"].plan is not None
    assert _inodes(out / "base")["summary.json"] != before["summary.json"]
    assert forced.table.equals(first.table) and again.table.equals(first.table)


def test_a_task_that_fails_on_its_worker_is_reported_and_the_others_complete(district, monkeypatch):
    """A task that raises on its worker (as one whose worker dies: ``KilledWorker``) is an
    ``error`` run with the exception's message; the others complete."""
    sweeps = importlib.import_module("layout_opt.sweeps")
    real = sweeps._run_task

    def dies_on_small_classes(task, *args):
        if task.label == "small classes":
            raise MemoryError("the worker ran out of memory")
        return real(task, *args)

    monkeypatch.setattr(sweeps, "_run_task", dies_on_small_classes)
    with (
        distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as in_process,
    ):
        result = lo.sweep(district, {k: SCENARIOS[k] for k in ("base", "small classes")}, client=in_process)
    assert [r.status for r in result.runs] == ["optimal", "error"]
    assert result["small classes"].reason == "MemoryError: the worker ran out of memory"


def test_the_table_of_a_run_without_a_plan_has_its_status_and_no_figures():
    table = runs_table([Run("a", "bad input", "villages.geojson: not found"), Run("b", "error", "boom")], ("district",))
    assert table.columns[:3].tolist() == ["district", "status", "reason"]
    assert table["closures"].isna().all() and table["status"].tolist() == ["bad input", "error"]
    result = SweepResult((Run("a", "infeasible", "too far"),))
    assert result.comparison.empty and len(result.failed) == 1


def test_batch_plans_every_district_under_every_scenario(client, district):
    counties = {"one": district, "two": synthetic_district(n_towns=2, villages_per_town=4, seed=3)}
    scenarios = {"base": BASE, "small classes": SCENARIOS["small classes"]}
    result = lo.batch(counties, scenarios, client=client, route_buses=False)
    assert [r.label for r in result.runs] == ["one/base", "one/small classes", "two/base", "two/small classes"]
    table = result.table
    assert table[["district", "scenario"]].values.tolist() == [
        ["one", "base"],
        ["one", "small classes"],
        ["two", "base"],
        ["two", "small classes"],
    ]
    for run in result.runs:
        name, label = run.label.split("/")
        expected = lo.solve(counties[name], scenarios[label], route_buses=False, workers=1)
        _assert_same_plan(run.plan, expected)
        assert run.plan.district is counties[name]


# --------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("scenarios")
    for label, s in SCENARIOS.items():
        text = SCENARIO_TOML.format(
            name=s.name, target=s.closure_target, cap=s.class_cap_primary, minutes=s.day_limit_lower_primary_min
        )
        (folder / f"{label.replace(' ', '-')}.toml").write_text(text, encoding="utf-8")
    return folder


def _cli(command: str, *args: object, client=None) -> int:
    extra = ["--scheduler", client.scheduler.address] if client is not None else []
    return cli.main([command, *map(str, args), *extra, "--no-routes", "--quiet"])


def test_sweep_command_writes_a_plan_folder_per_scenario_and_resumes(client, district, scenario_dir, tmp_path, capsys):
    data = io.write_district(district, tmp_path / "data")
    out = tmp_path / "runs"
    assert (
        _cli("sweep", "--data", data, "--scenarios", scenario_dir, "--out", out, client=client) == cli.EXIT_INFEASIBLE
    )
    table = pd.read_csv(out / "sweep.csv", encoding="utf-8-sig")
    assert table["scenario"].tolist() == ["base", "short-trips", "small-classes"]  # files by name
    assert table["status"].tolist() == ["optimal", "infeasible", "optimal"]
    comparison = pd.read_csv(out / "comparison.csv", encoding="utf-8-sig", index_col="kpi")
    assert comparison.columns.tolist() == ["base", "small-classes"]
    for label in ("base", "small-classes"):
        assert io.is_plan_folder(out / label) and (out / label / "report.html").is_file()
        expected = lo.solve(io.read_district(data), SCENARIOS[label.replace("-", " ")], route_buses=False, workers=1)
        assert io.read_plan_summary(out / label) == _without_seconds(expected.summary)
    assert "within 5 min" in (out / "short-trips" / "infeasible.txt").read_text(encoding="utf-8")

    before = {p.name: _inodes(p) for p in out.iterdir() if p.is_dir()}
    tables = (out / "sweep.csv").read_bytes(), (out / "comparison.csv").read_bytes()
    assert _cli("sweep", "--data", data, "--scenarios", scenario_dir, "--out", out) == cli.EXIT_INFEASIBLE
    assert {p.name: _inodes(p) for p in out.iterdir() if p.is_dir()} == before  # nothing solved or written again
    assert ((out / "sweep.csv").read_bytes(), (out / "comparison.csv").read_bytes()) == tables

    # more time is the same scenario: resumed; another rule is not: refused before any work
    assert (
        _cli("sweep", "--data", data, "--scenarios", scenario_dir, "--out", out, "--time-limit", "30")
        == cli.EXIT_INFEASIBLE
    )
    changed = tmp_path / "changed"
    shutil.copytree(scenario_dir, changed)
    path = changed / "base.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("closure_target = -1", "closure_target = 0"), "utf-8")
    assert _cli("sweep", "--data", data, "--scenarios", changed, "--out", out) == cli.EXIT_BAD_INPUT
    assert "plan folder(s) of another scenario" in capsys.readouterr().err
    assert {p.name: _inodes(p) for p in out.iterdir() if p.is_dir()} == before


def test_batch_reports_a_broken_district_while_the_others_complete(client, tmp_path, capsys):
    counties = county_districts(3, seed=0, towns=(2, 3), villages_per_town=(4, 5))
    root = tmp_path / "counties"
    for name, d in counties.items():
        io.write_district(d, root / name)
    shutil.copytree(root / "county-02", root / "county-04")
    (root / "county-04" / "villages.geojson").write_text('{"type": "FeatureCollection", "features": [', "utf-8")
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(SCENARIO_TOML.format(name="base", target=-1, cap=45, minutes=30), encoding="utf-8")
    out = tmp_path / "batch"
    assert _cli("batch", "--districts", root, "--scenario", scenario, "--out", out, client=client) == cli.EXIT_ERROR
    assert "county-04: bad input: villages.geojson" in capsys.readouterr().err
    table = pd.read_csv(out / "batch.csv", encoding="utf-8-sig")
    assert table["district"].tolist() == ["county-01", "county-02", "county-03", "county-04"]
    assert table["status"].tolist() == ["optimal", "optimal", "optimal", "bad input"]
    assert table.loc[3, "reason"].startswith("villages.geojson") and pd.isna(table.loc[3, "closures"])
    assert not (out / "county-04").exists()
    for name in counties:
        expected = lo.solve(io.read_district(root / name), BASE, route_buses=False, workers=1)
        assert io.read_plan_summary(out / name) == _without_seconds(expected.summary)
        row = table.set_index("district").loc[name]
        assert row["closures"] == expected.summary["closures"]["total"]
        assert row["added beds"] == expected.summary["added"]["beds"]

    before = {name: _inodes(out / name) for name in counties}
    shutil.rmtree(root / "county-04")  # repaired: only it is planned now
    shutil.copytree(root / "county-02", root / "county-04")
    assert _cli("batch", "--districts", root, "--scenario", scenario, "--out", out, client=client) == cli.EXIT_OK
    assert {name: _inodes(out / name) for name in counties} == before
    assert pd.read_csv(out / "batch.csv", encoding="utf-8-sig")["status"].tolist() == ["optimal"] * 4


def test_the_output_folder_is_judged_before_any_work(district, scenario_dir, tmp_path, capsys):
    data = io.write_district(district, tmp_path / "data")
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine", encoding="utf-8")
    for out, message in (
        (data / "runs", "lies inside the data folder"),
        (stranger, "is not a folder of a sweep or batch run"),
    ):
        assert _cli("sweep", "--data", data, "--scenarios", scenario_dir, "--out", out) == cli.EXIT_BAD_INPUT
        assert message in capsys.readouterr().err
    assert sorted(p.name for p in stranger.iterdir()) == ["notes.txt"] and not (data / "runs").exists()
    assert _cli("batch", "--districts", tmp_path / "none", "--out", tmp_path / "b") == cli.EXIT_BAD_INPUT
    assert "folder of district folders not found" in capsys.readouterr().err
    assert cli.main(["sweep", "--scenarios", str(scenario_dir), "--out", "x", "--workers", "0"]) == cli.EXIT_BAD_INPUT


# --------------------------------------------------------------------------- counties


def test_counties_are_seeded_and_of_varied_size():
    sizes = county_sizes(20, seed=0)
    assert [c["name"] for c in sizes][:2] == ["county-01", "county-02"] and len(sizes) == 20
    assert sizes == county_sizes(20, seed=0) and sizes != county_sizes(20, seed=1)
    assert len({(c["n_towns"], c["villages_per_town"]) for c in sizes}) >= 8
    assert len({c["seed"] for c in sizes}) == 20
    with pytest.raises(ValueError, match="towns"):
        county_sizes(3, towns=(4, 2))


def test_a_task_whose_solve_stops_without_a_plan_is_stopped_not_infeasible(district, monkeypatch):
    """A scenario whose solve stops at its time limit before any plan is a ``stopped`` run
    that says to raise the time limit; the other scenarios complete."""
    from layout_opt.errors import SolverStoppedError

    sweeps = importlib.import_module("layout_opt.sweeps")
    real = sweeps._solve

    def stops_on_small_classes(district, task):
        if task.label == "small classes":
            raise SolverStoppedError(["一镇 [lower_primary]"], task.scenario.time_limit_s)
        return real(district, task)

    monkeypatch.setattr(sweeps, "_solve", stops_on_small_classes)
    with (
        distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as in_process,
    ):
        result = lo.sweep(
            district, {k: SCENARIOS[k] for k in ("base", "small classes")}, client=in_process, route_buses=False
        )
    assert [r.status for r in result.runs] == ["optimal", "stopped"]
    assert "raise time_limit_s" in result["small classes"].reason and result["small classes"].plan is None
