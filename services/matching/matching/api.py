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


class DelegationShare(Schema):
    delegation_id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    share = fields.Float(
        required=True,
        allow_none=True,
        metadata={
            "description": "the part of the weight it asked for that the schedule meets (0..1)"
        },
    )


class FairnessReport(Schema):
    """What fairness cost. Null where the solver did not report it (schedules
    computed before it did)."""

    policy = fields.Raw(
        required=True,
        allow_none=True,
        metadata={"description": 'the policy it was computed under: "total" or {"price": p}'},
    )
    worst_share = fields.Float(required=True, allow_none=True)
    proven = fields.Boolean(
        required=True,
        allow_none=True,
        metadata={"description": "whether the worst share is proven best"},
    )
    shares = fields.List(fields.Nested(DelegationShare), required=True, allow_none=True)
    below_half = fields.List(
        fields.String(),
        required=True,
        allow_none=True,
        metadata={"description": "delegations that got under half"},
    )
    best_total = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "the most total weight found without fairness"},
    )
    best_total_bound = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "a proven bound on the total weight of any schedule"},
    )
    price_paid = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "(best_total - objective) / best_total: the total given up"},
    )


class ScheduleView(Schema):
    schedule_id = fields.String(required=True)
    workshop_id = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(["provisional", "published"]))
    revision = fields.Integer(required=True, allow_none=True)
    trigger = fields.String(required=True, metadata={"description": "staff, deadline or replan"})
    computed_at = fields.AwareDateTime(required=True)
    published_at = fields.AwareDateTime(required=True, allow_none=True)
    computed_by = fields.String(
        allow_none=True,
        metadata={
            "description": 'who asked for it: "staff:<id> (<name>)" when the console acted for '
            "a person, else the client's origin or the planner's job"
        },
    )
    published_by = fields.String(
        allow_none=True,
        metadata={"description": "who published it, the same way (null while provisional)"},
    )
    latest_published_revision = fields.Integer(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["optimal", "feasible"]))
    objective = fields.Integer(required=True)
    bound = fields.Integer(required=True)
    gap = fields.Float(required=True, allow_none=True)
    fairness = fields.Nested(FairnessReport, required=True)
    stages = fields.Raw(
        required=True, allow_none=True, metadata={"description": "what each solver stage found"}
    )
    moved = fields.Raw(
        required=True,
        allow_none=True,
        metadata={"description": "rounds moved from the published revision"},
    )
    rounds = fields.List(
        fields.Nested(schemas.RoundV2),
        required=True,
        metadata={
            "description": "every round with its presenting delegate and, per attending "
            "delegation, the delegate at the table (null: nobody named)"
        },
    )
    interpretation = fields.List(
        fields.Nested(schemas.Interpretation),
        required=True,
        metadata={
            "description": "rounds where an attending delegate shares no language with the "
            "presenter, per session and (presenter's, attendee's) language"
        },
    )
    unmet = fields.List(fields.Nested(schemas.Unmet), required=True)
    changes = fields.List(fields.Nested(schemas.DelegationChanges), required=True, allow_none=True)
    explanations = fields.Raw(
        required=True, metadata={"description": "why each unmet interest is unmet"}
    )


class SolveError(Schema):
    code = fields.String(
        required=True,
        metadata={"description": "pins_conflict, invalid, solver_failed or interrupted"},
    )
    message = fields.String(required=True)
    fields_ = fields.List(fields.Dict(), data_key="fields", required=True)


JOB_STATES = ["queued", "running", "succeeded", "failed", "cancelled"]


