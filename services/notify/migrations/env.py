from notify.models import Base
from rueda_backbone import tables
from rueda_backbone.database import run_alembic_env

run_alembic_env([Base.metadata, tables.metadata])
