"""Intake's own tables (the backbone's outbox, inbox and parked tables sit beside them)."""
from __future__ import annotations

import sqlalchemy as sa
from rueda_backbone.tables import UtcDateTime
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Delegation(Base):
    __tablename__ = "delegation"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(100))
    institution: Mapped[str] = mapped_column(sa.String(300))
    acronym: Mapped[str | None] = mapped_column(sa.String(50))
    kind: Mapped[str] = mapped_column(sa.String(40))
    working_languages: Mapped[list] = mapped_column(sa.JSON)
    registered_at = mapped_column(UtcDateTime(), nullable=False)
    delegates: Mapped[list["Delegate"]] = relationship(
        back_populates="delegation", order_by="Delegate.position", cascade="all, delete-orphan")


class Delegate(Base):
    __tablename__ = "delegate"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    delegation_id: Mapped[str] = mapped_column(sa.ForeignKey("delegation.id"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(320))
    role: Mapped[str | None] = mapped_column(sa.String(200))
    language: Mapped[str] = mapped_column(sa.String(2))
    is_focal_point: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    delegation: Mapped[Delegation] = relationship(back_populates="delegates")


class Program(Base):
    __tablename__ = "program"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    delegation_id: Mapped[str] = mapped_column(sa.ForeignKey("delegation.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    topics: Mapped[list] = mapped_column(sa.JSON)
    version: Mapped[int] = mapped_column(sa.Integer)
    submitted_at = mapped_column(UtcDateTime(), nullable=False)
