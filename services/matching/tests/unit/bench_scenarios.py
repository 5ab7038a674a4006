"""The benchmark's medium workshop, for tests that need a solve that takes its time."""

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_solver.py"


def medium_scenario() -> dict:
    spec = importlib.util.spec_from_file_location("bench_solver", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate("medium")
