"""followup's HTTP API as an OpenAPI 3.1 document, generated from the
marshmallow schemas the entrypoints load (`GET /openapi.json`, committed as
docs/api/followup.openapi.json; a test keeps the two equal).

`python -m followup.api` rewrites the committed copy.
"""

from __future__ import annotations

from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields, validate

from rueda_backbone import openapi as oas

from . import domain, labels, reports, schemas

VERSION = "0.1.0"
DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "api" / "followup.openapi.json"

Nullable = lambda cls, **kw: cls(required=True, allow_none=True, **kw)  # noqa: E731


# -- what the entrypoints answer (documentation only: the use cases build dicts) --


class DelegationRef(Schema):
    delegation_id = fields.String(required=True)
    name = Nullable(fields.String, metadata={"description": "acronym, else institution"})
    label = Nullable(
        fields.String,
        metadata={
            "description": "how reports name it: acronym and country or region, e.g. MDS (Brazil)"
        },
    )
    country = Nullable(fields.String)
    region = Nullable(
        fields.String,
        metadata={
            "description": "a subregional mechanism's or international organisation's, "
            "instead of a country"
        },
    )
    withdrawn = fields.Boolean(required=True)


class RoundRef(Schema):
    session = fields.Integer(required=True)
    table = Nullable(fields.Integer)
    round_id = Nullable(fields.String)
    program_id = Nullable(fields.String)


class TrailEntry(Schema):
    at = fields.AwareDateTime(required=True)
    kind = fields.String(required=True)
    actor = fields.String(required=True)
    origin = fields.String(required=True)
    from_state = Nullable(fields.String)
    to_state = Nullable(fields.String)
    reason = Nullable(fields.String)
    details = Nullable(fields.Raw)


class UpdateEntry(Schema):
    at = fields.AwareDateTime(required=True)
    delegation_id = fields.String(required=True)
    delegate_id = Nullable(fields.String)
    text = fields.String(required=True)


class ActivityView(Schema):
    id = fields.String(required=True)
    workshop_id = fields.String(required=True)
    title = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(domain.STATES))
    demanding = fields.Nested(DelegationRef, required=True)
    supplying = fields.List(fields.Nested(DelegationRef), required=True)
    supplying_defined = fields.Boolean(required=True)
    supplier_status = fields.String(
        required=True, validate=validate.OneOf(domain.SUPPLIER_STATUSES)
    )
    program_id = Nullable(fields.String)
    topic = Nullable(fields.String)
    other_topic = Nullable(
        fields.String, metadata={"description": 'the label of a topic "other" (reports use it)'}
    )
    activity_types = fields.List(fields.String(), required=True)
    mechanism = Nullable(fields.String)
    focus = Nullable(fields.String)
    description = Nullable(fields.String)
    expression_id = Nullable(fields.String)
    round = fields.Nested(RoundRef, required=True, allow_none=True)
    funding_source = Nullable(fields.String)
    planned_start = Nullable(fields.Date)
    planned_end = Nullable(fields.Date)
    terms_of_reference = Nullable(fields.String)
    owner_staff_id = Nullable(fields.String)
    follow_up_on = Nullable(fields.Date)
    lateness = Nullable(
        fields.String, validate=validate.OneOf((domain.DUE_SOON, domain.OVERDUE, domain.ESCALATION))
    )
    days_overdue = fields.Integer(required=True)
    estimated_cost = Nullable(fields.Integer)
    currency = Nullable(fields.String)
    scores = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    proposed_at = Nullable(fields.AwareDateTime)
    updated_at = Nullable(fields.AwareDateTime)
    trail = fields.List(
        fields.Nested(TrailEntry), metadata={"description": "every change; not in lists"}
    )
    updates = fields.List(
        fields.Nested(UpdateEntry),
        metadata={"description": "the counterparts' updates; not in lists"},
    )


class ActivitiesView(Schema):
    activities = fields.List(fields.Nested(ActivityView), required=True)


class ScoresView(Schema):
    activity_id = fields.String(required=True)
    scores = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    score = Nullable(fields.Integer, metadata={"description": "weighted by the criteria"})
    estimated_cost = Nullable(fields.Integer)
    currency = Nullable(fields.String)


class FollowUpSettingsView(Schema):
    workshop_id = fields.String(required=True)
    time_zone = fields.String(required=True)
    cadence_days = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    due_soon_days = fields.Integer(required=True)
    escalation_days = fields.Integer(required=True)


