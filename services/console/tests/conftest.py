import eventlet

eventlet.monkey_patch()

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def alembic_ini():
    """Where the backbone's `config` fixture finds the console's migrations."""
    return Path(__file__).resolve().parents[1] / "alembic.ini"
