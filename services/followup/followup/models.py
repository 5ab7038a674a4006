"""followup's own tables: the delegations it follows up with."""
from __future__ import annotations

import sqlalchemy as sa
from rueda_backbone.tables import UtcDateTime
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Delegation(Base):
    __tablename__ = "delegation"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    institution: Mapped[str] = mapped_column(sa.String(300))
    acronym: Mapped[str | None] = mapped_column(sa.String(50))
    country: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(40))
    # who to name as the counterpart in follow-ups; contact details stay in notify
    focal_point_delegate_id: Mapped[str | None] = mapped_column(sa.String(36))
    registered_at = mapped_column(UtcDateTime(), nullable=False)
