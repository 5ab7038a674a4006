import eventlet

eventlet.monkey_patch()

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

# the example forms, importable by both unit and interface tests
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def alembic_ini():
    """Where the backbone's `config` fixture finds intake's migrations."""
    return Path(__file__).resolve().parents[1] / "alembic.ini"
