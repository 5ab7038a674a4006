"""The schedule optimiser of rueda: scenario in, checked schedule out; no nameko, no DB."""

from .checker import check, objective
from .model import Pin, Solution, solve
from .scenario import Round, Scenario, ScenarioError, load_scenario, load_schedule
from .schedule import Plan, plan, schedule_document

__all__ = [
    "Pin",
    "Plan",
    "Round",
    "Scenario",
    "ScenarioError",
    "Solution",
    "check",
    "load_scenario",
    "load_schedule",
    "objective",
    "plan",
    "schedule_document",
    "solve",
]