class JobView(Schema):
    job_id = fields.String(required=True)
    href = fields.String(required=True, metadata={"description": "where to GET it"})
    workshop_id = fields.String(required=True)
    trigger = fields.String(required=True, metadata={"description": "staff, deadline or replan"})
    state = fields.String(required=True, validate=validate.OneOf(JOB_STATES))
    time_limit = fields.Float(required=True)
    created_at = fields.AwareDateTime(required=True)
    started_at = fields.AwareDateTime(required=True, allow_none=True)
    finished_at = fields.AwareDateTime(required=True, allow_none=True)
    stage = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "starting; the solver's stage: interests (the most total weight), "
            "fairness (the worst share), total (the most weight with that share "
            "held), stability (re-planning), people (placing delegates); done"
        },
    )
    objective = fields.Integer(
        required=True,
        allow_none=True,
        metadata={
            "description": "the total weight of the stage's latest solution (bound: a proven "
            "bound on the total); once succeeded, the schedule's"
        },
    )
    bound = fields.Integer(required=True, allow_none=True)
    gap = fields.Float(required=True, allow_none=True)
    solutions = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "improving solutions found, over every stage"},
    )
    progress_at = fields.AwareDateTime(required=True, allow_none=True)
    cancel_requested = fields.Boolean(required=True)
    attempts = fields.Integer(
        required=True,
        metadata={"description": "claims so far (more than 1: a replica stopped while solving it)"},
    )
    schedule_id = fields.String(required=True, allow_none=True)
    error = fields.Nested(SolveError, required=True, allow_none=True)


class JobsView(Schema):
    jobs = fields.List(fields.Nested(JobView), required=True)


class FairnessView(Schema):
    workshop_id = fields.String(required=True)
    fairness = fields.Raw(required=True, metadata={"description": '"total" or {"price": p}'})
    default = fields.Boolean(
        required=True, metadata={"description": "true: the workshop set no policy"}
    )


class ReplanningView(Schema):
    workshop_id = fields.String(required=True)
    autopublish = fields.Boolean(
        required=True,
        metadata={"description": "whether a re-plan after a withdrawal publishes on its own"},
    )
    default = fields.Boolean(
        required=True,
        metadata={"description": "true: the workshop follows the service's REPLAN_AUTOPUBLISH"},
    )


def _also(op: dict, status: int, response, description: str, *, failed: str | None = None) -> dict:
    """A second success answer of an operation (and a documented 500)."""
    op["responses"][str(status)] = {
        "description": description,
        "content": {"application/json": {"schema": response}},
    }
    if failed is not None:
        op["responses"]["500"] = {
            "description": failed,
            "content": {"application/json": {"schema": oas.ERROR_REF}},
        }
    return op


