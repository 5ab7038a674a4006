"""matching's HTTP API as an OpenAPI 3.1 document, generated from the
marshmallow schemas the entrypoints load (`GET /openapi.json`, committed as
docs/api/matching.openapi.json; a test keeps the two equal).

`python -m matching.api` rewrites the committed copy.
"""
from __future__ import annotations

from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields, validate

from rueda_backbone import openapi as oas

from . import schemas

VERSION = "0.1.0"
DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "api" / "matching.openapi.json"


# -- what the entrypoints answer (documentation only: the use cases build dicts) --

class PinView(Schema):
    program_id = fields.String(required=True)
    session = fields.Integer(required=True)
    table = fields.Integer(required=True, allow_none=True)


class PinsView(Schema):
    pins = fields.List(fields.Nested(PinView), required=True)


class ScheduleView(Schema):
    schedule_id = fields.String(required=True)
    workshop_id = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(["provisional", "published"]))
    revision = fields.Integer(required=True, allow_none=True)
    trigger = fields.String(required=True, metadata={"description": "staff, deadline or replan"})
    computed_at = fields.AwareDateTime(required=True)
    published_at = fields.AwareDateTime(required=True, allow_none=True)
    latest_published_revision = fields.Integer(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["optimal", "feasible"]))
    objective = fields.Integer(required=True)
    bound = fields.Integer(required=True)
    gap = fields.Float(required=True, allow_none=True)
    fairness = fields.Raw(required=True, allow_none=True,
                          metadata={"description": "the solver's fairness figures"})
    stages = fields.Raw(required=True, allow_none=True,
                        metadata={"description": "what each solver stage found"})
    moved = fields.Raw(required=True, allow_none=True,
                       metadata={"description": "rounds moved from the published revision"})
    rounds = fields.List(fields.Nested(schemas.Round), required=True)
    unmet = fields.List(fields.Nested(schemas.Unmet), required=True)
    changes = fields.List(fields.Nested(schemas.DelegationChanges), required=True, allow_none=True)
    explanations = fields.Raw(required=True,
                              metadata={"description": "why each unmet interest is unmet"})


def _operations() -> dict:
    schedule = "/workshops/{workshop_id}/schedule"
    pin = "/workshops/{workshop_id}/pins/{program_id}"
    return {
        ("POST", schedule): oas.operation(
            "compute_schedule", "Compute a provisional schedule (not published)", path=schedule,
            status=201, request=schemas.ScheduleRequest, body_required=False,
            response=ScheduleView, errors=[409],
            description="409 `pins_conflict` when the solver refuses the pins, with one "
                        "entry per problem in `fields`."),
        ("GET", schedule): oas.operation(
            "get_schedule", "The latest computed (or published) schedule", path=schedule,
            response=ScheduleView, errors=[400], parameters=[
                {"name": "state", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["latest", "published"],
                            "default": "latest"}}]),
        ("POST", f"{schedule}/publish"): oas.operation(
            "publish_schedule", "Publish a computed schedule as the next revision",
            path=f"{schedule}/publish", status=201, request=schemas.PublishRequest,
            body_required=False, response=schemas.SchedulePublished, errors=[409],
            description="Without `schedule_id`, the latest computed schedule. "
                        "Answers the schedule_published payload."),
        ("GET", "/workshops/{workshop_id}/pins"): oas.operation(
            "list_pins", "The programs pinned to a session (and table)",
            path="/workshops/{workshop_id}/pins", response=PinsView),
        ("PUT", pin): oas.operation(
            "pin_program", "Pin a program to a session (and table) in every schedule",
            path=pin, request=schemas.PinForm, response=PinView, errors=[409]),
        ("DELETE", pin): oas.operation(
            "unpin_program", "Let the solver place a program again", path=pin, status=204),
    }


def openapi() -> dict:
    spec = APISpec(
        title="rueda matching", version=VERSION, openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={"description": (
            "Builds a workshop's negotiation rounds from intake's events: staff compute "
            "provisional schedules, pin programs, and publish a revision (sent as the "
            "schedule_published event). Errors are JSON with a stable code and the path of "
            "every invalid field."
        )},
        servers=[{"url": "http://127.0.0.1:8002"}],
    )
    return oas.document(spec, _operations())


def write(path: Path = DOCUMENT) -> None:
    oas.write(openapi(), path)


if __name__ == "__main__":
    write()
