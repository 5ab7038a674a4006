"""An honest upper bound from the LP relaxation of the session model.

CP-SAT's own bound on a large instance can stay well above the LP relaxation
when its LP workers do not get enough of 2 shared cores in time. This solves
the relaxation with OR-Tools' own LP solvers (GLOP, or PDLP on large models;
never HiGHS, whose Python module cannot share a process with ortools) and turns
the dual values into a bound by weak duality, so the bound is valid even when
the LP solver stops early or its answer is slightly inexact:

    max c.x  s.t.  A x <= b,  lo <= x <= hi
    <=  lambda.b + sum_j max((c - A'lambda)_j lo_j, (c - A'lambda)_j hi_j)   for any lambda >= 0
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

# Above this many nonzeros PDLP (first-order, one thread) replaces GLOP's
# simplex: on the large benchmark GLOP took 11-16 s, PDLP 0.6 s, same bound.
PDLP_FROM_NONZEROS = 50_000
PDLP_PARAMETERS = (
    "termination_criteria { simple_optimality_criteria { "
    "eps_optimal_relative: 1e-7 eps_optimal_absolute: 1e-7 } } num_threads: 1"
)


class Row(NamedTuple):
    """sum(coef * variable) <= rhs, variables by their CP-SAT index."""

    terms: tuple[tuple[int, int], ...]
    rhs: int


@dataclass(frozen=True)
class Relaxation:
    value: int | None  # the bound, rounded down (objectives are integers); None: not solved
    status: str
    seconds: float
    method: str


def lp_bound(
    rows: Sequence[Row],
    objective: Sequence[tuple[cp_model.IntVar, int]],
    model: cp_model.CpModel,
    *,
    time_limit: float = 10.0,
) -> Relaxation:
    """Upper bound on ``sum(weight * var)`` over the rows and the variables' domains."""
    started = time.monotonic()
    proto = model.proto
    count = len(proto.variables)
    # (the proto wrapper does not index from the end)
    domains = [list(v.domain) for v in proto.variables]
    low = np.array([d[0] for d in domains], dtype=float)
    high = np.array([d[-1] for d in domains], dtype=float)
    nonzeros = sum(len(r.terms) for r in rows)
    method = "PDLP" if nonzeros > PDLP_FROM_NONZEROS else "GLOP"
    solver = pywraplp.Solver.CreateSolver(method)
    if solver is None:
        return Relaxation(None, "unavailable", 0.0, method)
    lp_vars = [solver.NumVar(low[j], high[j], "") for j in range(count)]
    constraints = []
    for row in rows:
        constraint = solver.RowConstraint(-solver.infinity(), row.rhs, "")
        for index, coef in row.terms:
            constraint.SetCoefficient(lp_vars[index], coef)
        constraints.append(constraint)
    cost = np.zeros(count)
    goal = solver.Objective()
    for var, weight in objective:
        cost[var.index] += weight
        goal.SetCoefficient(lp_vars[var.index], weight)
    goal.SetMaximization()
    if method == "PDLP":
        solver.SetSolverSpecificParametersAsString(PDLP_PARAMETERS)
    solver.SetTimeLimit(max(1, int(1000 * time_limit)))
    status = solver.Solve()
    status_name = {
        pywraplp.Solver.OPTIMAL: "optimal",
        pywraplp.Solver.FEASIBLE: "feasible",
        pywraplp.Solver.NOT_SOLVED: "not solved",
    }.get(status, "stopped")
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        # No usable duals; the trivial dual (lambda = 0) is no better than counting.
        return Relaxation(None, status_name, round(time.monotonic() - started, 3), method)

    duals = np.array([max(0.0, c.dual_value()) for c in constraints])
    rhs = np.array([r.rhs for r in rows], dtype=float)
    row_index = np.fromiter(
        (n for n, r in enumerate(rows) for _ in r.terms), dtype=np.int64, count=nonzeros
    )
    columns = np.fromiter((j for r in rows for j, _ in r.terms), dtype=np.int64, count=nonzeros)
    coefs = np.fromiter((c for r in rows for _, c in r.terms), dtype=float, count=nonzeros)
    reduced = cost - np.bincount(columns, weights=coefs * duals[row_index], minlength=count)
    bound = float(duals @ rhs + np.maximum(reduced * low, reduced * high).sum())
    # Guard the rounding down against floating-point error in the sums above.
    value = math.floor(bound + 1e-6 * max(1.0, abs(bound)))
    return Relaxation(value, status_name, round(time.monotonic() - started, 3), method)