def _operations() -> dict:
    schedule = "/workshops/{workshop_id}/schedule"
    pin = "/workshops/{workshop_id}/pins/{program_id}"
    return {
        ("POST", schedule): _also(
            oas.operation(
                "compute_schedule",
                "Queue the computation of a provisional schedule",
                path=schedule,
                status=202,
                request=schemas.ScheduleRequest,
                body_required=False,
                response=JobView,
                errors=[400, 409],
                parameters=[
                    {
                        "name": "wait",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "boolean", "default": False},
                        "description": "wait for the job and answer 201 with the schedule (or the "
                        "error that ended it), as scripts want",
                    },
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string"},
                        "description": "a retry with the same key gets the first answer",
                    },
                ],
                description="Answers 202 with the solve job at once; GET it for its state, "
                "objective, bound and gap as the solver improves them, and "
                "`schedule_id` once it succeeded. 409 `pins_conflict` when the "
                "pins cannot hold together on their face (a conflict only a solve "
                "finds fails the job with that error). With `?wait=true`: 201 "
                "with the schedule, 409 `pins_conflict` or `job_cancelled`, 500 "
                "`solve_failed`, or 202 with the job if it outlasts three times "
                "its time limit.",
            ),
            201,
            ScheduleView,
            "with ?wait=true, the computed schedule",
            failed="with ?wait=true, `solve_failed`: the solver crashed (the job says why)",
        ),
        ("GET", f"{schedule}/jobs"): oas.operation(
            "list_jobs",
            "The workshop's latest solve jobs, newest first",
            path=f"{schedule}/jobs",
            response=JobsView,
        ),
        ("GET", f"{schedule}/jobs/{{job_id}}"): oas.operation(
            "get_job",
            "A solve job: state, progress, outcome",
            path=f"{schedule}/jobs/{{job_id}}",
            response=JobView,
        ),
        ("DELETE", f"{schedule}/jobs/{{job_id}}"): _also(
            oas.operation(
                "delete_job",
                "Cancel a solve job",
                path=f"{schedule}/jobs/{{job_id}}",
                response=JobView,
                errors=[409],
                description="200 when cancelled (a queued job at once, and again for a "
                "cancelled one); 202 with `cancel_requested` while its replica "
                "stops the running solve (within a second or so); 409 "
                "`job_finished` when it succeeded or failed.",
            ),
            202,
            JobView,
            "running: it stops shortly",
        ),
        ("POST", f"{schedule}/jobs/{{job_id}}/cancel"): _also(
            oas.operation(
                "cancel_job",
                "Cancel a solve job (as DELETE, for clients that cannot send it)",
                path=f"{schedule}/jobs/{{job_id}}/cancel",
                response=JobView,
                errors=[409],
            ),
            202,
            JobView,
            "running: it stops shortly",
        ),
        ("GET", "/workshops/{workshop_id}/fairness"): oas.operation(
            "get_fairness",
            "The workshop's fairness policy",
            path="/workshops/{workshop_id}/fairness",
            response=FairnessView,
        ),
        ("PUT", "/workshops/{workshop_id}/fairness"): oas.operation(
            "set_fairness",
            "Set the workshop's fairness policy for later computations",
            path="/workshops/{workshop_id}/fairness",
            request=schemas.FairnessForm,
            response=FairnessView,
            description='`{"fairness": "total"}`, `{"fairness": {"price": 0.1}}`, or '
            '`{"fairness": null}` for the default (price 0.05). A published '
            "schedule is not re-planned for it: compute and publish.",
        ),
        ("GET", "/workshops/{workshop_id}/replanning"): oas.operation(
            "get_replanning",
            "Whether a re-plan publishes on its own",
            path="/workshops/{workshop_id}/replanning",
            response=ReplanningView,
        ),
        ("PUT", "/workshops/{workshop_id}/replanning"): oas.operation(
            "set_replanning",
            "Let a re-plan publish on its own, or wait for a coordinator",
            path="/workshops/{workshop_id}/replanning",
            request=schemas.ReplanningForm,
            response=ReplanningView,
            description='`{"autopublish": false}`: a re-plan after a withdrawal stays '
            "provisional until a coordinator publishes it; `true`: it publishes "
            "on its own when it changes anything; `null`: the service's "
            "REPLAN_AUTOPUBLISH.",
        ),
        ("GET", schedule): oas.operation(
            "get_schedule",
            "The latest computed (or published) schedule",
            path=schedule,
            response=ScheduleView,
            errors=[400],
            parameters=[
                {
                    "name": "state",
                    "in": "query",
                    "required": False,
                    "schema": {
                        "type": "string",
                        "enum": ["latest", "published"],
                        "default": "latest",
                    },
                },
                {
                    "name": "revision",
                    "in": "query",
                    "required": False,
                    "description": "a published revision (1, 2, ...) instead of state",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 999999},
                },
            ],
        ),
        ("POST", f"{schedule}/publish"): oas.operation(
            "publish_schedule",
            "Publish a computed schedule as the next revision",
            path=f"{schedule}/publish",
            status=201,
            request=schemas.PublishRequest,
            body_required=False,
            response=schemas.SchedulePublishedV2,
            errors=[409],
            description="Without `schedule_id`, the latest computed schedule. "
            "Answers the schedule_published payload.",
        ),
        ("GET", "/workshops/{workshop_id}/pins"): oas.operation(
            "list_pins",
            "The programs pinned to a session (and table)",
            path="/workshops/{workshop_id}/pins",
            response=PinsView,
        ),
        ("PUT", pin): oas.operation(
            "pin_program",
            "Pin a program to a session (and table) in every schedule",
            path=pin,
            request=schemas.PinForm,
            response=PinView,
            errors=[409],
        ),
        ("DELETE", pin): oas.operation(
            "unpin_program", "Let the solver place a program again", path=pin, status=204
        ),
    }


def openapi() -> dict:
    spec = APISpec(
        title="rueda matching",
        version=VERSION,
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "Builds a workshop's negotiation rounds from intake's events: staff compute "
                "provisional schedules (each solve is a job to follow or cancel), set the "
                "workshop's fairness policy, pin programs, and publish a revision (sent as the "
                "schedule_published event). Errors are JSON with a stable code and the path of "
                "every invalid field."
            )
        },
        servers=[{"url": "http://127.0.0.1:8002"}],
    )
    from .service import MatchingService  # the entrypoints declare each operation's scope

    return oas.apply_scopes(oas.document(spec, _operations()), MatchingService)


def write(path: Path = DOCUMENT) -> None:
    oas.write(openapi(), path)


if __name__ == "__main__":
    write()
