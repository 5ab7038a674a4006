import eventlet

eventlet.monkey_patch()

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from rueda_backbone.database import upgrade  # noqa: E402

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"


@pytest.fixture
def config(service_config):
    """intake's config on a fresh, migrated database and a fresh vhost."""
    upgrade(ALEMBIC_INI, service_config["DATABASE_URL"])
    return dict(service_config)
