"""Reports for funders: followup's tables on the page (supply and demand,
counts, demand by topic and by country, status by delegation), its charts,
and the downloads (CSV, IATI XML, PNG) passed through with the console's
key, so the browser never holds one."""

from __future__ import annotations

from ..exceptions import PageNotFound
from ..gateway import path
from ..web import Visit, download

REPORTS = (
    "supply_demand",
    "counts",
    "demand_by_topic",
    "demand_by_country",
    "status_by_delegation",
)
CHARTS = (
    "demand_by_topic.png",
    "demand_by_country.png",
    "demand_by_topic.svg",
    "demand_by_country.svg",
)
TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "png": "image/png",
    "svg": "image/svg+xml",
    "xml": "application/xml",
}


def show(visit: Visit, workshop_id: str):
    workshop = visit.gateway.intake.get(path("workshops", workshop_id))
    tables = {
        name: visit.gateway.followup.get(
            path("workshops", workshop_id, "reports", name), params={"format": "json"}
        )["rows"]
        for name in REPORTS
    }
    names = {
        "supply_demand": visit.gettext("Supply and demand of cooperation"),
        "counts": visit.gettext("Counts by activity type, mechanism and focus"),
        "demand_by_topic": visit.gettext("Demand by topic"),
        "demand_by_country": visit.gettext("Demand by country"),
        "status_by_delegation": visit.gettext("Status by delegation"),
    }
    return visit.render(
        "reports.html",
        workshop=workshop,
        tables=tables,
        reports=REPORTS,
        report_names=names,
        nav="reports",
    )


def file(visit: Visit, workshop_id: str, filename: str):
    """A report's CSV, the IATI XML or a chart, as followup serves it."""
    stem, _, extension = filename.rpartition(".")
    if filename == "iati.xml":
        upstream = path("workshops", workshop_id, "reports", "iati.xml")
    elif stem in REPORTS and extension in ("csv", "json"):
        upstream = path("workshops", workshop_id, "reports", filename)
    elif filename in CHARTS:
        upstream = path("workshops", workshop_id, "charts", filename)
    else:
        raise PageNotFound(f"no report {filename}")
    response = visit.gateway.followup.get(upstream, raw=True)
    return download(
        response.content,
        filename=filename,
        content_type=TYPES.get(extension, "application/octet-stream"),
    )
