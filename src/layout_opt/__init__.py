"""layout_opt: exact, policy-aware school-network planning for Chinese county districts.

Decides which small rural schools and teaching points to close, which day or boarding
school each village's pupils attend, and how many seats, classrooms, beds and yuan the
receiving schools need, year by year.  :func:`sweep` and :func:`batch` plan many
scenarios or many districts on a Dask cluster.
"""

from __future__ import annotations

from . import examples
from .api import compare, solve, travel_matrix
from .district import District
from .errors import InfeasibleError, Problem, SolverStoppedError, ValidationError
from .io import read_district as load_district
from .plan import Plan
from .scenario import Scenario
from .sweeps import batch, sweep

__all__ = [
    "District",
    "InfeasibleError",
    "Plan",
    "Problem",
    "Scenario",
    "SolverStoppedError",
    "ValidationError",
    "batch",
    "compare",
    "examples",
    "load_district",
    "solve",
    "sweep",
    "travel_matrix",
]
__version__ = "0.1.0"
