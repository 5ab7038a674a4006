"""A workshop's reports and charts, read over HTTP (the builders and the
drawing are in `followup.reports`)."""
from __future__ import annotations

from datetime import datetime

from .. import reports
from ..exceptions import NotFound

CHART_FORMATS = ("png", "svg")


def get_report(query: dict, *, uow, now: datetime) -> dict:
    """The rows of one report (`report`) of a workshop, lateness as of `now`."""
    name = query["report"]
    if name not in reports.REPORTS:
        raise NotFound(f"no report {name!r}; one of {', '.join(reports.REPORTS)}")
    return {"workshop_id": query["workshop_id"], "report": name,
            "rows": reports.build(uow.session, query["workshop_id"], name, now)}


def get_chart(query: dict, *, uow, now: datetime) -> bytes:
    """One chart (`chart`) of a workshop's report, drawn as `format` (png or svg)."""
    name, fmt = query["chart"], query["format"]
    if name not in reports.CHARTS or fmt not in CHART_FORMATS:
        filename = ".".join(part for part in (name, fmt) if part)
        raise NotFound(f"no chart {filename!r}; charts are {', '.join(reports.CHARTS)} "
                       "as .png or .svg")
    rows = reports.build(uow.session, query["workshop_id"], name, now)
    label = "topic" if name == "demand_by_topic" else "country"
    return reports.bar_chart(rows, label_key=label, title=reports.CHARTS[name], fmt=fmt)
