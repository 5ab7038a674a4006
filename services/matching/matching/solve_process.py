"""The child process's side of a solve: `rueda-match solve` (the solver's CLI)
with its progress reported as JSON lines on stdout.

The solver's `plan(..., on_progress=...)` calls back from a CP-SAT solution
callback (at most every 0.2 s per stage, and as each stage starts and ends)
with `{"stage", "objective", "bound", "worst_share", "solutions"}`: the stage
(`interests`, `fairness`, `total`, `stability`, then `people`), the total
weight and worst share of the latest solution and a proven bound on the
total. Each call becomes one line on stdout; the parent (planning.run_solver)
hands them to the job.

Anything else the solver prints goes to stderr: stdout carries only progress.
"""

from __future__ import annotations

import json
import os
import sys
import threading


class Reporter:
    """Hands each progress message to `send`, one at a time (CP-SAT calls
    back from its own threads)."""

    def __init__(self, send):
        self._send = send
        self.lock = threading.Lock()

    def __call__(self, message: dict) -> None:
        with self.lock:
            self._send(message)


def _writer(stream):
    def send(message: dict) -> None:
        stream.write(json.dumps(message) + "\n")
        stream.flush()

    return send


def main(argv: list[str]) -> int:
    # progress keeps the real stdout; everything else printed goes to stderr
    progress = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    from .solver.cli import main as solver_main

    return solver_main(argv, on_progress=Reporter(_writer(progress)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
