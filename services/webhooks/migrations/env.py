from rueda_backbone import tables
from rueda_backbone.database import run_alembic_env
from webhooks.models import Base

run_alembic_env([Base.metadata, tables.metadata])
