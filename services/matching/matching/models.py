"""matching's read model of what intake published (its own copy, its own tables),
and the schedules it computed and published.

Every read-model row keeps the highest `version` seen, so duplicates and
out-of-order deliveries change nothing. A withdrawal that arrives before the
submission it withdraws leaves a row with only the id, the version and
`withdrawn` set (the other columns are then null).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rueda_backbone.tables import UtcDateTime


class Base(DeclarativeBase):
    pass


class Workshop(Base):
    __tablename__ = "workshop"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(300))
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    # [{"number": 1, "starts_at": "2012-...+00:00"}, ...] in session order
    sessions: Mapped[list] = mapped_column(sa.JSON)
    tables_per_session: Mapped[int] = mapped_column(sa.Integer)
    table_capacity: Mapped[int] = mapped_column(sa.Integer)
    round_minutes: Mapped[int] = mapped_column(sa.Integer)
    max_runs_per_program: Mapped[int] = mapped_column(sa.Integer)
    rank_weights = mapped_column(sa.JSON, nullable=True)
    interests_deadline = mapped_column(UtcDateTime(), nullable=True)
    # set once the deadline's automatic provisional schedule was computed
    deadline_planned_at = mapped_column(UtcDateTime(), nullable=True)
    # a withdrawal touched a published schedule; cleared once re-planned
    replan_requested_at = mapped_column(UtcDateTime(), nullable=True)
    # staff's fairness policy ("total" or {"price": p}); null: the default price
    fairness = mapped_column(sa.JSON, nullable=True)
    # whether a re-plan after a withdrawal publishes on its own (true) or waits
    # for a coordinator (false); null: the service's REPLAN_AUTOPUBLISH
    replan_autopublish = mapped_column(sa.Boolean, nullable=True)


class Delegation(Base):
    __tablename__ = "delegation"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    workshop_id = mapped_column(sa.String(36), nullable=True, index=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    withdrawn: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    name = mapped_column(sa.String(300), nullable=True)
    country = mapped_column(sa.String(100), nullable=True)
    # seats: a delegation can sit at as many parallel tables as it has delegates
    delegates = mapped_column(sa.Integer, nullable=True)
    # its people, from delegation_registered v3 on: [{"delegate_id",
    # "sessions" (session numbers present, null = every one), "languages"}]
    # (no names); null for older versions, which only say how many there are
    people = mapped_column(sa.JSON, nullable=True)
    registered_at = mapped_column(UtcDateTime(), nullable=True)


class Program(Base):
    __tablename__ = "program"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    workshop_id = mapped_column(sa.String(36), nullable=True, index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    withdrawn: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # the highest revision the secretariat returned; not scheduled until a later one
    returned_version = mapped_column(sa.Integer, nullable=True)
    host_delegation_id = mapped_column(sa.String(36), nullable=True, index=True)
    title = mapped_column(sa.String(300), nullable=True)
    topics = mapped_column(sa.JSON, nullable=True)
    # delegate ids of the host who present it (program_submitted v3); null or
    # empty: any of the host's delegates
    presenters = mapped_column(sa.JSON, nullable=True)
    submitted_at = mapped_column(UtcDateTime(), nullable=True)


class Interest(Base):
    __tablename__ = "interest"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    workshop_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    delegation_id: Mapped[str] = mapped_column(sa.String(36))
    version: Mapped[int] = mapped_column(sa.Integer)
    withdrawn: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    programs = mapped_column(sa.JSON, nullable=True)  # most wanted first
    # delegate ids of the delegation who attend (interest_submitted v2); null
    # or empty: any of its delegates
    attendees = mapped_column(sa.JSON, nullable=True)
    submitted_at = mapped_column(UtcDateTime(), nullable=True)


class Pin(Base):
    """Staff keep a program in a session (and at a table) across every re-plan."""

    __tablename__ = "pin"

    workshop_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    program_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    session: Mapped[int] = mapped_column(sa.Integer)
    table = mapped_column(sa.Integer, nullable=True)
    pinned_at = mapped_column(UtcDateTime(), nullable=False)
    # uow.who: "staff:<id> (<name>)" when the console acted for a person
    pinned_by = mapped_column(sa.String(300), nullable=True)


class Schedule(Base):
    """A computed schedule: provisional until staff (or an automatic re-plan)
    publish it; published ones are numbered by `revision`."""

    __tablename__ = "schedule"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    workshop_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    trigger: Mapped[str] = mapped_column(sa.String(20))  # staff, deadline, replan
    computed_at = mapped_column(UtcDateTime(), nullable=False)
    # the solver's schedule file (rounds, unmet, objective, bound, stages, ...)
    document: Mapped[dict] = mapped_column(sa.JSON)
    # rounds as the schedule_published payload will name them (round ids, times)
    payload: Mapped[dict] = mapped_column(sa.JSON)
    revision = mapped_column(sa.Integer, nullable=True)
    published_at = mapped_column(UtcDateTime(), nullable=True)
    # who asked for it and who published it (uow.who; a job's requester)
    computed_by = mapped_column(sa.String(300), nullable=True)
    published_by = mapped_column(sa.String(300), nullable=True)

    __table_args__ = (sa.UniqueConstraint("workshop_id", "revision"),)


class SolveJob(Base):
    """One solve of a workshop, asked by staff or the planner and run once by
    whichever replica claims it first (see usecases/jobs.py).

    `claimed_by` and `lease_until` are the claim: the replica renews the lease
    while its child process solves, and a lease that runs out (the replica
    died) puts the job back in the queue. `running_slot` holds the workshop id
    while the job runs, so the database itself refuses a second running solve
    of one workshop."""

    __tablename__ = "solve_job"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    workshop_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    trigger: Mapped[str] = mapped_column(sa.String(20))  # staff, deadline, replan
    # queued, running, succeeded, failed, cancelled
    state: Mapped[str] = mapped_column(sa.String(20))
    time_limit: Mapped[float] = mapped_column(sa.Float)
    pins: Mapped[list] = mapped_column(sa.JSON)  # the request's own pins
    publish: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # the re-plan request an automatic re-plan answers
    requested_at = mapped_column(UtcDateTime(), nullable=True)
    requested_by = mapped_column(sa.String(200), nullable=True)
    created_at = mapped_column(UtcDateTime(), nullable=False)
    started_at = mapped_column(UtcDateTime(), nullable=True)
    finished_at = mapped_column(UtcDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    claimed_by = mapped_column(sa.String(100), nullable=True)
    lease_until = mapped_column(UtcDateTime(), nullable=True)
    running_slot = mapped_column(sa.String(36), nullable=True, unique=True)
    cancel_requested_at = mapped_column(UtcDateTime(), nullable=True)
    # what the solver reached so far (the final schedule's figures once done)
    stage = mapped_column(sa.String(20), nullable=True)
    objective = mapped_column(sa.Integer, nullable=True)
    bound = mapped_column(sa.Integer, nullable=True)
    solutions = mapped_column(sa.Integer, nullable=True)
    progress_at = mapped_column(UtcDateTime(), nullable=True)
    schedule_id = mapped_column(sa.String(36), nullable=True)
    error = mapped_column(sa.JSON, nullable=True)  # {"code", "message", "fields"}

    __table_args__ = (sa.Index("ix_solve_job_state_created_at", "state", "created_at"),)