class CriteriaView(Schema):
    criteria = fields.List(fields.Nested(schemas.CriterionForm), required=True)


class SelectionView(Schema):
    id = fields.String(required=True)
    workshop_id = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "proposed or confirmed"})
    budget = fields.Integer(required=True)
    currency = fields.String(required=True)
    funding_source = fields.String(required=True)
    selected = fields.List(fields.Nested(schemas.SelectedActivity), required=True)
    candidate_count = fields.Integer(required=True)
    total_cost = fields.Integer(required=True)
    total_score = fields.Integer(required=True)
    proposed_by = fields.String(required=True)
    proposed_at = fields.AwareDateTime(required=True)
    confirmed_by = Nullable(fields.String)
    confirmed_at = Nullable(fields.AwareDateTime)


class ReportView(Schema):
    workshop_id = fields.String(required=True)
    report = fields.String(required=True, validate=validate.OneOf(reports.REPORTS))
    rows = fields.List(fields.Dict(), required=True)


def _query(name, schema, description):
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


# reports and charts are labelled for people reading one of these languages
_LANG = _query(
    "lang",
    {"type": "string", "enum": list(labels.LANGUAGES), "default": labels.DEFAULT_LANGUAGE},
    "the language of headers, states, activity types, mechanisms, country names, "
    "dates and money (es, en, pt, fr)",
)


