"""matching's read model of what intake published (its own copy, its own tables)."""
from __future__ import annotations

import sqlalchemy as sa
from rueda_backbone.tables import UtcDateTime
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Delegation(Base):
    __tablename__ = "delegation"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    country: Mapped[str] = mapped_column(sa.String(100))
    # seats: a delegation can sit at as many parallel tables as it has delegates
    delegates: Mapped[int] = mapped_column(sa.Integer)
    registered_at = mapped_column(UtcDateTime(), nullable=False)


class Program(Base):
    __tablename__ = "program"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    host_delegation_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    topics: Mapped[list] = mapped_column(sa.JSON)
    version: Mapped[int] = mapped_column(sa.Integer)
    submitted_at = mapped_column(UtcDateTime(), nullable=False)
