"""Many scenarios, many districts: sweeps and batch runs on a Dask cluster.

:func:`sweep` plans one district under several scenarios, :func:`batch` several districts
under one scenario.  Each plan is a task of a Dask cluster (:mod:`dask.distributed`): a
``LocalCluster`` sized to the machine by default, or any cluster through its
``distributed.Client`` or its scheduler's address.  Inside a task the plan is solved in
the worker's own process (``workers=1``), or, with ``units_as_tasks``, its independent
units and bus-routing years are handed back to the cluster as tasks of their own.

What the runs promise:

* **The same plans.**  A task calls :func:`layout_opt.solve` with the same arguments as a
  sequential run; the plans do not depend on where they were solved.
* **Failure isolation.**  A task never raises: a district that cannot be read, a scenario
  that does not fit it, a plan that cannot exist and any other error become a
  :class:`Run` whose ``status`` and ``reason`` say so; a worker that dies is reported the
  same way; the other tasks complete.
* **Resumability.**  With an output folder, each task writes its plan folder (as
  ``layout-opt plan`` does, :func:`layout_opt.io.write_plan`) as soon as it is done; a
  later run on the same folder reads the finished ones (``summary.json``) instead of
  solving them again, unless ``force``; a finished one of another scenario (its solver
  budget aside, :data:`BUDGET_PARAMETERS`) is refused before any work.
* **Tables.**  :attr:`SweepResult.table`: one row per scenario or district with its status,
  reason and key figures; :attr:`SweepResult.comparison`: :func:`layout_opt.compare` of the
  plans.  Neither holds wall-clock seconds, so a resumed run writes the same tables.

The disk is read and written by :mod:`layout_opt.io`; this module plans the tasks, runs
them and gathers their outcomes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import io
from .api import solve
from .district import District
from .errors import InfeasibleError, OutputError, SolverStoppedError, ValidationError
from .kpis import KPI_ROWS, compare, plan_kpis
from .plan import Plan
from .scenario import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client

__all__ = ["PLANNED", "Run", "SweepResult", "batch", "dask_client", "sweep"]

logger = logging.getLogger(__name__)

#: Statuses of a run that has a plan that keeps every rule.
PLANNED: tuple[str, ...] = ("optimal", "feasible")
#: Every status of a run: the solver's (a plan), a plan that breaks a rule (a bug; see its
#: ``violations.csv``), no plan satisfies the rules, the solver stopped at its time limit
#: before any plan (nothing proven), unreadable or unfit input, any other error.
STATUSES: tuple[str, ...] = (*PLANNED, "breaks rules", "infeasible", "stopped", "bad input", "error")
#: Tables a run writes into its folder (besides one plan folder per scenario or district).
SWEEP_TABLE, COMPARISON_TABLE, BATCH_TABLE = "sweep.csv", "comparison.csv", "batch.csv"
#: Columns of :attr:`SweepResult.table` after the label, status and reason, in order; the
#: remaining rows of :data:`layout_opt.kpis.KPI_ROWS` follow.
FIGURE_COLUMNS: tuple[str, ...] = (
    "closures",
    "added seats",
    "added classrooms",
    "added beds",
    "buses",
    "capital cost (M yuan)",
    "cost (M yuan)",
    "objective (M yuan)",
    "gap (%)",
)
_REASONS_SHOWN = 3


@dataclass(frozen=True)
class Run:
    """The outcome of one task: one scenario of a sweep or one district of a batch.

    Attributes
    ----------
    label : str
        The scenario's or district's label, also the name of its plan folder.
    status : str
        One of :data:`STATUSES`: ``optimal`` or ``feasible`` (a plan; see
        :data:`PLANNED`), ``breaks rules``, ``infeasible``, ``stopped`` (no plan within the
        time limit), ``bad input`` or ``error``.
    reason : str
        Why there is no plan (or why it breaks a rule), in one line; empty for a plan.
    summary : dict or None
        The plan's ``summary`` (as in its ``summary.json``), or that of a run that found
        no plan (``status``, ``reasons``, ``scenario``); None after an error.
    plan : layout_opt.Plan or None
        The plan, when the run keeps plans and solved it now (a resumed run reads only
        its folder's ``summary.json``).
    folder : pathlib.Path or None
        Its plan folder, when the run writes them and the folder exists.
    resumed : bool
        Read from a finished plan folder instead of solved again.
    seconds : float
        Wall-clock seconds of the task (0 for a resumed run).
    """

    label: str
    status: str
    reason: str = ""
    summary: dict | None = field(default=None, repr=False)
    plan: Plan | None = field(default=None, repr=False)
    folder: Path | None = None
    resumed: bool = False
    seconds: float = 0.0

    @property
    def planned(self) -> bool:
        """Whether the run has a plan that keeps every rule."""
        return self.status in PLANNED


@dataclass(frozen=True)
class _Figures:
    """What :func:`layout_opt.kpis.plan_kpis` reads of a plan: its summary (e.g. from a
    finished plan folder's ``summary.json``)."""

    summary: dict


@dataclass(frozen=True)
class SweepResult:
    """The runs of a sweep (one per scenario) or a batch (one per district), in the order asked.

    Attributes
    ----------
    runs : tuple of Run
        One per scenario, district, or district and scenario.
    label_names : tuple of str
        What the labels name, the first columns of :attr:`table`: ``("scenario",)``,
        ``("district",)`` or ``("district", "scenario")`` (labels ``district/scenario``).
    """

    runs: tuple[Run, ...]
    label_names: tuple[str, ...] = ("scenario",)

    @property
    def what(self) -> str:
        """What one run plans: ``scenario``, ``district`` or ``plan``."""
        return self.label_names[0] if len(self.label_names) == 1 else "plan"

    def __getitem__(self, label: str) -> Run:
        for run in self.runs:
            if run.label == label:
                return run
        raise KeyError(label)

    def __len__(self) -> int:
        return len(self.runs)

    def __repr__(self) -> str:
        done = sum(r.planned for r in self.runs)
        return f"SweepResult({done} of {len(self.runs)} {self.what}s planned, {len(self.failed)} without a plan)"

    @property
    def plans(self) -> dict[str, Plan]:
        """Label -> plan, of the runs that keep their plan in memory."""
        return {r.label: r.plan for r in self.runs if r.plan is not None}

    @property
    def failed(self) -> list[Run]:
        """The runs without a plan that keeps every rule."""
        return [r for r in self.runs if not r.planned]

    @property
    def table(self) -> pd.DataFrame:
        """One row per run: label, ``status``, ``reason`` and the key figures.

        The figures are :data:`FIGURE_COLUMNS` (closures, added seats, classrooms and
        beds, buses of the last plan year, routed where routed, capital cost, cost — every
        yuan of the objective but the value of travel time —, objective and gap) and then
        the other rows of :func:`layout_opt.compare`; empty for a run without a plan.
        """
        return runs_table(self.runs, self.label_names)

    @property
    def comparison(self) -> pd.DataFrame:
        """:func:`layout_opt.compare` of the runs with a plan (one column each)."""
        figures = {r.label: _Figures(r.summary) for r in self.runs if _has_plan(r)}
        if not figures:
            return pd.DataFrame(index=pd.Index([], name="kpi"))
        return compare(figures)  # type: ignore[arg-type]  # compare reads the summaries only


def _has_plan(run: Run) -> bool:
    return run.summary is not None and "solver" in run.summary


def summary_figures(summary: dict) -> dict[str, Any]:
    """The key figures of one plan's summary: the rows of :func:`layout_opt.compare`, the
    buses of the last plan year (routed where routed) and its cost (M yuan: every term of
    the objective but the value of travel time).

    Examples
    --------
    >>> import layout_opt as lo
    >>> district = lo.examples.synthetic_district(n_towns=2, villages_per_town=5, seed=0)
    >>> plan = lo.solve(district, lo.Scenario(years=(2024,), closure_target=1, price_zone_rule=False), route_buses=False)
    >>> figures = summary_figures(plan.summary)
    >>> figures["closures"] == plan.summary["closures"]["total"], figures["buses"] > 0
    (True, True)
    """
    figures = dict(plan_kpis(_Figures(summary)).items())  # type: ignore[arg-type]
    last = str(summary["years"][-1])
    year = summary.get("buses", {}).get(last, {})
    buses = year.get("buses_routed", year.get("buses_model"))
    figures["buses"] = float("nan") if buses is None else buses
    money = summary["costs_yuan"].get("money")
    figures["cost (M yuan)"] = float("nan") if money is None else round(money / 1e6, 3)
    return figures


def runs_table(runs: Iterable[Run], label_names: tuple[str, ...] = ("scenario",)) -> pd.DataFrame:
    """One row per run: its label (one column per part of ``district/scenario``), status,
    reason and key figures (:func:`summary_figures`).

    A pure function of the runs' labels, statuses, reasons and summaries: a run resumed
    from its plan folder gives the same row as the run that wrote it.  Counts are
    integers (missing for a run without a plan); the travel columns of a band that no
    run plans are left out.
    """
    rows = []
    for run in runs:
        row: dict[str, Any] = dict(zip(label_names, run.label.split("/")))
        row |= {"status": run.status, "reason": run.reason}
        if _has_plan(run):
            row |= summary_figures(run.summary)  # type: ignore[arg-type]
        rows.append(row)
    others = [k for k in KPI_ROWS if k not in FIGURE_COLUMNS]
    labels = list(label_names)
    table = pd.DataFrame(rows, columns=[*labels, "status", "reason", *FIGURE_COLUMNS, *others])
    travel = [c for c in others if c.startswith("travel ") and table[c].isna().all()]
    table = table.drop(columns=travel)
    for c in table.columns[len(labels) + 2 :]:
        numbers = pd.to_numeric(table[c], errors="coerce")
        whole = numbers.dropna()
        table[c] = numbers.astype("Int64") if c in _COUNT_COLUMNS and (whole == whole.round()).all() else numbers
    return table


#: Columns of :func:`runs_table` that count things (integers).
_COUNT_COLUMNS = frozenset(
    {
        "closures",
        "added seats",
        "added seats primary",
        "added seats junior",
        "added seats senior",
        "added classrooms",
        "added beds",
        "day pupils",
        "boarders",
    }
)


# --------------------------------------------------------------------------- tasks


@dataclass(frozen=True)
class _Task:
    """One plan to make on a worker (picklable; the district travels separately)."""

    label: str
    scenario: Scenario
    data: Path | None = None  # a district folder to read on the worker (batch), or None
    out: Path | None = None  # the plan folder to write, or None
    force: bool = False
    route_buses: bool = True
    keep_plan: bool = True
    units_as_tasks: bool = False
    inputs: dict = field(default_factory=dict)


def _reason(reasons: Iterable[str]) -> str:
    """Reasons in one line: the first few, and how many more."""
    reasons = [" ".join(str(r).split()) for r in reasons]
    text = " ".join(reasons[:_REASONS_SHOWN])
    if len(reasons) > _REASONS_SHOWN:
        text += f" (and {len(reasons) - _REASONS_SHOWN} more)"
    return text


@contextlib.contextmanager
def _task_log() -> Iterator[StringIO]:
    """The log of this task (its thread only, INFO and up), for the plan folder's ``run.log``.

    While it runs, the messages go only there, not to the worker's console.
    """
    buffer = StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    thread = threading.get_ident()
    handler.addFilter(lambda record: record.thread == thread)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _solve(district: District, task: _Task) -> Plan:
    """The plan of one task: in this process, or with its units as tasks of the cluster."""
    if not task.units_as_tasks:
        return solve(district, task.scenario, route_buses=task.route_buses, workers=1)
    from distributed import worker_client

    with worker_client() as client:  # secedes: this task waits without holding a worker's thread

        def map_tasks(function: Callable, arguments: Iterable) -> list:
            items = list(arguments)
            shared = client.scatter(_Arguments(items), hash=False)  # the arguments once per worker
            futures = client.map(_call_nth, range(len(items)), function=function, arguments=shared, pure=False)
            return client.gather(futures)

        return solve(district, task.scenario, route_buses=task.route_buses, map_tasks=map_tasks)


@dataclass(frozen=True)
class _Arguments:
    """The arguments of a map's tasks as one object, sent once to each worker that runs one."""

    items: list


def _call_nth(n: int, function: Callable, arguments: _Arguments) -> Any:
    return function(arguments.items[n])


def _run_task(task: _Task, district: District | None = None, projects: pd.DataFrame | None = None) -> Run:
    """Make one plan and, when the task has a plan folder, write it; never raises.

    Parameters
    ----------
    task : _Task
        What to plan.
    district : layout_opt.District, optional
        The district; read from ``task.data`` (with its ``policy_projects.csv``) if omitted.
    projects : pandas.DataFrame, optional
        The policy's named projects, for the report (:func:`layout_opt.io.read_policy_projects`).

    Returns
    -------
    Run
        With the plan stripped of its district when the district came with the task (the
        caller has it), to keep what travels back small.
    """
    start = time.perf_counter()
    timings: dict[str, float] = {}
    shipped = district is not None
    with _task_log() as log, contextlib.ExitStack() as stack:
        folder = None
        try:
            if district is None:
                district = io.read_district(task.data)
                projects = io.read_policy_projects(task.data, school_ids=district.schools["school_id"])
                timings["load and validate the district"] = round(time.perf_counter() - start, 2)
            try:
                task.scenario.check_years(district.base_year, source=f"district {task.label}")
            except ValueError as exc:
                return Run(task.label, "bad input", _reason([str(exc)]), seconds=time.perf_counter() - start)
            if task.out is not None:
                folder = stack.enter_context(io.PlanFolder(task.out, force=task.force, inputs=task.inputs))
            t = time.perf_counter()
            try:
                plan = _solve(district, task)
            except InfeasibleError as exc:
                logger.warning("%s: no plan satisfies the rules: %s", task.label, _reason(exc.reasons))
                written = None
                if folder is not None:
                    written = io.write_infeasible(exc, folder, task.scenario, log_text=log.getvalue())
                summary = {"status": "infeasible", "reasons": exc.reasons, "scenario": task.scenario.to_dict()}
                return Run(
                    task.label,
                    "infeasible",
                    _reason(exc.reasons),
                    summary=summary,
                    folder=written,
                    seconds=time.perf_counter() - start,
                )
            timings["solve the layout model" + (" and route the school buses" if task.route_buses else "")] = round(
                time.perf_counter() - t, 2
            )
            broken = int(plan.summary.get("check", {}).get("violations", 0))
            reason = f"the plan breaks {broken} rule(s); see violations.csv" if broken else ""
            written = None
            if folder is not None:
                t = time.perf_counter()
                violations = plan.check() if broken else None
                written = io.write_plan(
                    plan,
                    folder,
                    policy_projects=projects,
                    log_text=log.getvalue(),
                    violations=violations,
                    timings=timings,
                )
                logger.info("%s: plan folder written in %.1f s", task.label, time.perf_counter() - t)
            kept = None
            if task.keep_plan:
                kept = dataclasses.replace(plan, district=None) if shipped else plan  # type: ignore[arg-type]
            return Run(
                task.label,
                plan.summary["solver"]["status"],
                reason,
                summary=plan.summary,
                plan=kept,
                folder=written,
                seconds=time.perf_counter() - start,
            )
        except SolverStoppedError as exc:
            logger.warning("%s: %s", task.label, exc)
            return Run(task.label, "stopped", str(exc), seconds=time.perf_counter() - start)
        except ValidationError as exc:
            return Run(
                task.label, "bad input", _reason(str(p) for p in exc.problems), seconds=time.perf_counter() - start
            )
        except Exception as exc:  # isolation: any other failure is this task's outcome, not the run's
            logger.exception("%s failed", task.label)
            text = f"{type(exc).__name__}: {exc}"
            return Run(task.label, "error", _reason([text]), seconds=time.perf_counter() - start)


def _resumed(task: _Task, summary: dict) -> Run:
    """The run of a finished plan folder, from its ``summary.json``."""
    if summary.get("status") == "infeasible":
        return Run(
            task.label, "infeasible", _reason(summary.get("reasons", [])), summary, folder=task.out, resumed=True
        )
    broken = int(summary.get("check", {}).get("violations", 0))
    reason = f"the plan breaks {broken} rule(s); see violations.csv" if broken else ""
    return Run(task.label, summary["solver"]["status"], reason, summary, folder=task.out, resumed=True)


#: Scenario parameters that set the solver's budget, not the question: a plan folder made
#: with another value is still the same scenario's (so that a rerun with a larger
#: ``--time-limit`` resumes the finished plans and gives the missing ones more time).
BUDGET_PARAMETERS: tuple[str, ...] = ("time_limit_s", "threads")


def _same_scenario(summary: dict, scenario: Scenario) -> bool:
    """Whether a plan folder's summary was made under ``scenario`` (compared as JSON, the
    solver's budget aside: :data:`BUDGET_PARAMETERS`)."""
    made = summary.get("scenario")
    if not isinstance(made, dict):
        return False
    asked = json.loads(json.dumps(scenario.to_dict()))
    return {k: v for k, v in made.items() if k not in BUDGET_PARAMETERS} == {
        k: v for k, v in asked.items() if k not in BUDGET_PARAMETERS
    }


# --------------------------------------------------------------------------- the cluster


@contextlib.contextmanager
def dask_client(client: Client | str | None = None, workers: int | None = None) -> Iterator[Client]:
    """A Dask client: the one given, one connected to a scheduler's address, or a new local cluster.

    Parameters
    ----------
    client : distributed.Client, str or None
        A client (used as is and left open), the address of a running scheduler (e.g.
        ``tcp://10.0.0.5:8786``; connected and closed after), or None: a
        ``LocalCluster`` of ``workers`` single-threaded worker processes, closed after.
    workers : int, optional
        Worker processes of the local cluster (default: the machine's CPUs).  Only for
        a local cluster: a running cluster has its own workers.

    Raises
    ------
    ValueError
        If ``workers`` is given with a client or an address, or is below 1.
    ConnectionError
        If the scheduler at the address cannot be reached.
    """
    from distributed import Client, LocalCluster

    if client is not None and workers is not None:
        raise ValueError("workers sizes a local cluster; a running cluster has its own workers")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if client is not None and not isinstance(client, str):
        yield client
        return
    if isinstance(client, str):
        try:
            connected = Client(client, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise ConnectionError(f"cannot reach the Dask scheduler at {client}: {exc}") from exc
        with connected:
            yield connected
        return
    n = workers or os.cpu_count() or 1
    logger.info("starting a local Dask cluster of %d worker process(es)", n)
    with (
        LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as local,
    ):
        yield local


class _Progress:
    """A progress bar on stderr (rich): runs done of all, how many without a plan, time left."""

    def __init__(self, total: int, what: str, enabled: bool):
        self.total, self.what, self.enabled = total, what, enabled
        self.failed = 0

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]} without a plan"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self.bar.start()
            self.task = self.bar.add_task(self.what, total=self.total, failed=0)
        return self

    def done(self, run: Run) -> None:
        self.failed += not run.planned
        if self.enabled:
            self.bar.update(self.task, advance=1, failed=self.failed)

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.bar.stop()


def _execute(
    client: Client,
    tasks: list[_Task],
    districts: list[District | None],
    projects: pd.DataFrame | None,
    progress: bool,
    what: str,
) -> dict[str, Run]:
    """Run the tasks on the cluster, gathering them as they complete; a task whose worker
    fails is an ``error`` run.  Each district is sent to the workers once."""
    from distributed import as_completed

    uses: dict[int, int] = {}
    for d in districts:
        if d is not None:
            uses[id(d)] = uses.get(id(d), 0) + 1
    scattered: dict[int, Any] = {}
    for d in districts:
        if d is not None and id(d) not in scattered:
            scattered[id(d)] = client.scatter(d, broadcast=uses[id(d)] > 1, hash=False)
    run_id = uuid.uuid4().hex[:8]
    futures = {}
    for task, d in zip(tasks, districts):
        future = client.submit(
            _run_task,
            task,
            scattered[id(d)] if d is not None else None,
            projects,
            key=f"layout-opt-{task.label}-{run_id}",
            pure=False,
        )
        futures[future] = (task, d)
    out: dict[str, Run] = {}
    try:
        with _Progress(len(tasks), what, progress) as bar:
            for future in as_completed(futures):
                task, d = futures[future]
                if future.status == "finished":
                    run = future.result()
                else:
                    try:
                        exc = future.exception()
                    except Exception as lost:  # e.g. cancelled by the scheduler
                        exc = lost
                    run = Run(task.label, "error", _reason([f"{type(exc).__name__}: {exc}"]))
                if run.plan is not None and d is not None:
                    run = dataclasses.replace(run, plan=dataclasses.replace(run.plan, district=d))
                out[task.label] = run
                bar.done(run)
                logger.debug("%s: %s (%.1f s)", task.label, run.status, run.seconds)
                future.release()
    except BaseException:
        client.cancel(list(futures))
        raise
    return out


def _run_all(
    tasks: list[_Task],
    districts: list[District | None],
    projects: pd.DataFrame | None,
    *,
    client: Client | str | None,
    workers: int | None,
    runs_folder: io.RunsFolder | None,
    tables: Mapping[str, Callable[[SweepResult], tuple[pd.DataFrame, bool]]],
    force: bool,
    progress: bool,
    label_names: tuple[str, ...],
) -> SweepResult:
    """Resume what is finished, run the rest, write the tables; the runs in the tasks' order.

    Everything is checked before any work: the plan folders (a file or a folder that a
    plan run did not write is refused, so is a plan folder of another scenario without
    ``force``); then the cluster is reached, and only then the run's folder is made.
    """
    if client is not None and workers is not None:
        raise ValueError("workers sizes a local cluster; a running cluster has its own workers")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    done: dict[str, Run] = {}
    stale = []
    for task in tasks:
        if task.out is None:
            continue
        io.check_output(task.out, force=True, inputs=task.inputs)  # a file or a folder a plan run did not write
        summary = io.read_plan_summary(task.out)
        if summary is None or force:
            continue
        if _same_scenario(summary, task.scenario):
            done[task.label] = _resumed(task, summary)
        else:
            stale.append(str(task.out))
    if stale:
        raise OutputError(
            f"{', '.join(stale)}: plan folder(s) of another scenario; use force (--force) to replace them, "
            "or another output folder"
        )
    todo = [(t, d) for t, d in zip(tasks, districts) if t.label not in done]
    what = SweepResult((), label_names).what
    if done:
        logger.info("%d of %d %s(s) resumed from their plan folders", len(done), len(tasks), what)
    if todo and client is None and workers is None and not any(t.units_as_tasks for t, _ in todo):
        workers = max(1, min(len(todo), os.cpu_count() or 1))  # no more local workers than tasks
    with (
        dask_client(client, workers) if todo else contextlib.nullcontext() as c,
        runs_folder if runs_folder is not None else contextlib.nullcontext(),
    ):
        if todo:
            logger.info("planning %d %s(s) on %s", len(todo), what, _describe(c))
            done |= _execute(c, [t for t, _ in todo], [d for _, d in todo], projects, progress, f"{what}s")
        result = SweepResult(tuple(done[t.label] for t in tasks), label_names)
        if runs_folder is not None:
            for name, make in tables.items():
                table, index = make(result)
                runs_folder.write_table(table, name, index=index)
    _log_result(result)
    return result


def _describe(client: Client) -> str:
    """The cluster in a few words, for the log."""
    try:
        workers = client.scheduler_info(n_workers=-1)["workers"]
    except Exception:  # an old scheduler without n_workers, or one that went away
        return f"the Dask cluster at {client.scheduler.address}"
    return f"{len(workers)} Dask worker(s) at {client.scheduler.address}"


def _check_label(label: str, what: str) -> str:
    """A label names a plan folder: one visible path component, not a table's name."""
    text = str(label)
    bad = (
        not text.strip()
        or text in (".", "..")
        or text.startswith(".")
        or any(c in text for c in "/\\\0")
        or text in (SWEEP_TABLE, COMPARISON_TABLE, BATCH_TABLE)
    )
    if bad:
        raise ValueError(
            f"{what} label {text!r} cannot name a plan folder: use a name without / or \\, not starting with a dot"
        )
    return text


def _labelled_scenarios(scenarios: Mapping[str, Scenario] | Iterable[Scenario]) -> dict[str, Scenario]:
    if isinstance(scenarios, Mapping):
        items = [(str(k), v) for k, v in scenarios.items()]
    else:
        items = [(s.name, s) for s in scenarios]
    out: dict[str, Scenario] = {}
    for label, scenario in items:
        if not isinstance(scenario, Scenario):
            raise TypeError(f"scenario {label!r} is a {type(scenario).__name__}, not a layout_opt.Scenario")
        if label in out:
            raise ValueError(f"two scenarios are labelled {label!r}; give each a name of its own (Scenario.name)")
        out[_check_label(label, "scenario")] = scenario
    if not out:
        raise ValueError("a sweep needs at least one scenario")
    return out


# --------------------------------------------------------------------------- entry points


def sweep(
    district: District,
    scenarios: Mapping[str, Scenario] | Iterable[Scenario],
    client: Client | str | None = None,
    *,
    out: str | os.PathLike | None = None,
    force: bool = False,
    route_buses: bool = True,
    workers: int | None = None,
    keep_plans: bool = True,
    units_as_tasks: bool = False,
    progress: bool = False,
    policy_projects: pd.DataFrame | None = None,
    inputs: Mapping[str, str | os.PathLike | None] | None = None,
) -> SweepResult:
    """Plan ``district`` under every scenario, each scenario a task of a Dask cluster.

    Parameters
    ----------
    district : layout_opt.District
        The district (sent once to every worker).
    scenarios : dict of str to Scenario, or a list of Scenario
        Label -> scenario; a list is labelled by the scenarios' names, which must then
        differ.  Labels name the plan folders.
    client : distributed.Client, str or None
        Where the tasks run (:func:`dask_client`): a client, a scheduler's address, or
        None for a new ``LocalCluster`` of ``workers`` processes, closed at the end.
    out : path-like, optional
        Folder of the run (:class:`layout_opt.io.RunsFolder`): one plan folder per
        scenario, written by the workers (a cluster on other machines must see it at the
        same path), and the tables ``sweep.csv`` (:attr:`SweepResult.table`) and
        ``comparison.csv`` (:attr:`SweepResult.comparison`).  A plan folder finished by
        an earlier run under the same scenario is read instead of solved again.
    force : bool
        Solve every scenario again and replace its plan folder.
    route_buses : bool
        As :func:`layout_opt.solve`.
    workers : int, optional
        Worker processes of the local cluster (default: the machine's CPUs).
    keep_plans : bool
        Bring the plans back (:attr:`SweepResult.plans`); otherwise only their summaries.
    units_as_tasks : bool
        Hand each plan's independent units and bus-routing years back to the cluster as
        tasks (``distributed.worker_client``), so that a sweep of fewer scenarios than
        workers uses them all; by default each plan is solved in its worker's process.
    progress : bool
        Show a progress bar on stderr.
    policy_projects : pandas.DataFrame, optional
        The policy's named projects, for the plan folders' reports.
    inputs : mapping of str to path-like, optional
        The input files and folders by role, which ``out`` may not touch.

    Returns
    -------
    SweepResult
        One :class:`Run` per scenario, in order; ``.table``, ``.comparison``, ``.plans``.

    Raises
    ------
    ValueError
        For labels that clash or cannot name a folder, or ``workers`` with a running
        cluster, before any work.
    layout_opt.errors.OutputError
        If ``out`` is refused, or holds a plan folder of another scenario and ``force``
        is not given, before any work.
    ConnectionError
        If the scheduler cannot be reached.

    Notes
    -----
    The plans equal those of ``lo.solve(district, scenario, route_buses=route_buses)``
    one after the other.  A scenario that fails (no plan satisfies its rules, its years
    do not fit the district, any error) is a run with its status and reason; the others
    complete.  Solve the scenarios with ``threads = 1`` (the default ``threads = 2``
    only sizes :func:`layout_opt.solve`'s own process pool, which a task does not use).

    Examples
    --------
    >>> import layout_opt as lo
    >>> district = lo.examples.synthetic_district(n_towns=2, villages_per_town=5, seed=0)
    >>> base = lo.Scenario(years=(2024,), price_zone_rule=False, time_limit_s=20)
    >>> result = lo.sweep(district, [base.replace(name=f"close {n}", closure_target=n) for n in (0, 2)],
    ...                   workers=2, route_buses=False)                      # doctest: +SKIP
    >>> result.table[["scenario", "status", "closures"]]                     # doctest: +SKIP
      scenario   status  closures
    0  close 0  optimal         0
    1  close 2  optimal         2
    """
    labelled = _labelled_scenarios(scenarios)
    runs_folder = io.RunsFolder(out, inputs=inputs) if out is not None else None
    tasks = [
        _Task(
            label=label,
            scenario=scenario,
            out=runs_folder.plan_folder(label) if runs_folder else None,
            force=force,
            route_buses=route_buses,
            keep_plan=keep_plans,
            units_as_tasks=units_as_tasks,
            inputs=dict(inputs or {}),
        )
        for label, scenario in labelled.items()
    ]
    return _run_all(
        tasks,
        [district] * len(tasks),
        policy_projects,
        client=client,
        workers=workers,
        runs_folder=runs_folder,
        tables={SWEEP_TABLE: lambda r: (r.table, False), COMPARISON_TABLE: lambda r: (r.comparison, True)},
        force=force,
        progress=progress,
        label_names=("scenario",),
    )


def batch(
    districts: Mapping[str, District | str | os.PathLike] | Iterable[str | os.PathLike],
    scenario: Scenario | Mapping[str, Scenario] | Iterable[Scenario],
    client: Client | str | None = None,
    *,
    out: str | os.PathLike | None = None,
    force: bool = False,
    route_buses: bool = True,
    workers: int | None = None,
    keep_plans: bool = True,
    units_as_tasks: bool = False,
    progress: bool = False,
    inputs: Mapping[str, str | os.PathLike | None] | None = None,
) -> SweepResult:
    """Plan every district under ``scenario``, each district a task of a Dask cluster.

    Parameters
    ----------
    districts : dict of str to District or path, or a list of paths
        Label -> district, or -> its data folder; a list of data folders is labelled by
        the folders' names.  A folder is read on the worker (with its
        ``policy_projects.csv``), so that a district that cannot be read fails alone
        (status ``bad input``); a cluster on other machines must see it at the same path.
    scenario : Scenario, or several (a dict of str to Scenario, or a list)
        The scenario of every district.  With several (labelled as in :func:`sweep`),
        every district is planned under every scenario, each pair a task: a province's
        counties under a handful of scenarios in one run, its plan folders
        ``out/DISTRICT/SCENARIO``, its labels ``DISTRICT/SCENARIO``.
    client, out, force, route_buses, workers, keep_plans, units_as_tasks, progress, inputs
        As :func:`sweep`; ``out`` gets one plan folder per district and ``batch.csv``.

    Returns
    -------
    SweepResult
        One :class:`Run` per district (per district and scenario), in order;
        ``.table`` starts with the column ``district`` (and ``scenario``).

    Examples
    --------
    >>> import layout_opt as lo
    >>> counties = lo.examples.county_districts(4, seed=0)
    >>> base = lo.Scenario(years=(2024,), closure_target=-1, boarding_schools_per_town=0, price_zone_rule=False)
    >>> result = lo.batch(counties, base, workers=2, keep_plans=False)                      # doctest: +SKIP
    >>> result.table[["district", "status", "closures", "buses", "cost (M yuan)"]]          # doctest: +SKIP
    """
    if isinstance(districts, Mapping):
        items = [(str(k), v) for k, v in districts.items()]
    else:
        items = [(Path(p).name, p) for p in districts]
    if not items:
        raise ValueError("a batch needs at least one district")
    seen: set[str] = set()
    for label, _ in items:
        if label in seen:
            raise ValueError(f"two districts are labelled {label!r}; give each a label of its own")
        seen.add(_check_label(label, "district"))
    several = not isinstance(scenario, Scenario)
    scenarios = _labelled_scenarios(scenario) if several else {"": scenario}  # type: ignore[arg-type]
    runs_folder = io.RunsFolder(out, inputs=inputs) if out is not None else None
    tasks, shipped = [], []
    for label, d in items:
        for scenario_label, s in scenarios.items():
            full = f"{label}/{scenario_label}" if several else label
            tasks.append(
                _Task(
                    label=full,
                    scenario=s,
                    data=None if isinstance(d, District) else Path(d),
                    out=runs_folder.plan_folder(full) if runs_folder else None,
                    force=force,
                    route_buses=route_buses,
                    keep_plan=keep_plans,
                    units_as_tasks=units_as_tasks,
                    inputs=dict(inputs or {}),
                )
            )
            shipped.append(d if isinstance(d, District) else None)
    return _run_all(
        tasks,
        shipped,
        None,
        client=client,
        workers=workers,
        runs_folder=runs_folder,
        tables={BATCH_TABLE: lambda r: (r.table, False)},
        force=force,
        progress=progress,
        label_names=("district", "scenario") if several else ("district",),
    )


def _log_result(result: SweepResult) -> None:
    what = result.what
    resumed = sum(r.resumed for r in result.runs)
    logger.info(
        "%d of %d %s(s) planned (%d resumed from their plan folders)",
        sum(r.planned for r in result.runs),
        len(result.runs),
        what,
        resumed,
    )
    for run in result.failed:
        logger.warning("%s %s: %s: %s", what, run.label, run.status, run.reason)
