from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from rueda_backbone.testing import sqlite_unit_of_work

from matching import usecases
from matching.models import Base, Program


@pytest.fixture
def uow(tmp_path):
    with sqlite_unit_of_work(tmp_path / "db.sqlite3", Base.metadata, producer="matching") as uow:
        yield uow


def program(version, title):
    return {"program_id": "p1", "delegation_id": "d1", "title": title, "topics": [],
            "version": version, "submitted_at": datetime(2026, 1, version, tzinfo=timezone.utc)}


def test_a_late_older_revision_does_not_overwrite_a_newer_one(uow):
    usecases.record_program(program(2, "revised"), uow=uow)
    usecases.record_program(program(1, "original"), uow=uow)
    assert uow.session.scalar(sa.select(Program.title)) == "revised"


def test_a_newer_revision_replaces_the_program(uow):
    usecases.record_program(program(1, "original"), uow=uow)
    usecases.record_program(program(3, "third"), uow=uow)
    assert uow.session.scalar(sa.select(Program.version)) == 3
