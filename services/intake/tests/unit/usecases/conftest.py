"""Use cases through their one signature, `(command, *, uow, now)`, on a
throw-away SQLite database and a fixed clock (`intake_scene.NOW`)."""

from __future__ import annotations

import pytest
from intake_scene import Scene

from intake.models import Base
from rueda_backbone.testing import sqlite_unit_of_work


@pytest.fixture
def uow(tmp_path):
    with sqlite_unit_of_work(tmp_path / "intake.sqlite3", Base.metadata, producer="intake") as uow:
        yield uow


@pytest.fixture
def scene(uow):
    return Scene(uow)
