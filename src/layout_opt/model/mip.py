"""A mixed-integer program as arrays, and its solution with an OR-Tools backend.

:class:`MipArrays` is the one solver input of the library (``min c x + offset`` s.t.
``row_lo <= A x <= row_hi``, ``lb <= x <= ub``, some ``x`` integer); the layout model
(:class:`layout_opt.model.build.MatrixModel`) and the p-median core build one.
:func:`solve_model` hands the arrays straight to a MathOpt ``ModelProto`` and reads the
plan back as an array (no per-variable Python objects either way); OR-Tools gives the
proto to the chosen backend:

* ``highs`` (default): HiGHS branch-and-cut through MathOpt; single-threaded and
  deterministic for a given model (a wall-clock limit is only the safety net).
* ``scip``: SCIP through MathOpt (deterministic).
* ``cp-sat``: OR-Tools' CP-SAT (integer coefficients are scaled; uses ``threads``
  workers; deterministic with interleaved workers and a deterministic work limit).

Every run reports status, objective, best bound, gap and seconds.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ortools.math_opt import (
    callback_pb2,
    model_parameters_pb2,
    model_pb2,
    parameters_pb2,
    result_pb2,
    solution_pb2,
)
from ortools.math_opt.core.python import solver as core_solver
from ortools.math_opt.python import mathopt
from ortools.math_opt.solvers import highs_pb2
from ortools.sat import sat_parameters_pb2
from pybind11_abseil.status import StatusNotOk

logger = logging.getLogger(__name__)

BACKENDS = {"highs": mathopt.SolverType.HIGHS, "scip": mathopt.SolverType.GSCIP, "cp-sat": mathopt.SolverType.CP_SAT}


@dataclass(frozen=True)
class MipArrays:
    """A mixed-integer program as arrays.

    Attributes
    ----------
    c, lb, ub : numpy.ndarray
        Objective coefficient and bounds per variable.
    integer : numpy.ndarray
        Integrality per variable.
    A : scipy.sparse.csr_matrix
        Constraint matrix.
    row_lo, row_hi : numpy.ndarray
        Row bounds (``-inf``/``inf`` where open).
    objective_offset : float
        Constant added to ``c @ x``.
    """

    c: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    integer: np.ndarray
    A: sp.csr_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    objective_offset: float = 0.0


@dataclass(frozen=True)
class SolveResult:
    """Outcome of one solver run.

    Attributes
    ----------
    status : str
        ``optimal`` (gap within the target), ``feasible`` (a plan, gap above target),
        ``infeasible`` (proven: no plan exists), ``no_solution`` (stopped without a plan).
    objective : float
        Objective of the best plan (yuan), ``inf`` without one.
    bound : float
        Best proven lower bound (yuan).
    gap : float
        ``(objective - bound) / |objective|``; ``inf`` without a plan.
    seconds : float
        Wall-clock seconds of the solve.
    values : numpy.ndarray or None
        Value of every variable in the best plan.
    backend : str
        Backend used.
    detail : str
        Backend's termination detail.
    """

    status: str
    objective: float
    bound: float
    gap: float
    seconds: float
    values: np.ndarray | None
    backend: str
    detail: str = ""

    @property
    def has_plan(self) -> bool:
        """True when a plan (optimal or feasible) was found."""
        return self.values is not None


def to_proto(model: MipArrays) -> model_pb2.ModelProto:
    """The model as a MathOpt ``ModelProto``, built from arrays in one step."""
    proto = model_pb2.ModelProto()
    n = len(model.c)
    proto.variables.ids.extend(range(n))
    proto.variables.lower_bounds.extend(model.lb.tolist())
    proto.variables.upper_bounds.extend(model.ub.tolist())
    proto.variables.integers.extend(model.integer.tolist())
    nz = np.flatnonzero(model.c)
    proto.objective.linear_coefficients.ids.extend(nz.tolist())
    proto.objective.linear_coefficients.values.extend(model.c[nz].tolist())
    proto.objective.offset = float(model.objective_offset)
    coo = model.A.tocoo()
    order = np.lexsort((coo.col, coo.row))
    proto.linear_constraints.ids.extend(range(model.A.shape[0]))
    proto.linear_constraints.lower_bounds.extend(model.row_lo.tolist())
    proto.linear_constraints.upper_bounds.extend(model.row_hi.tolist())
    proto.linear_constraint_matrix.row_ids.extend(coo.row[order].tolist())
    proto.linear_constraint_matrix.column_ids.extend(coo.col[order].tolist())
    proto.linear_constraint_matrix.coefficients.extend(coo.data[order].tolist())
    return proto


def to_mathopt(model: MipArrays) -> tuple[mathopt.Model, list]:
    """The model as a :class:`mathopt.Model` (to inspect or export it)."""
    m = mathopt.Model.from_model_proto(to_proto(model))
    return m, list(m.variables())


def solve_model(
    model: MipArrays,
    backend: str = "highs",
    time_limit_s: float = 60.0,
    gap_target: float = 1e-3,
    seed: int = 0,
    threads: int = 2,
    hint: np.ndarray | None = None,
    incumbent: float | None = None,
    work_limit: float | None = None,
    highs_options: dict | None = None,
    node_limit: int | None = None,
    log: bool = False,
) -> SolveResult:
    """Solve ``model`` with an OR-Tools backend.

    Parameters
    ----------
    model : MipArrays
        The model.
    backend : {"highs", "scip", "cp-sat"}
        Solver.
    time_limit_s : float
        Wall-clock safety limit, seconds.
    gap_target : float
        Stop when the relative gap is at most this.
    seed : int
        Random seed of the backend.
    threads : int
        Threads for backends that use several (SCIP, CP-SAT).
    hint : numpy.ndarray, optional
        A plan to start from (all variables).
    incumbent : float, optional
        Objective of ``hint`` if it is feasible; kept when the backend finds nothing
        better.
    work_limit : float, optional
        Deterministic work limit (CP-SAT deterministic seconds); defaults to
        ``time_limit_s``.
    highs_options : dict, optional
        Extra HiGHS options by name.
    node_limit : int, optional
        Branch-and-bound node limit (a deterministic stop for HiGHS and SCIP).
    log : bool
        Print the backend's log.

    Returns
    -------
    SolveResult
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {sorted(BACKENDS)}, got {backend!r}")
    start = time.perf_counter()
    proto = to_proto(model)
    kwargs = dict(
        time_limit=datetime.timedelta(seconds=time_limit_s),
        relative_gap_tolerance=gap_target,
        random_seed=seed,
        enable_output=log,
    )
    if node_limit is not None and backend != "cp-sat":
        kwargs["node_limit"] = int(node_limit)
    if backend == "scip":
        kwargs["threads"] = threads
    if backend == "highs" and highs_options:
        opts = highs_pb2.HighsOptionsProto()
        for key, value in highs_options.items():
            if isinstance(value, bool):
                opts.bool_options[key] = value
            elif isinstance(value, int):
                opts.int_options[key] = value
            elif isinstance(value, float):
                opts.double_options[key] = value
            else:
                opts.string_options[key] = str(value)
        kwargs["highs"] = opts
    if backend == "cp-sat":
        # Several workers interleaved in one deterministic schedule; the work limit is
        # deterministic time, so two runs give the same plan.
        kwargs["cp_sat"] = sat_parameters_pb2.SatParameters(
            num_workers=threads,
            interleave_search=True,
            max_deterministic_time=work_limit if work_limit is not None else time_limit_s,
            random_seed=seed,
        )
    params = mathopt.SolveParameters(**kwargs)
    model_params = model_parameters_pb2.ModelSolveParametersProto()
    if hint is not None:
        # every variable, by id: the arrays go to the backend without per-variable objects
        values = model_params.solution_hints.add().variable_values
        values.ids.extend(range(len(hint)))
        values.values.extend(np.asarray(hint, float).tolist())
    res = _solve_proto(proto, backend, params, model_params)
    seconds = time.perf_counter() - start
    reason = mathopt.TerminationReason(res.termination.reason)
    if res.termination.limit == mathopt.Limit.TIME.value:
        logger.warning(
            "%s stopped on the wall-clock safety limit (%.0f s); a rerun may give another plan", backend, time_limit_s
        )
    bound = float(res.termination.objective_bounds.dual_bound)
    values = None
    objective = float("inf")
    primal = [sol.primal_solution for sol in res.solutions if sol.HasField("primal_solution")]
    if primal and primal[0].feasibility_status == solution_pb2.SOLUTION_STATUS_FEASIBLE:
        values = np.zeros(len(model.c))
        values[np.asarray(primal[0].variable_values.ids, dtype=np.int64)] = primal[0].variable_values.values
        values[model.integer] = np.round(values[model.integer])
        objective = float(model.c @ values + model.objective_offset)
    if hint is not None and incumbent is not None and incumbent < objective:
        values, objective = hint.copy(), incumbent
    if reason == mathopt.TerminationReason.INFEASIBLE:
        status = "infeasible"
    elif values is None:
        status = "no_solution"
    else:
        status = "feasible"
    gap = float("inf") if values is None else max(objective - bound, 0.0) / max(abs(objective), 1e-9)
    if values is not None and (gap <= gap_target + 1e-12 or reason == mathopt.TerminationReason.OPTIMAL):
        status = "optimal"
    logger.info(
        "%s: %s, objective %.6g, bound %.6g, gap %.3g%%, %.1f s", backend, status, objective, bound, 100 * gap, seconds
    )
    return SolveResult(
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        seconds=seconds,
        values=values,
        backend=backend,
        detail=str(res.termination.detail or reason.name),
    )


def _solve_proto(
    proto: model_pb2.ModelProto,
    backend: str,
    params: mathopt.SolveParameters,
    model_params: model_parameters_pb2.ModelSolveParametersProto,
) -> result_pb2.SolveResultProto:
    """One MathOpt solve of a model given as a proto: what :func:`mathopt.solve` does,
    without a Python object per variable on the way in or out (its result is read as
    arrays)."""
    try:
        return core_solver.solve(
            proto,
            BACKENDS[backend].value,
            parameters_pb2.SolverInitializerProto(),
            params.to_proto(),
            model_params,
            None,
            callback_pb2.CallbackRegistrationProto(),
            None,
            None,
        )
    except StatusNotOk as exc:
        raise RuntimeError(f"{backend}: {exc}") from None


def relaxation(model: MipArrays) -> MipArrays:
    """The model's LP relaxation (every variable continuous)."""
    return dataclasses.replace(model, integer=np.zeros_like(model.integer))
