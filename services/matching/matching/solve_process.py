"""The child process's side of a solve: `rueda-match solve` (the solver's CLI,
unchanged) with its progress reported as JSON lines on stdout.

The solver's entry point takes no progress callback yet, so this wrapper,
which lives outside solver/, wraps `CpSolver.solve` for the life of the child:
every CP-SAT run gets a solution callback, and each improving solution is
reported as `{"run": n, "objective": o, "bound": b, "solutions": k}`. Run 1 is
always the solver's first stage ("interests": the most total weight), so its
objective and bound are the schedule's total and a bound on it; later runs
(fairness, stability, placing people) optimise other things, so only their
start is reported (`{"run": n, "started": true}`). Once the solver offers a
hook (`plan(..., on_progress=...)` naming the stage), this wrapper calls it
instead.

Anything else the solver prints goes to stderr: stdout carries only progress.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time

# at most this often per run, plus the run's last figures when it ends
REPORT_EVERY_SECONDS = 0.2


class Reporter:
    """Counts CP-SAT runs and hands each progress message to `send`."""

    def __init__(self, send):
        self._send = send
        self.lock = threading.Lock()
        self.runs = 0

    def send(self, message: dict) -> None:
        with self.lock:
            self._send(message)


def _writer(stream):
    def send(message: dict) -> None:
        stream.write(json.dumps(message) + "\n")
        stream.flush()
    return send


def install(reporter: Reporter):
    """Wrap `CpSolver.solve` so that every run reports to `reporter`; returns
    a function that puts the original back (for solves in a test's process)."""
    from ortools.sat.python import cp_model

    original = cp_model.CpSolver.solve

    class Progress(cp_model.CpSolverSolutionCallback):
        def __init__(self, run: int):
            super().__init__()
            self.run = run
            self.solutions = 0
            self.sent_at = 0.0
            self.last: dict | None = None

        def on_solution_callback(self):
            self.solutions += 1
            self.last = {"run": self.run, "objective": round(self.objective_value),
                         "bound": _floor(self.best_objective_bound),
                         "solutions": self.solutions}
            now = time.monotonic()
            if now - self.sent_at >= REPORT_EVERY_SECONDS:
                self.sent_at = now
                reporter.send(self.last)

    def solve(self, model, solution_callback=None):
        if solution_callback is not None:
            return original(self, model, solution_callback)
        reporter.runs += 1
        run = reporter.runs
        if run > 1:
            reporter.send({"run": run, "started": True})
            return original(self, model)
        progress = Progress(run)
        status = original(self, model, progress)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            bound = (round(self.objective_value) if status == cp_model.OPTIMAL
                     else _floor(self.best_objective_bound))
            reporter.send({"run": run, "objective": round(self.objective_value),
                           "bound": bound, "solutions": progress.solutions, "ended": True})
        return status

    cp_model.CpSolver.solve = solve

    def restore():
        cp_model.CpSolver.solve = original
    return restore


def _floor(value: float) -> int:
    import math
    return math.floor(value + 1e-6)


def main(argv: list[str]) -> int:
    # progress keeps the real stdout; everything else printed goes to stderr
    progress = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    install(Reporter(_writer(progress)))
    from .solver.cli import main as solver_main

    return solver_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
