"""The workshop form (its grid and deadlines), late windows, the workshop's
HTTP view and its event, workshop_published."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .. import domain
from .base import (
    Choice,
    Day,
    Event,
    Form,
    Id,
    Instant,
    Language,
    Line,
    Ref,
    Set,
    Version,
    no_repeats,
)


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    # ZoneInfo alone would also accept file paths such as "posixrules"
    return frozenset(available_timezones())


class SessionForm(Form):
    starts_at = Instant(required=True)


class DeadlinesForm(Form):
    programs = Instant("last moment to submit or revise a program profile", required=True)
    interests = Instant("last moment for programmatic interest forms", required=True)
    expressions_of_interest = Instant("last moment for expressions of interest", required=True)

    @validates_schema
    def _in_order(self, data, **_kwargs):
        if {"programs", "interests"} <= data.keys() and data["interests"] < data["programs"]:
            raise ValidationError("must not be before the programs deadline", "interests")


class WorkshopForm(Form):
    title = Line(3, 300, required=True)
    place = Line(2, 200, required=True)
    time_zone = Line(
        1, 64, required=True, metadata={"description": "IANA time zone, e.g. America/Bogota"}
    )
    starts_on = Day(required=True)
    ends_on = Day(required=True)
    languages = Set(
        Language(),
        1,
        4,
        required=True,
        metadata={"description": "the first is the workshop's default language"},
    )
    sessions = fields.List(
        fields.Nested(SessionForm), required=True, validate=validate.Length(min=1, max=20)
    )
    tables_per_session = fields.Integer(required=True, strict=True, validate=validate.Range(1, 100))
    table_capacity = fields.Integer(required=True, strict=True, validate=validate.Range(2, 100))
    round_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(10, 480))
    max_runs_per_program = fields.Integer(
        strict=True, validate=validate.Range(1, 20), load_default=1
    )
    rank_weights = fields.List(
        fields.Float(validate=validate.Range(0, 1000), allow_nan=False),
        validate=validate.Length(min=1, max=50),
        allow_none=True,
        load_default=None,
    )
    deadlines = fields.Nested(DeadlinesForm, required=True)

    @validates_schema
    def _consistent(self, data, **_kwargs):
        no_repeats(data, "languages")
        errors: dict = {}
        zone = None
        if "time_zone" in data:
            try:
                if data["time_zone"] not in _time_zones():
                    raise ZoneInfoNotFoundError(data["time_zone"])
                zone = ZoneInfo(data["time_zone"])
            except (ZoneInfoNotFoundError, ValueError):
                errors["time_zone"] = ["not an IANA time zone (e.g. America/Bogota)"]
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            errors["ends_on"] = ["must not be before starts_on"]
        elif starts and ends and ends - starts > timedelta(days=31):
            errors["ends_on"] = ["a workshop lasts at most 31 days"]
        sessions = data.get("sessions") or []
        if zone and starts and ends and sessions and "ends_on" not in errors:
            for index, session in enumerate(sessions):
                day = session["starts_at"].astimezone(zone).date()
                if not starts <= day <= ends:
                    errors.setdefault("sessions", {})[index] = {
                        "starts_at": [
                            "must fall between starts_on and ends_on, in the workshop's time zone"
                        ]
                    }
        minutes = data.get("round_minutes")
        for index in range(1, len(sessions)):
            gap = sessions[index]["starts_at"] - sessions[index - 1]["starts_at"]
            if gap <= timedelta(0) or (minutes and gap < timedelta(minutes=minutes)):
                errors.setdefault("sessions", {}).setdefault(index, {})["starts_at"] = [
                    "sessions must be in order, each at least round_minutes after the previous one"
                ]
        if errors:
            raise ValidationError(errors)


class LateWindowForm(Form):
    delegation_id = Ref(required=True)
    form = Choice(domain.DEADLINE_FORMS, required=True)
    until = Instant("the delegation may submit this form until then", required=True)


class WorkshopView(Schema):
    id = fields.String()
    version = fields.Integer()
    form = fields.Dict()
    late_windows = fields.List(fields.Dict())
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    updated_by = fields.String(
        allow_none=True,
        metadata={
            "description": 'who made the latest revision: "staff:<id> (<name>)" when the console '
            "acted for a person, else the API client's origin"
        },
    )


class SessionRef(Event):
    number = fields.Integer(required=True, metadata={"description": "1, 2, ... in time order"})
    starts_at = Instant("when the session's first round starts", required=True)


class Deadlines(Event):
    programs = Instant("last moment for program profiles", required=True)
    interests = Instant("last moment for programmatic interest forms", required=True)
    expressions_of_interest = Instant("last moment for expressions of interest", required=True)


class LateWindow(Event):
    delegation_id = Id("the delegation allowed to submit late")
    form = Choice(domain.DEADLINE_FORMS, required=True)
    until = Instant("end of the late window", required=True)


class WorkshopPublished(Event):
    """workshop_published v1: the grid and deadlines of a workshop."""

    workshop_id = Id("intake's id for the workshop")
    version = Version()
    title = fields.String(required=True)
    place = fields.String(required=True)
    time_zone = fields.String(required=True, metadata={"description": "IANA time zone"})
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    languages = fields.List(
        Language(), required=True, metadata={"description": "the first is the workshop's default"}
    )
    sessions = fields.List(fields.Nested(SessionRef), required=True)
    tables_per_session = fields.Integer(required=True)
    table_capacity = fields.Integer(required=True, metadata={"description": "seats per table"})
    round_minutes = fields.Integer(required=True)
    max_runs_per_program = fields.Integer(required=True)
    rank_weights = fields.List(
        fields.Float(),
        required=True,
        allow_none=True,
        metadata={
            "description": "weight of a delegation's 1st, 2nd, ... preference; null = the solver's default"
        },
    )
    deadlines = fields.Nested(Deadlines, required=True)
    late_windows = fields.List(fields.Nested(LateWindow), required=True)