def _operations() -> dict:
    activity = "/activities/{activity_id}"
    settings = "/workshops/{workshop_id}/follow-up-settings"
    criteria = "/workshops/{workshop_id}/criteria"
    report = "/workshops/{workshop_id}/reports/{name}"
    chart = "/workshops/{workshop_id}/charts/{filename}"
    iati_file = "/workshops/{workshop_id}/reports/iati.xml"
    report_names = "|".join(reports.REPORTS)
    states = "|".join(domain.STATES)
    chart_names = "|".join(reports.CHARTS)

    def change(operation_id, summary, suffix, form, status=200):
        return oas.operation(
            operation_id,
            summary,
            path=f"{activity}/{suffix}",
            status=status,
            request=form,
            response=ActivityView,
            errors=[409],
        )

    return {
        ("GET", "/activities"): oas.operation(
            "list_activities",
            "Activities, filtered (without trail and updates)",
            path="/activities",
            response=ActivitiesView,
            errors=[400],
            parameters=[
                _query("workshop_id", {"type": "string"}, "only this workshop's"),
                _query(
                    "state",
                    {"type": "string", "pattern": f"^({states})?(,({states})?)*$"},
                    f"comma-separated states, of {', '.join(domain.STATES)}",
                ),
                _query("owner_staff_id", {"type": "string"}, "only this staff member's"),
                _query(
                    "delegation_id",
                    {"type": "string"},
                    "only those this delegation demands or supplies",
                ),
                _query(
                    "overdue",
                    {"type": "string", "enum": ["true", "false"]},
                    "only late (true) or not late (false) ones",
                ),
            ],
        ),
        ("POST", "/activities"): oas.operation(
            "create_activity",
            "Record an activity directly (not from an expression)",
            path="/activities",
            status=201,
            request=schemas.ActivityForm,
            response=ActivityView,
            errors=[404],
            description=(
                "The workshop must be one intake published (404 naming `workshop_id` "
                "otherwise) and every delegation named must be known to followup, of that "
                "workshop and not withdrawn (422 naming `demanding_delegation_id` or "
                "`supplying_delegation_ids[i]`)."
            ),
        ),
        ("GET", activity): oas.operation(
            "get_activity",
            "An activity, with its trail and updates",
            path=activity,
            response=ActivityView,
        ),
        ("POST", f"{activity}/transitions"): change(
            "transition", "Move an activity in its lifecycle", "transitions", schemas.TransitionForm
        ),
        ("POST", f"{activity}/owner"): change(
            "assign_owner", "Give an activity to a staff member", "owner", schemas.OwnerForm
        ),
        ("POST", f"{activity}/follow-up"): change(
            "set_follow_up", "Set the next follow-up date", "follow-up", schemas.FollowUpForm
        ),
        ("POST", f"{activity}/supplying"): change(
            "resolve_supplying",
            "Name the supplying delegations",
            "supplying",
            schemas.SupplyingForm,
        ),
        ("POST", f"{activity}/updates"): change(
            "post_update",
            "A counterpart's update on an activity",
            "updates",
            schemas.CounterpartUpdateForm,
            status=201,
        ),
        ("PUT", f"{activity}/scores"): oas.operation(
            "score_activity",
            "Score an activity against its workshop's criteria",
            path=f"{activity}/scores",
            request=schemas.ScoresForm,
            response=ScoresView,
            errors=[409],
        ),
        ("GET", settings): oas.operation(
            "get_follow_up_settings",
            "A workshop's follow-up cadence (defaults until set)",
            path=settings,
            response=FollowUpSettingsView,
        ),
        ("PUT", settings): oas.operation(
            "set_follow_up_settings",
            "Change a workshop's follow-up cadence",
            path=settings,
            request=schemas.FollowUpSettingsForm,
            response=FollowUpSettingsView,
        ),
        ("GET", criteria): oas.operation(
            "get_criteria", "A workshop's scoring criteria", path=criteria, response=CriteriaView
        ),
        ("PUT", criteria): oas.operation(
            "set_criteria",
            "Replace a workshop's scoring criteria",
            path=criteria,
            request=schemas.CriteriaForm,
            response=CriteriaView,
        ),
        ("POST", "/workshops/{workshop_id}/selections"): oas.operation(
            "propose_selection",
            "Propose the activities a budget funds best",
            path="/workshops/{workshop_id}/selections",
            status=201,
            request=schemas.SelectionForm,
            response=SelectionView,
            errors=[409],
        ),
        ("GET", "/selections/{selection_id}"): oas.operation(
            "get_selection",
            "A funding selection",
            path="/selections/{selection_id}",
            response=SelectionView,
        ),
        ("POST", "/selections/{selection_id}/confirm"): oas.operation(
            "confirm_selection",
            "Confirm a proposed selection (published as funding_selection_confirmed)",
            path="/selections/{selection_id}/confirm",
            request=schemas.ConfirmForm,
            response=SelectionView,
            errors=[409],
        ),
        # before the reports' template, which a client's router would try first otherwise
        ("GET", iati_file): oas.operation(
            "get_iati",
            "The workshop's activities as IATI 2.03 activity XML",
            path=iati_file,
            content={"application/xml": {"type": "string"}},
            description=(
                "One iati-activity per activity, each a child of the workshop (its parent "
                "related-activity): participating organisations with their roles, status on "
                "the IATI ActivityStatus code list, dates, OECD DAC 5-digit sectors, the "
                "estimated cost as a budget. Valid against the IATI 2.03 activity schema. "
                "404 for a workshop followup does not know or one with no activities yet."
            ),
        ),
        ("GET", report): oas.operation(
            "get_report",
            "A report, as JSON or CSV",
            path=report,
            errors=[400],
            description=(
                "Rows for people: headers (JSON keys and the CSV's first line), states, "
                "activity types, mechanisms, focuses, roles, country names, dates and money "
                "in `lang` (default en); 400 for another language or format."
            ),
            content={"application/json": ReportView, "text/csv": {"type": "string"}},
            params={
                "name": {
                    "schema": {"type": "string", "pattern": f"^({report_names})(\\.(json|csv))?$"},
                    "description": "the report, with .json or .csv to choose the format",
                }
            },
            parameters=[
                _query(
                    "format",
                    {"type": "string", "enum": ["json", "csv"], "default": "json"},
                    "when the name has no extension",
                ),
                _LANG,
            ],
        ),
        ("GET", chart): oas.operation(
            "get_chart",
            "A chart of a report, as PNG or SVG",
            path=chart,
            content={
                "image/png": {"type": "string", "contentMediaType": "image/png"},
                "image/svg+xml": {"type": "string"},
            },
            params={
                "filename": {
                    "schema": {"type": "string", "pattern": f"^({chart_names})\\.(png|svg)$"}
                }
            },
            parameters=[_LANG],
        ),
    }


def openapi() -> dict:
    spec = APISpec(
        title="rueda followup",
        version=VERSION,
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "Follows every cooperation activity from expression of interest to completion: "
                "lifecycle, owners, follow-up dates, counterparts' updates, scores, funding "
                "selections, reports and charts. Errors are JSON with a stable code and the "
                "path of every invalid field."
            )
        },
        servers=[{"url": "http://127.0.0.1:8003"}],
    )
    from .service import FollowupService  # the entrypoints declare each operation's scope

    return oas.apply_scopes(oas.document(spec, _operations()), FollowupService)


def write(path: Path = DOCUMENT) -> None:
    oas.write(openapi(), path)


if __name__ == "__main__":
    write()
