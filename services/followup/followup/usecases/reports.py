"""A workshop's reports, charts and IATI file, read over HTTP and by the CLI
(the builders and the drawing are in `followup.reports` and `followup.iati`)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from .. import domain, iati, labels, reports
from ..exceptions import NotFound
from ..models import Activity, ActivityChange
from ..settings import DEFAULT, Settings
from ..views import title_of
from .activities import check_workshop

CHART_FORMATS = ("png", "svg")
# states in which an activity has a funder
FUNDED_STATES = (
    domain.SELECTED,
    domain.PLANNED,
    domain.IN_PROGRESS,
    domain.COMPLETED,
    domain.EVALUATED,
)


def get_report(query: dict, *, uow, now: datetime) -> dict:
    """The rows of one report (`report`) of a workshop, lateness as of `now`:
    labelled for people reading `lang` (es, en, pt, fr), or with codes when
    the query names no language."""
    name = query["report"]
    if name not in reports.REPORTS:
        raise NotFound(f"no report {name!r}; one of {', '.join(reports.REPORTS)}")
    return {
        "workshop_id": query["workshop_id"],
        "report": name,
        "rows": reports.build(uow.session, query["workshop_id"], name, now, query.get("lang")),
    }


def get_chart(query: dict, *, uow, now: datetime) -> bytes:
    """One chart (`chart`) of a workshop's report, drawn as `format` (png or
    svg), labelled in `lang` (English by default)."""
    name, fmt = query["chart"], query["format"]
    if name not in reports.CHARTS or fmt not in CHART_FORMATS:
        filename = ".".join(part for part in (name, fmt) if part)
        raise NotFound(
            f"no chart {filename!r}; charts are {', '.join(reports.CHARTS)} as .png or .svg"
        )
    return reports.chart(
        name,
        reports.build(uow.session, query["workshop_id"], name, now),
        fmt,
        query.get("lang") or labels.DEFAULT_LANGUAGE,
    )


# -- IATI -------------------------------------------------------------------------------


def _organisation(delegation) -> iati.Organisation:
    label = delegation.institution
    if delegation.acronym and delegation.acronym != delegation.institution:
        label += f" ({delegation.acronym})"
    if delegation.place and delegation.place != delegation.institution:
        label += f", {delegation.place}"
    return iati.Organisation(label, iati.ORGANISATION_TYPES.get(delegation.kind))


def _funders(activity: Activity, demanding, supplying, reporting_org) -> list:
    if activity.state not in FUNDED_STATES or not activity.funding_source:
        return []
    return {
        "network_fund": [reporting_org],
        "own_resources": [demanding, *supplying],
        "subregional_mechanism": [iati.Organisation("Subregional mechanism", "40")],
        "bilateral_cooperation": [iati.Organisation("Bilateral cooperation agency", "10")],
    }.get(activity.funding_source, [])


def _entered(session, activity: Activity, state: str, time_zone: str | None) -> date | None:
    """The local day the activity first entered `state`, from its audit trail."""
    at = session.scalar(
        sa.select(sa.func.min(ActivityChange.at)).where(
            ActivityChange.activity_id == activity.id, ActivityChange.to_state == state
        )
    )
    return domain.local_today(at, time_zone) if at else None


def get_iati(query: dict, *, uow, now: datetime, settings: Settings = DEFAULT) -> bytes:
    """A workshop's activities as an IATI 2.03 activity file (`followup.iati`),
    reported by the organisation the settings name."""
    session = uow.session
    workshop = check_workshop(session, query["workshop_id"])
    ctx = reports.Context(session, workshop.id, now)
    if not ctx.activities:
        raise NotFound(f"workshop {workshop.id} has no activities to report yet")
    org = settings.reporting_org
    reporting_org = iati.Organisation(org.name, org.type, org.ref)
    unknown = lambda delegation_id: iati.Organisation(f"delegation {delegation_id}")  # noqa: E731
    records = []
    for activity in ctx.activities:
        demanding_row = ctx.delegations.get(activity.demanding_delegation_id)
        demanding = (
            _organisation(demanding_row)
            if demanding_row
            else unknown(activity.demanding_delegation_id)
        )
        supplying = [
            _organisation(ctx.delegations[d]) if d in ctx.delegations else unknown(d)
            for d in activity.supplying_delegation_ids
        ]
        title = title_of(session, activity)
        records.append(
            iati.ActivityRecord(
                id=activity.id,
                title=title,
                description=activity.description
                or (
                    f"{title}: {ctx.name(activity.demanding_delegation_id)} learns from "
                    f"{ctx.supplying(activity)}, agreed at {workshop.title or workshop.id}."
                ),
                state=activity.state,
                topics=ctx.topics(activity),
                demanding=demanding,
                supplying=supplying,
                funders=_funders(activity, demanding, supplying, reporting_org),
                proposed_on=domain.local_today(activity.proposed_at, workshop.time_zone),
                planned_start=activity.planned_start,
                planned_end=activity.planned_end,
                started_on=_entered(session, activity, domain.IN_PROGRESS, workshop.time_zone),
                ended_on=_entered(session, activity, domain.COMPLETED, workshop.time_zone),
                country=demanding_row.country if demanding_row else None,
                region=demanding_row.region if demanding_row else None,
                estimated_cost=activity.estimated_cost,
                currency=activity.currency,
                updated_at=activity.updated_at,
            )
        )
    return iati.activities_xml(
        records, reporting_org=reporting_org, workshop_id=workshop.id, generated_at=now
    )
