"""Every use case has the one shape and a unit test of its own."""

import inspect
from pathlib import Path

import pytest

from intake import usecases

USE_CASES = [name for name in usecases.__all__ if name != "KINDS"]
HERE = Path(__file__).resolve().parent


@pytest.mark.parametrize("name", USE_CASES)
def test_every_use_case_takes_its_command_then_the_unit_of_work_and_the_time(name):
    parameters = list(inspect.signature(getattr(usecases, name)).parameters.values())
    assert [p.kind for p in parameters] == [
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
        inspect.Parameter.KEYWORD_ONLY,
    ]
    assert [p.name for p in parameters[1:]] == ["uow", "now"]


@pytest.mark.parametrize("name", USE_CASES)
def test_every_use_case_is_called_by_a_unit_test(name):
    tests = "".join(
        path.read_text(encoding="utf-8")
        for path in HERE.glob("test_*.py")
        if path.name != Path(__file__).name
    )
    helpers = (HERE.parents[1] / "intake_scene.py").read_text(encoding="utf-8")
    assert f"usecases.{name}" in tests + helpers
