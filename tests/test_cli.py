"""The batch run: its exit paths, output safety, input checks before any work, interrupts
and identical files across runs."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
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
FAST = ("--time-limit", "5", "--no-routes")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("district")
    io.write_district(synthetic_district(n_towns=2, villages_per_town=6, seed=2), folder)
    (folder / "scenario.toml").write_text(SCENARIO, encoding="utf-8")
    return folder


@pytest.fixture()
def copy(data_dir, tmp_path) -> Path:
    """A copy of the small district that a test may break."""
    return Path(shutil.copytree(data_dir, tmp_path / "data"))


@pytest.fixture()
def no_work(monkeypatch):
    """Fails the test if the run gets as far as the travel times or the solve."""
    from layout_opt import api

    def started(*args, **kwargs):
        raise AssertionError("the run started working before refusing its input")

    monkeypatch.setattr(api, "travel_matrix", started)
    monkeypatch.setattr(api, "solve", started)


def _run(data: Path, out: Path | str, *extra: str, scenario: Path | None = None) -> int:
    scenario = scenario or data / "scenario.toml"
    return cli.main(["plan", "--data", str(data), "--scenario", str(scenario), "--out", str(out), "--quiet", *extra])


def _fingerprint(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) and its content hash."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _plan_folder(path: Path, text: str = "old plan") -> Path:
    """A plan folder as a plan run leaves it (marker and a summary)."""
    path.mkdir(parents=True)
    (path / io.PLAN_MARKER).write_text("", encoding="utf-8")
    (path / "summary.json").write_text(json.dumps({"plan": text}), encoding="utf-8")
    return path


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --------------------------------------------------------------------------- the plan folder


def test_plan_folder_contract_and_identical_files(data_dir, tmp_path):
    """Two runs give byte-identical files (timings, log and report aside) and usual modes."""
    a, b = tmp_path / "a", tmp_path / "b"
    old_umask = os.umask(0o022)
    try:
        start = time.monotonic()
        assert _run(data_dir, a) == 0
        time.sleep(max(0.0, 2.1 - (time.monotonic() - start)))  # ZIP dates have 2-s steps
        assert _run(data_dir, b) == 0
    finally:
        os.umask(old_umask)
    for name in (
        io.PLAN_MARKER,
        "summary.json",
        "assignments.csv",
        "schools.csv",
        "closures.csv",
        "routes.csv",
        "plan.gpkg",
        "plan.xlsx",
        "report.html",
        "run.log",
        "timings.json",
    ):
        assert (a / name).exists(), name
    ignore = {"report.html", "run.log", "timings.json"}
    files_a = {k: v for k, v in _fingerprint(a).items() if k not in ignore}
    assert {"plan.gpkg", "plan.xlsx", "summary.json"} <= set(files_a)
    assert files_a == {k: v for k, v in _fingerprint(b).items() if k not in ignore}
    assert (a.stat().st_mode & 0o777) == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]  # no lock, no temporary folder
    summary = json.loads((a / "summary.json").read_text(encoding="utf-8"))
    assert summary["closures"]["total"] >= 2
    assert summary["unserved_pupils"] == 0
    assert {"status", "objective_yuan", "bound_yuan", "gap"} <= set(summary["solver"])
    assert "seconds" not in summary["solver"]
    header = (a / "assignments.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "year,village_id,band,school_id,mode,pupils,travel_min"
    assert "solve the layout model" in (a / "run.log").read_text(encoding="utf-8")


def _pid_and(value: int) -> tuple[int, int]:
    return os.getpid(), value


def _fails(message: str) -> None:
    raise ValueError(message)


def _dies_in_a_child(parent: int) -> str:
    if os.getpid() != parent:
        os._exit(3)
    return "rendered here"


def test_a_report_rendered_aside_comes_from_a_child_or_from_here():
    """``_Aside`` runs the function in a forked child and hands back its result; the
    child's exception is raised here; a child that dies, or ``fork=False``, renders in
    this process instead; leaving the block stops a child whose result was not taken."""
    pid, value = io._Aside(_pid_and, 7).result()
    assert value == 7 and pid != os.getpid()
    assert io._Aside(_pid_and, 7, fork=False).result() == (os.getpid(), 7)
    with pytest.raises(ValueError, match="no map"):
        io._Aside(_fails, "no map").result()
    assert io._Aside(_dies_in_a_child, os.getpid()).result() == "rendered here"
    start = time.monotonic()
    with io._Aside(time.sleep, 60) as slow:
        child = slow._child
        assert child.is_alive()
    assert not child.is_alive() and time.monotonic() - start < 10


def test_workbook_bytes_do_not_depend_on_the_time_of_writing(tmp_path):
    import pandas as pd

    sheets = {"表": pd.DataFrame({"学校": ["一小", "二小"], "学位": [45, 90]})}
    io.write_xlsx(sheets, tmp_path / "a.xlsx")
    raw_a = _raw_workbook(sheets)
    time.sleep(2.1)  # a new second for the properties, a new 2-s step for the ZIP dates
    io.write_xlsx(sheets, tmp_path / "b.xlsx")
    assert _raw_workbook(sheets) != raw_a  # what the fixed dates guard against
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert pd.read_excel(tmp_path / "a.xlsx", sheet_name="表").equals(sheets["表"])


def _raw_workbook(sheets) -> bytes:
    from io import BytesIO

    import pandas as pd

    buffer = BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        for name, table in sheets.items():
            table.to_excel(xl, sheet_name=name, index=False)
    return buffer.getvalue()


def test_infeasible_exit_3_explained_and_saved(data_dir, tmp_path, capsys):
    scen = tmp_path / "impossible.toml"
    scen.write_text(SCENARIO.replace("closure_target = 2", "closure_target = 500"), encoding="utf-8")
    out = tmp_path / "out"
    assert _run(data_dir, out, *FAST, scenario=scen) == cli.EXIT_INFEASIBLE
    err = capsys.readouterr().err
    assert "closure target is 500" in err
    assert "closure target is 500" in (out / "infeasible.txt").read_text(encoding="utf-8")
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["status"] == "infeasible"
    assert io.is_plan_folder(out)  # so that --force may replace it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["impossible.toml", "out"]


@pytest.mark.parametrize("name", ["encoding_message", "is_plan_folder", "PlanFolder"])
def test_docstring_examples_of_io(name):
    import doctest

    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    messages: list[str] = []
    tests = [t for t in doctest.DocTestFinder().find(getattr(io, name), name, globs=vars(io)) if t.examples]
    assert tests
    for test in tests:
        runner.run(test, out=messages.append)
    assert runner.summarize(verbose=False).failed == 0, "".join(messages)


def test_cli_module_does_not_touch_the_disk():
    """Only layout_opt.io reads and writes files; the command line parses options and reports."""
    tree = ast.parse(Path(cli.__file__).read_text(encoding="utf-8"))
    writers = {"write_text", "write_bytes", "read_text", "read_bytes", "open", "exists", "is_dir", "iterdir"}
    writers |= {"mkdir", "rename", "unlink", "rmtree", "to_csv", "to_file", "to_excel", "write_json", "write_csv"}
    calls = {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }
    assert not calls & writers


# --------------------------------------------------------------------------- never lose an input


@pytest.mark.parametrize("where", ["data", "ancestor", "data file", "inside data", "scenario"])
def test_output_on_the_inputs_is_refused_before_any_work(copy, tmp_path, where, no_work, capsys):
    scenario = copy / "scenario.toml"
    if where == "ancestor":
        out = tmp_path
    else:
        out = {
            "data": copy,
            "data file": copy / "villages.geojson",
            "inside data": copy / "plans" / "x",
            "scenario": scenario,
        }[where]
    before = _fingerprint(tmp_path)
    assert _run(copy, out, "--force", scenario=scenario) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "--out" in err and ("data folder" in err or "scenario file" in err)
    assert _fingerprint(tmp_path) == before
    assert _hidden(copy) == [] and _hidden(tmp_path) == []


def test_an_existing_folder_that_is_not_a_plan_is_never_replaced(data_dir, tmp_path, no_work, capsys):
    out = tmp_path / "plan"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    assert _run(data_dir, out) == cli.EXIT_BAD_INPUT
    assert _run(data_dir, out, "--force") == cli.EXIT_BAD_INPUT
    assert "not a plan folder" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_a_file_as_output_is_never_replaced(data_dir, tmp_path, no_work, capsys):
    out = tmp_path / "notes.txt"
    out.write_text("mine", encoding="utf-8")
    assert _run(data_dir, out, "--force") == cli.EXIT_BAD_INPUT
    assert "is a file" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_plan_folder_needs_force(data_dir, tmp_path, no_work, capsys):
    out = _plan_folder(tmp_path / "plan")
    assert _run(data_dir, out) == cli.EXIT_BAD_INPUT
    assert "use --force" in capsys.readouterr().err
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == {"plan": "old plan"}


def test_a_dangling_symlink_is_refused(data_dir, tmp_path, no_work, capsys):
    link = tmp_path / "dangling"
    link.symlink_to(tmp_path / "nowhere")
    assert _run(data_dir, link, "--force") == cli.EXIT_BAD_INPUT
    assert "symbolic link" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling"]


def test_dot_as_output_is_the_current_folder(data_dir, copy, tmp_path, monkeypatch, no_work, capsys):
    monkeypatch.chdir(tmp_path)  # holds the data folder
    assert _run(copy, ".", "--force") == cli.EXIT_BAD_INPUT
    assert "contains the data folder" in capsys.readouterr().err
    assert _hidden(tmp_path) == []


def test_failed_write_leaves_the_old_plan_and_no_debris(data_dir, tmp_path, monkeypatch):
    from layout_opt import report

    out = _plan_folder(tmp_path / "plan")
    before = _fingerprint(out)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(report, "render_html", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        _run(data_dir, out, "--force", *FAST)
    assert _fingerprint(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


def test_a_plan_that_breaks_a_rule_exits_1_with_its_violations(data_dir, tmp_path, monkeypatch, caplog):
    """The checker finds a broken rule (here made to): the plan folder is written with
    violations.csv listing it, the run logs an error and exits 1."""
    from layout_opt.check import VIOLATION_COLUMNS
    from layout_opt.plan import Plan

    row = ["class size cap", 2024, "S0001", "an injected violation"]
    monkeypatch.setattr(Plan, "check", lambda self: pd.DataFrame([row], columns=VIOLATION_COLUMNS))
    out = tmp_path / "plan"
    assert _run(data_dir, out, *FAST) == cli.EXIT_ERROR
    written = pd.read_csv(out / "violations.csv")
    assert written.iloc[0].tolist() == row
    assert "the plan breaks 1 rule(s); see violations.csv" in caplog.text


# --------------------------------------------------------------------------- locks and leftovers


def test_overlapping_runs_never_replace_a_plan_without_force(data_dir, tmp_path):
    """The second of two runs started 1.5 s apart on the same folder is refused."""
    out = tmp_path / "plan"
    command = [sys.executable, "-m", "layout_opt.cli", "plan", "--data", str(data_dir)]
    command += ["--scenario", str(data_dir / "scenario.toml"), "--out", str(out), "--quiet", "--no-routes"]
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    second = subprocess.run(command, stderr=subprocess.PIPE, text=True, timeout=120)
    assert first.wait(timeout=120) == 0, first.stderr.read()
    assert second.returncode == cli.EXIT_BAD_INPUT, second.stderr
    assert "another plan run is writing" in second.stderr or "exists; use --force" in second.stderr
    assert io.is_plan_folder(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


def test_a_locked_folder_is_refused_before_any_work(data_dir, tmp_path, no_work, capsys):
    out = tmp_path / "plan"
    with io.PlanFolder(out):
        assert _run(data_dir, out) == cli.EXIT_BAD_INPUT
    assert "another plan run is writing" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_appears_during_the_run_is_kept(tmp_path):
    out = tmp_path / "plan"
    with io.PlanFolder(out) as folder:
        (folder.tmp / "summary.json").write_text("{}", encoding="utf-8")
        _plan_folder(out, "another run's plan")
        with pytest.raises(io.OutputError, match="use --force"):
            folder.commit()
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == {"plan": "another run's plan"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


def test_leftovers_of_an_interrupted_run_are_cleaned(data_dir, tmp_path):
    out = tmp_path / "plan"
    partial = tmp_path / ".plan.k3j9x0a1"  # a temporary folder of a killed run
    partial.mkdir()
    (partial / io.PLAN_MARKER).write_text("", encoding="utf-8")
    (partial / "summary.json").write_text("{}", encoding="utf-8")
    (partial / "plan.gpkg-journal").write_bytes(b"\0")
    older = tmp_path / ".plan.old"  # the previous plan, moved aside by a killed run that had replaced it
    older.mkdir()
    (older / "run.log").write_text("", encoding="utf-8")
    lookalike = tmp_path / ".plan.notes"  # the user's, not ours
    lookalike.mkdir()
    (lookalike / "summary.json").write_text("mine", encoding="utf-8")
    foreign = tmp_path / ".plan.abcd1234"  # our pattern, but holds a file a run never writes
    foreign.mkdir()
    (foreign / "mine.txt").write_text("mine", encoding="utf-8")
    assert _run(data_dir, out, *FAST) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".plan.abcd1234", ".plan.notes", "plan"]
    assert (foreign / "mine.txt").exists() and (lookalike / "summary.json").exists()


def test_force_replaces_a_plan_folder_whole(data_dir, tmp_path):
    out = _plan_folder(tmp_path / "plan")
    (out / "violations.csv").write_text("of the old plan", encoding="utf-8")
    assert _run(data_dir, out, "--force", *FAST) == 0
    assert "plan" not in json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert not (out / "violations.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


def test_a_foreign_folder_where_the_old_plan_goes_is_refused(tmp_path):
    aside = tmp_path / ".plan.old"
    aside.mkdir()
    (aside / "mine.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(io.OutputError, match="in the way"), io.PlanFolder(tmp_path / "plan"):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == [".plan.old"]
    assert (aside / "mine.txt").read_text(encoding="utf-8") == "mine"


def test_a_plan_moved_aside_by_an_interrupted_run_is_restored(tmp_path):
    out = tmp_path / "plan"
    _plan_folder(tmp_path / ".plan.old", "the plan before")
    with pytest.raises(io.OutputError, match="use --force"), io.PlanFolder(out):
        pass  # restored first, then a plan folder exists and force is not given
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == {"plan": "the plan before"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


def test_force_through_a_symlink_replaces_the_folder_it_points_to(tmp_path):
    real = _plan_folder(tmp_path / "real")
    link = tmp_path / "latest"
    link.symlink_to(real)
    with io.PlanFolder(link, force=True) as folder:
        (folder.tmp / "summary.json").write_text('{"plan": "new"}', encoding="utf-8")
        assert folder.commit() == real.resolve()
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert json.loads((real / "summary.json").read_text(encoding="utf-8")) == {"plan": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest", "real"]


def test_a_folder_of_an_earlier_version_counts_as_a_plan(tmp_path):
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    for name in ("summary.json", "run.log", "plan.xlsx"):
        (legacy / name).write_text("", encoding="utf-8")
    assert io.is_plan_folder(legacy)
    (legacy / "notes.docx").write_text("", encoding="utf-8")
    assert not io.is_plan_folder(legacy)


# --------------------------------------------------------------------------- unwritable output


def test_a_parent_that_is_a_file_is_refused_before_any_work(data_dir, tmp_path, no_work, capsys):
    (tmp_path / "plans").write_text("", encoding="utf-8")
    assert _run(data_dir, tmp_path / "plans" / "2024") == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "--out" in err and "is a file" in err


def test_an_unwritable_folder_is_found_before_any_work(data_dir, tmp_path, monkeypatch, no_work, capsys):
    """A folder that cannot be made (read-only or immutable disk) ends the run at once, leaving nothing."""
    real_mkdir = os.mkdir

    def read_only(path, *args, **kwargs):
        if Path(path).name.startswith(".2024."):
            raise PermissionError(13, "Permission denied")
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", read_only)
    assert _run(data_dir, tmp_path / "plans" / "2024") == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "--out" in err and "Permission denied" in err
    assert list(tmp_path.iterdir()) == []  # the parent folder it made is gone again


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_parent_is_refused_before_any_work(data_dir, tmp_path, no_work, capsys):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        assert _run(data_dir, parent / "plan") == cli.EXIT_BAD_INPUT
    finally:
        parent.chmod(0o755)
    assert "no permission" in capsys.readouterr().err
    assert list(parent.iterdir()) == []


# --------------------------------------------------------------------------- bad input, exit 2


def test_bad_input_exit_2_names_file_record_field(copy, tmp_path, capsys):
    doc = json.loads((copy / "villages.geojson").read_text(encoding="utf-8"))
    vid = doc["features"][3]["properties"]["village_id"]
    doc["features"][3]["properties"]["g2"] = -5
    (copy / "villages.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    before = _fingerprint(copy)
    assert _run(copy, tmp_path / "out") == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "villages.geojson" in err and vid in err and "g2" in err
    assert _fingerprint(copy) == before
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "1e9", "ten"])
def test_bad_time_limit_exit_2(data_dir, tmp_path, value, no_work, capsys):
    assert _run(data_dir, tmp_path / "out", f"--time-limit={value}") == cli.EXIT_BAD_INPUT
    assert "--time-limit" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_bad_scenario_exit_2(data_dir, tmp_path, capsys):
    scen = tmp_path / "bad.toml"
    scen.write_text("class_cap_primary = 0\n", encoding="utf-8")
    assert _run(data_dir, tmp_path / "o", scenario=scen) == cli.EXIT_BAD_INPUT
    assert "class_cap_primary" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "encoding", "words"),
    [
        ("[planning]\nyears = [2020, 2021]\n", "utf-8", ["years.toml", "before the base year 2023"]),
        ("years = [2099]\nhorizon_year = 2099\n", "utf-8", ["years.toml", "2099", "after the base year"]),
        ("name = '孟津'\n", "gbk", ["years.toml", "GBK", "UTF-8"]),
        ("[travel_limits]\nboarding_limit_min = 40\n", "utf-8", ["years.toml", "boarding_limit_min", "day_limit"]),
        ("[forecast]\nhorizon_year = 2000\n", "utf-8", ["years.toml", "horizon_year", "2026"]),
    ],
    ids=["before base year", "far future", "GBK", "boarding below day", "horizon"],
)
def test_scenario_problems_exit_2_naming_the_file(data_dir, tmp_path, text, encoding, words, no_work, capsys):
    scen = tmp_path / "years.toml"
    scen.write_bytes(text.encode(encoding))
    assert _run(data_dir, tmp_path / "out", scenario=scen) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert all(w in err for w in words), err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["years.toml"]


def test_a_folder_as_scenario_exit_2(data_dir, tmp_path, no_work, capsys):
    (tmp_path / "scenarios").mkdir()
    assert _run(data_dir, tmp_path / "out", scenario=tmp_path / "scenarios") == cli.EXIT_BAD_INPUT
    assert "is a folder, not a scenario file" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["plan", "summary"])
def test_district_json_that_is_not_an_object_exit_2(copy, tmp_path, command, no_work, capsys):
    (copy / "district.json").write_text("[2023]\n", encoding="utf-8")
    argv = ["summary", "--data", str(copy)] if command == "summary" else None
    code = cli.main(argv) if argv else _run(copy, tmp_path / "out")
    assert code == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "district.json" in err and "JSON object" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("content", "record", "field", "words"),
    [
        ('project,school_id,type,seats\n"A,S1,new,10\nB,S1,new,5\n', "-", "-", "cannot be read as CSV"),
        ("name,id,kind,seats\nA,{sid},new,10\n", "-", "type", "column is missing"),
        ("project,school_id,type,seats\nA,S9999,new,10\n", "A", "school_id", "unknown school"),
        ("project,school_id,type,seats\nA,{sid},new,many\n", "A", "seats", "whole number"),
        ("project,school_id,type,seats\nA,{sid},rebuild,10\n", "A", "type", "unknown project type"),
    ],
    ids=["unparseable", "wrong columns", "unknown school", "text seats", "unknown type"],
)
def test_bad_policy_projects_exit_2_before_any_work(copy, tmp_path, content, record, field, words, no_work, capsys):
    sid = json.loads((copy / "schools.geojson").read_text(encoding="utf-8"))["features"][0]["properties"]["school_id"]
    (copy / "policy_projects.csv").write_text(content.format(sid=sid), encoding="utf-8")
    assert _run(copy, tmp_path / "out") == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"policy_projects.csv: record {record}, field {field}:" in err and words in err, err


# --------------------------------------------------------------------------- interrupts


def test_ctrl_c_exits_130_with_one_line_and_leaves_nothing(data_dir, tmp_path):
    """SIGINT during the run: exit 130 at once, no traceback, nothing on disk (not even the parent made)."""
    out = tmp_path / "plans" / "2024"
    command = [sys.executable, "-m", "layout_opt.cli", "plan", "--data", str(data_dir)]
    command += ["--scenario", str(data_dir / "scenario.toml"), "--out", str(out)]
    run = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in run.stderr:
        seen.append(line)
        if "solve the layout model" in line:
            run.send_signal(signal.SIGINT)
            sent = time.monotonic()
            break
    rest = run.stderr.read()
    assert run.wait(timeout=60) == cli.EXIT_INTERRUPTED, "".join(seen) + rest
    assert time.monotonic() - sent < 10
    assert "Traceback" not in rest
    assert rest.strip().endswith("interrupted by SIGINT; nothing was written")
    assert rest.count("interrupted") == 1
    assert list(tmp_path.iterdir()) == []


def test_keyboard_interrupt_in_the_main_thread_exits_130(data_dir, tmp_path, monkeypatch, capsys):
    from layout_opt import api

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "solve", interrupted)
    assert _run(data_dir, tmp_path / "plans" / "x", *FAST) == cli.EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_the_run_reports_its_own_steps_not_the_libraries_chatter(data_dir, tmp_path, capsys):
    """Without --quiet the run prints its steps; the font subsetting's INFO lines (one
    lists every glyph id) are neither printed nor kept in run.log."""
    out = tmp_path / "plan"
    assert (
        cli.main(
            ["plan", "--data", str(data_dir), "--scenario", str(data_dir / "scenario.toml"), "--out", str(out), *FAST]
        )
        == 0
    )
    err = capsys.readouterr().err
    log = (out / "run.log").read_text(encoding="utf-8")
    assert "plan written to" in err and "write the plan folder" in log
    assert "Glyph IDs" not in err + log and "subsetted" not in err + log


def test_a_solve_stopped_without_a_plan_exits_1_and_writes_nothing(data_dir, tmp_path, monkeypatch, caplog):
    """A unit that stops at its time limit before finding any plan proves nothing about
    the rules: the run says so (not "infeasible"), exits 1 and leaves no folder."""
    from layout_opt import api
    from layout_opt.errors import SolverStoppedError

    def stopped(*args, **kwargs):
        raise SolverStoppedError(["东城镇 [lower_primary, upper_primary]"], 5.0)

    monkeypatch.setattr(api, "solve", stopped)
    out = tmp_path / "plan"
    assert _run(data_dir, out, *FAST) == cli.EXIT_ERROR
    assert "No plan was found within the time limit (5 s per unit) for 1 unit(s): 东城镇" in caplog.text
    assert "raise time_limit_s" in caplog.text and "No plan satisfies" not in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == []
