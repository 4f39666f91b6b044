"""Command line: ``layout-opt plan`` (the batch run), ``layout-opt sweep``, ``layout-opt batch``
and ``layout-opt summary``.

``layout-opt plan --data data --scenario scenarios/default.toml --out plans/2024-2026``
regenerates the whole plan and writes its folder (see the README).  This module parses
the options and reports; the disk is read and written by :mod:`layout_opt.io` only.
Exit codes: 0 a plan; 2 bad options or input (file, record and field named, before any
work; nothing on disk changes); 3 no plan satisfies the rules (the explanation is
printed and saved in the folder); 1 a plan that breaks a rule or anything else; 130
interrupted by Ctrl-C (143 by SIGTERM), with nothing left on disk.

``layout-opt sweep`` (one district, many scenarios) and ``layout-opt batch`` (many
districts, one scenario) run one plan per task on a Dask cluster
(:mod:`layout_opt.sweeps`) and write one plan folder per scenario or district and a
table.  Exit codes: 0 every task has a plan; 3 some have none because no plan satisfies
their rules, and nothing else failed; 1 any other failure (a district that cannot be
read, a scenario that does not fit it, a plan that breaks a rule, an error); 2 bad
options or input of the run itself, before any work; 130 (143) interrupted, the finished
plan folders kept for the next run to resume.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import signal
import socket
import sys
import threading
from pathlib import Path

from .errors import OutputError, ValidationError

logger = logging.getLogger("layout_opt")
#: Libraries whose INFO lines (file reads, font subsetting, cluster start-up) are not the
#: run's: only their warnings are shown.
QUIET_LOGGERS: tuple[str, ...] = ("distributed", "fontTools", "pyogrio")

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3
#: Exit code after Ctrl-C (SIGINT): 128 + 2, as shells report it.
EXIT_INTERRUPTED = 130


def _summary_text(summary: dict) -> str:
    lines = [
        f"{summary['district']} — base year {summary['base_year']}",
        f"villages: {summary['villages']}   residents: {summary['residents']:,}",
        "residents by settlement class: "
        + ", ".join(f"{k} {v:,}" for k, v in summary["residents_by_settlement"].items()),
        "pupils by band: " + ", ".join(f"{k} {v:,}" for k, v in summary["pupils_by_band"].items()),
        "pupils per 1,000 residents: " + ", ".join(f"{k} {v}" for k, v in summary["pupils_per_1000"].items()),
        "children by age: " + ", ".join(f"{k} {v:,}" for k, v in summary["children_by_age"].items()),
        "schools by kind: " + ", ".join(f"{k} {v}" for k, v in summary["schools_by_kind"].items()),
        "planned projects: " + ", ".join(summary["planned_projects"]),
        f"closure candidates (teaching points and schools under 100 pupils): {summary['closure_candidates']}",
        f"classes over the 45/50 cap: {summary['oversize_classes']['classes']} classes in {summary['oversize_classes']['schools']} schools",
    ]
    for o in summary["oversize_classes"]["list"]:
        lines.append(
            f"    {o['name']} ({o['school_id']}): {o['classes']} classes, {o['pupils_per_class']} pupils per class (cap {o['cap']})"
        )
    lines.append("boarding beds by town: " + ", ".join(f"{k} {v}" for k, v in summary["boarding_beds_by_town"].items()))
    board = summary["boarding_today"]
    lines.append(
        "schools with beds today: "
        + ", ".join(f"{k} {n} ({board['beds'][k]:,} beds)" for k, n in board["schools"].items() if n)
    )
    if board["boarders_by_band"] is None:
        lines.append("boarders today: no attendance table (enrolment.csv)")
    else:
        lines.append(
            f"boarders today: {sum(board['boarders_by_band'].values()):,} ("
            + ", ".join(f"{k} {v:,}" for k, v in board["boarders_by_band"].items())
            + ")"
        )
    roads = summary["roads"]
    if roads is not None:
        lines.append(
            f"roads: {roads['segments']} segments, {sum(roads['km_by_class'].values()):,.1f} km; by class "
            + ", ".join(f"{k} {v:,.1f}" for k, v in roads["km_by_class"].items())
            + "; by source "
            + ", ".join(f"{k} {v:,.1f}" for k, v in roads["km_by_source"].items())
            + f"; {roads['bridges']} bridges"
        )
    return "\n".join(lines)


def cmd_summary(args: argparse.Namespace) -> int:
    """Print the district summary."""
    from .io import read_district

    district = read_district(args.data)
    summary = district.summary()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(_summary_text(summary))
    return EXIT_OK


class _Step:
    """Logs the start and the duration of a long step."""

    def __init__(self, name: str, timings: dict):
        self.name, self.timings = name, timings

    def __enter__(self):
        import time

        logger.info("%s ...", self.name)
        self.t = time.perf_counter()
        return self

    def __exit__(self, *exc):
        import time

        self.timings[self.name] = round(time.perf_counter() - self.t, 2)
        if exc[0] is None:
            logger.info("%s: %.1f s", self.name, self.timings[self.name])
        return False


def cmd_plan(args: argparse.Namespace, interrupts: _Interrupts | None = None) -> int:
    """Regenerate the plan and write its folder.

    Every input and the output are checked before any work: the output path
    (:class:`layout_opt.io.PlanFolder`), the scenario, the data folder, the scenario's
    years against the data's base year and ``policy_projects.csv``.
    """
    import time
    from io import StringIO

    from . import io
    from .api import demand_forecast, solve, travel_matrix
    from .errors import InfeasibleError, SolverStoppedError
    from .plan import gap_text

    start = time.perf_counter()
    buffer = StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        folder = io.PlanFolder(
            args.out, force=args.force, inputs={"the data folder": args.data, "the scenario file": args.scenario}
        )
        scenario = _scenario(args)
        timings: dict = {}
        with _Step("load and validate the district", timings):
            district = io.read_district(args.data)
            try:
                scenario.check_years(district.base_year, source=f"data folder {args.data}")
            except ValueError as exc:
                raise _BadInput(f"{_scenario_source(args)}: {exc}") from exc
            projects = io.read_policy_projects(args.data, school_ids=district.schools["school_id"])
        if interrupts is not None:
            interrupts.folder = folder  # before entering: an interrupt while it is made undoes it too
        with folder:
            with _Step("travel-time matrix", timings):
                travel = travel_matrix(district, scenario)
            with _Step("school-age forecast", timings):
                demand_forecast(district, scenario)
            try:
                step = "solve the layout model" + (" and route the school buses" if args.routes else "")
                with _Step(step, timings):
                    plan = solve(
                        district, scenario, travel=travel, route_buses=args.routes, sensitivity=args.sensitivity
                    )
            except InfeasibleError as exc:
                print(exc.explanation, file=sys.stderr)
                io.write_infeasible(exc, folder, scenario, log_text=buffer.getvalue())
                return EXIT_INFEASIBLE
            except SolverStoppedError as exc:
                logger.error("%s", exc)
                return EXIT_ERROR
            with _Step("check the plan against the rules", timings):
                violations = plan.check()
            if len(violations):
                logger.error("the plan breaks %d rule(s); see violations.csv", len(violations))
            with _Step("write the plan folder", timings):
                written = io.write_plan(
                    plan,
                    folder,
                    policy_projects=projects,
                    log_text=buffer.getvalue(),
                    violations=violations,
                    timings=timings,
                    render_aside=True,  # the signal watcher, this process's other thread, only reads a pipe
                )
        s = plan.summary
        if "preschool" in district.planned_bands(plan.scenario):
            from .report import kindergarten_places

            kp = kindergarten_places(plan)
            policy = district.policy
            logger.info(
                "kindergartens: %d open in the last plan year (%d public), %d children; %d places added "
                "(%d on sites, %d at new sites) for %.2f M yuan%s",
                kp["kindergartens"],
                kp["public"],
                kp["children"],
                kp["total"],
                kp["expansion"],
                kp["new_sites"],
                kp["cost_yuan"] / 1e6,
                ""
                if policy is None or policy.kindergarten_places is None
                else f"; the policy: {policy.kindergarten_places:,} places, "
                f"{(policy.kindergarten_build_yuan or 0) / 1e6:.2f} M yuan",
            )
        logger.info(
            "plan written to %s in %.1f s: %d closures, %d classrooms, %d beds, capital %.1f M yuan; solver %s, gap %s",
            written,
            time.perf_counter() - start,
            s["closures"]["total"],
            s["added"]["classrooms"],
            s["added"]["beds"],
            s["costs_yuan"]["capital"] / 1e6,
            s["solver"]["status"],
            gap_text(s["solver"]["gap"]),
        )
        return EXIT_ERROR if len(violations) else EXIT_OK
    finally:
        root.removeHandler(handler)


class _BadInput(Exception):
    """A bad option or scenario: the message is printed and the exit code is 2."""


def _scenario(args: argparse.Namespace):
    """The scenario of the run: the file (or the defaults) with the command-line overrides."""
    from .scenario import Scenario

    try:
        scenario = Scenario.from_toml(args.scenario) if args.scenario else Scenario()
    except ValueError as exc:
        raise _BadInput(str(exc)) from exc
    overrides = {}
    if args.time_limit is not None:
        overrides["time_limit_s"] = args.time_limit
    try:
        return scenario.replace(**overrides)
    except ValueError as exc:  # e.g. --time-limit against the scenario's own rules
        raise _BadInput(f"{_scenario_source(args)} with the command-line options: {exc}") from exc


def _scenario_source(args: argparse.Namespace) -> str:
    return args.scenario.name if args.scenario else "the default scenario"


def _time_limit(text: str) -> float:
    """``--time-limit``: seconds within the scenario parameter's range."""
    from .scenario import PARAMETERS

    p = PARAMETERS["time_limit_s"]
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not (math.isfinite(seconds) and p.low <= seconds <= p.high):
        raise argparse.ArgumentTypeError(f"must be {p.range_text()} seconds, got {text}")
    return seconds


class _Interrupts:
    """SIGINT (Ctrl-C) and SIGTERM end the run at once, with one line and nothing left on disk.

    The signals' handlers do nothing but wake a watcher thread through
    :func:`signal.set_wakeup_fd`; it discards :attr:`folder` (the plan folder being
    written, with its lock and temporary folder) and exits with 128 + the signal number
    (130 for SIGINT).  Raising :class:`KeyboardInterrupt` in the main thread would not
    do: while a solver runs in compiled code the main thread does not run Python, and
    the exception can be lost on the way back.  Outside the main thread this does nothing.
    """

    SIGNALS = ("SIGINT", "SIGTERM")

    def __init__(self) -> None:
        self.folder = None
        self._active = False

    def __enter__(self) -> _Interrupts:
        if threading.current_thread() is not threading.main_thread():
            return self
        self._active = True
        self._recv, self._send = socket.socketpair()
        self._send.setblocking(False)
        self._old_fd = signal.set_wakeup_fd(self._send.fileno(), warn_on_full_buffer=False)
        self._old_handlers = {}
        for name in self.SIGNALS:
            signum = getattr(signal, name, None)
            if signum is not None:
                self._old_handlers[signum] = signal.signal(signum, _ignore_here)
        self._thread = threading.Thread(target=self._watch, name="layout-opt signals", daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        data = self._recv.recv(1)
        if not data or data[0] == 0:  # the run ended
            return
        signum = data[0]
        folder = self.folder
        if folder is not None:
            folder.discard()
        done = folder is not None and folder.state == "committed"
        what = f"the plan folder {folder.target} is complete" if done else "nothing was written"
        os.write(2, f"\ninterrupted by {signal.Signals(signum).name}; {what}\n".encode())
        os._exit(128 + signum)

    def __exit__(self, *exc: object) -> None:
        if not self._active:
            return
        for signum, old in self._old_handlers.items():
            signal.signal(signum, old)
        signal.set_wakeup_fd(self._old_fd)
        with contextlib.suppress(OSError):
            self._send.send(b"\0")
        self._thread.join(timeout=5)
        self._recv.close()
        self._send.close()
        self._active = False


def _ignore_here(signum: int, frame: object) -> None:
    """Python-level handler of SIGINT/SIGTERM: the watcher thread of :class:`_Interrupts` acts."""


def _read_scenario(path: Path, time_limit: float | None):
    """One scenario file with the command line's ``--time-limit``; a bad one is bad input."""
    from .scenario import Scenario

    try:
        scenario = Scenario.from_toml(path)
        return scenario if time_limit is None else scenario.replace(time_limit_s=time_limit)
    except ValueError as exc:
        raise _BadInput(f"{path.name}: {exc}" if not str(exc).startswith(path.name) else str(exc)) from exc


def _labelled_files(files: list[Path], time_limit: float | None) -> dict:
    """Scenario files by label (the file's name without ``.toml``): label -> (path, scenario)."""
    labelled: dict = {}
    for path in files:
        if path.stem in labelled:
            raise _BadInput(
                f"{labelled[path.stem][0]} and {path}: two scenario files named {path.stem!r}; each names its plan folder"
            )
        labelled[path.stem] = (path, _read_scenario(path, time_limit))
    return labelled


class _Terminated(Exception):
    """SIGTERM during a sweep or batch run."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated


def _run_many(args: argparse.Namespace, command) -> int:
    """Run a sweep or batch ``command(args) -> SweepResult`` and report it.

    Ctrl-C (or SIGTERM) stops the run: the cluster's tasks are cancelled, the plan
    folders already finished stay, and the same command resumes from them.
    """
    import distributed  # noqa: F401  (its import sets its loggers' levels: quiet them after it)

    from .sweeps import PLANNED

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)
    quiet_loggers = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    for name in quiet_loggers:
        logging.getLogger(name).setLevel(logging.WARNING)
    old_term = None
    if threading.current_thread() is threading.main_thread():
        old_term = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        try:
            result = command(args)
        except ConnectionError as exc:
            raise _BadInput(str(exc)) from exc
        except ValueError as exc:
            if type(exc) is ValueError:  # a label that cannot name a folder, and the like
                raise _BadInput(str(exc)) from exc
            raise
    except (KeyboardInterrupt, _Terminated) as exc:
        code = EXIT_INTERRUPTED if isinstance(exc, KeyboardInterrupt) else 128 + signal.SIGTERM
        print(
            f"\ninterrupted; the finished plan folders in {args.out} are kept: run the same command again to resume",
            file=sys.stderr,
        )
        return code
    finally:
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)
        root.setLevel(level)
        for name, old in quiet_loggers.items():
            logging.getLogger(name).setLevel(old)
    if not args.quiet:
        columns = [*result.label_names, "status", "closures", "added seats", "added beds", "buses", "cost (M yuan)"]
        print(result.table[columns + ["gap (%)"]].to_string(index=False, na_rep="-"))
    statuses = {run.status for run in result.runs}
    if statuses <= set(PLANNED):
        return EXIT_OK
    if statuses <= {*PLANNED, "infeasible"}:
        return EXIT_INFEASIBLE
    return EXIT_ERROR


def cmd_sweep(args: argparse.Namespace) -> int:
    """Plan one district under many scenarios, one Dask task each; see :func:`layout_opt.sweep`."""

    def command(args: argparse.Namespace):
        from . import io
        from .sweeps import sweep

        labelled = _labelled_files(io.scenario_files(args.scenarios), args.time_limit)
        inputs = {"the data folder": args.data}
        inputs |= {f"the scenario file {path}": path for path, _ in labelled.values()}
        inputs |= {f"the scenario folder {p}": p for p in io.folders_among(args.scenarios)}
        io.RunsFolder(args.out, inputs=inputs)  # the output is judged before the data is read
        district = io.read_district(args.data)
        for path, scenario in labelled.values():
            try:
                scenario.check_years(district.base_year, source=f"data folder {args.data}")
            except ValueError as exc:
                raise _BadInput(f"{path.name}: {exc}") from exc
        projects = io.read_policy_projects(args.data, school_ids=district.schools["school_id"])
        return sweep(
            district,
            {label: scenario for label, (_, scenario) in labelled.items()},
            policy_projects=projects,
            inputs=inputs,
            **_cluster_options(args),
        )

    return _run_many(args, command)


def _cluster_options(args: argparse.Namespace) -> dict:
    """The keyword arguments that ``sweep`` and ``batch`` take alike from the command line."""
    return {
        "client": args.scheduler,
        "out": args.out,
        "force": args.force,
        "route_buses": args.routes,
        "workers": args.workers,
        "keep_plans": False,
        "units_as_tasks": args.units_as_tasks,
        "progress": not args.quiet,
    }


def cmd_batch(args: argparse.Namespace) -> int:
    """Plan every district folder under one scenario, one Dask task each; see :func:`layout_opt.batch`."""

    def command(args: argparse.Namespace):
        from . import io
        from .scenario import Scenario
        from .sweeps import batch

        if args.scenario:
            scenarios = _labelled_files(io.scenario_files(args.scenario), args.time_limit)
        else:
            scenarios = {
                "default": (None, Scenario() if args.time_limit is None else Scenario(time_limit_s=args.time_limit))
            }
        inputs = {"the districts folder": args.districts}
        inputs |= {f"the scenario file {path}": path for path, _ in scenarios.values() if path is not None}
        scenario_folders = io.folders_among(args.scenario or ())
        inputs |= {f"the scenario folder {p}": p for p in scenario_folders}
        io.RunsFolder(args.out, inputs=inputs)  # judged before the districts are listed
        folders = io.district_folders(args.districts)
        several = len(scenarios) > 1 or bool(scenario_folders)
        return batch(
            folders,
            {label: s for label, (_, s) in scenarios.items()} if several else next(iter(scenarios.values()))[1],
            inputs=inputs,
            **_cluster_options(args),
        )

    return _run_many(args, command)


def _workers(text: str) -> int:
    """``--workers``: a whole number of at least 1."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def _add_run_options(p: argparse.ArgumentParser, what: str) -> None:
    """Options shared by ``sweep`` and ``batch``."""
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        help=f"folder of the run: one plan folder per {what} and the run's table (made if missing)",
    )
    cluster = p.add_mutually_exclusive_group()
    cluster.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="address of a running Dask scheduler (e.g. tcp://10.0.0.5:8786); its workers must have layout_opt "
        "installed and see the input and output folders at the same paths (default: a local cluster)",
    )
    cluster.add_argument(
        "--workers",
        type=_workers,
        default=None,
        help="worker processes of the local cluster (default: one per CPU, at most one per task)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help=f"plan every {what} again, replacing its plan folder (by default finished plan folders are reused)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no table (failures are still reported)")
    p.add_argument(
        "--time-limit",
        type=_time_limit,
        default=None,
        help="solver budget of each plan in seconds, 1 to 86400 (overrides the scenario)",
    )
    p.add_argument("--no-routes", dest="routes", action="store_false", help="skip the school-bus routes")
    p.add_argument(
        "--units-as-tasks",
        action="store_true",
        help="hand each plan's independent units to the cluster as tasks too (helps when there are fewer "
        f"{what}s than workers)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="layout-opt", description="School network planning for a county district.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("summary", help="print the district's key figures")
    p.add_argument("--data", type=Path, default=Path("data"), help="district data folder (default: data)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_summary)
    p = sub.add_parser("plan", help="regenerate the school layout plan and write its folder")
    p.add_argument("--data", type=Path, default=Path("data"), help="district data folder (default: data)")
    p.add_argument("--scenario", type=Path, default=None, help="scenario TOML (default: the policy defaults)")
    p.add_argument("--out", type=Path, required=True, help="plan folder to write")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an existing plan folder (never a folder or file that a plan run did not write)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress messages (the log still goes to the folder)")
    p.add_argument(
        "--time-limit",
        type=_time_limit,
        default=None,
        help="solver budget in seconds, 1 to 86400 (overrides the scenario)",
    )
    p.add_argument(
        "--no-routes",
        dest="routes",
        action="store_false",
        help="skip the school-bus routes (and the re-solves that bring the model's bus cost to the routed one)",
    )
    p.add_argument(
        "--sensitivity",
        action="store_true",
        help="also re-solve with the bus, boarding, running and time prices at -50 %% and +50 %% (summary and report)",
    )
    p.set_defaults(func=cmd_plan)
    p = sub.add_parser(
        "sweep", help="plan one district under many scenarios on a Dask cluster, one plan folder per scenario"
    )
    p.add_argument("--data", type=Path, default=Path("data"), help="district data folder (default: data)")
    p.add_argument(
        "--scenarios",
        type=Path,
        nargs="+",
        required=True,
        metavar="DIR_OR_FILE",
        help="scenario TOML files, or folders of them (each *.toml); a file's name (without .toml) labels its plan "
        "folder",
    )
    _add_run_options(p, "scenario")
    p.set_defaults(func=cmd_sweep)
    p = sub.add_parser(
        "batch", help="plan every district folder under one scenario on a Dask cluster, one plan folder per district"
    )
    p.add_argument(
        "--districts",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder of district data folders (each sub-folder is a district, named by the folder)",
    )
    p.add_argument(
        "--scenario",
        type=Path,
        nargs="+",
        default=None,
        metavar="TOML",
        help="scenario TOML (default: the policy defaults); several files, or a folder of them, plan every district "
        "under every scenario (plan folders OUT/DISTRICT/SCENARIO)",
    )
    _add_run_options(p, "district")
    p.set_defaults(func=cmd_batch)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``layout-opt`` command; returns the exit code.

    Exit codes: 0 a plan; 1 a plan that breaks a rule (a bug); 2 bad options or input,
    named, before any work; 3 no plan satisfies the rules; 130 interrupted (SIGINT),
    143 terminated (SIGTERM), with nothing left on disk.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a bad option (2, message printed)
        return exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_BAD_INPUT)
    quiet = getattr(args, "quiet", True) or args.command == "summary"
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    console.setLevel(logging.WARNING if quiet else logging.INFO)
    logging.getLogger().addHandler(console)
    try:
        if args.command in ("sweep", "batch"):  # interrupts keep the finished plan folders (see _run_many)
            return int(args.func(args))
        with _Interrupts() as interrupts:
            if args.command == "plan":
                return int(cmd_plan(args, interrupts))
            return int(args.func(args))
    except (ValidationError, OutputError, _BadInput) as exc:
        prefix = "--out: " if isinstance(exc, OutputError) else ""
        print(f"error: {prefix}{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\ninterrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        logging.getLogger().removeHandler(console)


if __name__ == "__main__":
    sys.exit(main())
