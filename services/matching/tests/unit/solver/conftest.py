"""Shared fixtures for the solver tests: the Santa Marta example and a scenario builder."""

import copy
import json
from pathlib import Path

import pytest

from matching.solver import load_scenario

SANTA_MARTA = Path(__file__).resolve().parents[5] / "examples" / "santa-marta-2012.json"


@pytest.fixture(scope="session")
def santa_marta_raw():
    with open(SANTA_MARTA, encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture
def santa_marta(santa_marta_raw):
    return load_scenario(copy.deepcopy(santa_marta_raw))


def build_scenario_dict(
    *,
    sessions=1,
    tables=2,
    capacity=8,
    max_runs=1,
    delegates=None,
    hosts=None,
    interests=None,
    available=None,
    rank_weights=None,
):
    """A small scenario dict; ``hosts``: program -> host, ``interests``: delegation -> programs."""
    hosts = hosts or {}
    interests = interests or {}
    delegates = delegates or {}
    available = available or {}
    names = list(dict.fromkeys([*delegates, *hosts.values(), *interests]))
    workshop = {
        "id": "test",
        "sessions": sessions,
        "tables_per_session": tables,
        "table_capacity": capacity,
        "max_runs_per_program": max_runs,
    }
    if rank_weights:
        workshop["rank_weights"] = rank_weights
    delegations = []
    for name in names:
        delegation = {"id": name, "name": f"Delegation {name}", "delegates": delegates.get(name, 1)}
        if name in available:
            delegation["available_sessions"] = available[name]
        delegations.append(delegation)
    return {
        "workshop": workshop,
        "delegations": delegations,
        "programs": [{"id": p, "title": f"Program {p}", "host": h} for p, h in hosts.items()],
        "interests": [{"delegation": d, "programs": list(ps)} for d, ps in interests.items()],
    }


@pytest.fixture
def scenario_dict():
    """Build a scenario dict from keywords (see build_scenario_dict)."""
    return build_scenario_dict


@pytest.fixture
def make_scenario():
    """Build a validated Scenario from build_scenario_dict() keywords."""
    return lambda **kwargs: load_scenario(build_scenario_dict(**kwargs))
