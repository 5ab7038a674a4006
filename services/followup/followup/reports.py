"""Reports for the secretariat and funders, and their bar charts.

Each report is a list of flat rows (the same for JSON and CSV). Delegations
are named by acronym and country, or region for those not from one country
(one acronym names ministries of several countries); a topic "other" is
reported under its free-text label; money kept in cents reads as an amount.
CSV files are safe to open in a spreadsheet (formula-like cells neutralised,
UTF-8 with a BOM). Charts use matplotlib's object API with the Agg/SVG
canvases, never pyplot, so workers in green threads do not share a global
figure.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from babel.numbers import format_currency

from . import domain
from .models import Activity, Delegation, Program, Workshop
from .views import activity_lateness, supplier_status, title_of

REPORTS = ("supply_demand", "counts", "demand_by_topic", "demand_by_country",
           "status_by_delegation")
CHARTS = {"demand_by_topic": "Demand by topic",
          "demand_by_country": "Demand by country or region"}
SUPPLIERS = {domain.NOT_YET_DEFINED: "not yet defined",
             domain.SEVERAL_NOT_YET_NAMED: "several, not yet named"}
NOT_DEFINED = SUPPLIERS[domain.NOT_YET_DEFINED]
UNSPECIFIED = "unspecified"
BAR_COLOUR = "#2a7ab0"
# OWASP's CSV injection rule: a cell starting with one of these is a formula
# (or becomes one) in a spreadsheet
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def money(cents: int | None, currency: str | None) -> str:
    """An amount kept in cents as people read it: "22,345.66 USD"."""
    if cents is None or not currency:
        return ""
    return format_currency(Decimal(cents) / 100, currency, format="#,##0.00 ¤¤",
                           locale="en", currency_digits=False)


class Context:
    """What the reports of one workshop read, loaded once."""

    def __init__(self, session, workshop_id: str, now: datetime):
        self.session = session
        self.now = now
        self.workshop_id = workshop_id
        self.activities = session.scalars(sa.select(Activity).where(
            Activity.workshop_id == workshop_id).order_by(Activity.proposed_at, Activity.id)).all()
        self.delegations = {d.id: d for d in session.scalars(sa.select(Delegation))}
        self.programs = {p.id: p for p in session.scalars(sa.select(Program))}
        self.workshops: dict[str, Workshop] = {}

    def name(self, delegation_id: str) -> str:
        """Acronym and country or region: "MDS (Brazil)", never "MDS" alone."""
        delegation = self.delegations.get(delegation_id)
        return delegation.label if delegation else delegation_id

    def country(self, delegation_id: str) -> str:
        """The delegation's country; empty for one that gives a region instead."""
        delegation = self.delegations.get(delegation_id)
        if delegation is None:
            return UNSPECIFIED
        return delegation.country or ("" if delegation.region else UNSPECIFIED)

    def region(self, delegation_id: str) -> str:
        delegation = self.delegations.get(delegation_id)
        return (delegation.region or "") if delegation and not delegation.country else ""

    def supplying(self, activity: Activity) -> str:
        if activity.supplying_delegation_ids:
            return "; ".join(self.name(d) for d in activity.supplying_delegation_ids)
        return SUPPLIERS[supplier_status(activity)]

    def topics(self, activity: Activity) -> list[str]:
        """The topic signed (an "other" one under its label), else the topics
        of the program asked for."""
        if activity.topic:
            return [domain.topic_label(activity.topic, activity.other_topic)]
        program = self.programs.get(activity.program_id or "")
        if not program or not program.topics:
            return [UNSPECIFIED]
        return [domain.topic_label(t, program.other_topic) for t in program.topics]


def supply_demand(ctx: Context) -> list[dict]:
    """One line per activity: who asks, who offers, about what."""
    return [{"activity_id": a.id, "title": title_of(ctx.session, a),
             "demanding": ctx.name(a.demanding_delegation_id),
             "demanding_country": ctx.country(a.demanding_delegation_id),
             "demanding_region": ctx.region(a.demanding_delegation_id),
             "supplying": ctx.supplying(a),
             "topic": "; ".join(ctx.topics(a)), "state": a.state,
             "estimated_cost": money(a.estimated_cost, a.currency)}
            for a in ctx.activities]


def _ranked(counter: Counter) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def counts(ctx: Context) -> list[dict]:
    """Activities by type, mechanism and focus (an activity of two types counts in both)."""
    rows = []
    dimensions = {
        "activity_type": lambda a: a.activity_types or [UNSPECIFIED],
        "mechanism": lambda a: [a.mechanism or UNSPECIFIED],
        "focus": lambda a: [a.focus or UNSPECIFIED],
    }
    for dimension, values in dimensions.items():
        counter = Counter(v for a in ctx.activities for v in dict.fromkeys(values(a)))
        rows.extend({"dimension": dimension, "value": value, "activities": n}
                    for value, n in _ranked(counter))
    return rows


def demand_by_topic(ctx: Context) -> list[dict]:
    counter = Counter(t for a in ctx.activities for t in dict.fromkeys(ctx.topics(a)))
    return [{"topic": topic, "activities": n} for topic, n in _ranked(counter)]


def demand_by_country(ctx: Context) -> list[dict]:
    """Activities by the demanding delegation's country; a subregional
    mechanism or an international organisation counts under its region (a
    row with `region` set and no `country`), never as a country."""
    counter = Counter((ctx.country(a.demanding_delegation_id),
                       ctx.region(a.demanding_delegation_id)) for a in ctx.activities)
    ranked = sorted(counter.items(), key=lambda item: (-item[1], bool(item[0][1]), item[0]))
    return [{"country": country, "region": region, "activities": n}
            for (country, region), n in ranked]


def status_by_delegation(ctx: Context) -> list[dict]:
    """Every activity under each delegation taking part in it, with what is late."""
    rows = []
    for a in ctx.activities:
        late = activity_lateness(ctx.session, a, ctx.now, ctx.workshops)
        overdue = late is not None and late.level in (domain.OVERDUE, domain.ESCALATION)
        sides = [(a.demanding_delegation_id, "demanding")] + [
            (d, "supplying") for d in a.supplying_delegation_ids]
        for delegation_id, role in sides:
            rows.append({"delegation": ctx.name(delegation_id), "delegation_id": delegation_id,
                         "role": role, "activity_id": a.id, "title": title_of(ctx.session, a),
                         "state": a.state, "owner_staff_id": a.owner_staff_id or "",
                         "follow_up_on": a.follow_up_on.isoformat() if a.follow_up_on else "",
                         "overdue": overdue, "days_overdue": late.days_overdue if overdue else 0})
    return sorted(rows, key=lambda r: (r["delegation"], r["role"], r["activity_id"]))


BUILDERS = {"supply_demand": supply_demand, "counts": counts, "demand_by_topic": demand_by_topic,
            "demand_by_country": demand_by_country, "status_by_delegation": status_by_delegation}


def build(session, workshop_id: str, name: str, now: datetime) -> list[dict]:
    return BUILDERS[name](Context(session, workshop_id, now))


def build_all(session, workshop_id: str, now: datetime) -> dict[str, list[dict]]:
    ctx = Context(session, workshop_id, now)
    return {name: builder(ctx) for name, builder in BUILDERS.items()}


def safe_cell(value):
    """A cell a spreadsheet shows as text: one that would start a formula
    gets a leading apostrophe (OWASP's CSV injection rule); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(rows: list[dict]) -> bytes:
    """The rows as a CSV file: UTF-8 with a BOM (so spreadsheets in es, pt and
    fr read accents right), every cell safe to open."""
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: safe_cell(value) for key, value in row.items()} for row in rows)
    return out.getvalue().encode("utf-8-sig")


def chart_rows(name: str, rows: list[dict]) -> list[dict]:
    """A report's rows as bars: a label and a count (a region says it is one)."""
    if name == "demand_by_topic":
        return [{"label": r["topic"], "activities": r["activities"]} for r in rows]
    return [{"label": r["country"] or f"{r['region']} (region)", "activities": r["activities"]}
            for r in rows]


def chart(name: str, rows: list[dict], fmt: str = "png") -> bytes:
    """One of `CHARTS`, drawn from its report's rows."""
    return bar_chart(chart_rows(name, rows), label_key="label", title=CHARTS[name], fmt=fmt)


def bar_chart(rows: list[dict], *, label_key: str, title: str, fmt: str = "png",
              dpi: int = 100, height_per_bar: float = 0.32) -> bytes:
    """A horizontal bar chart, the largest bar on top."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    labels = [str(r[label_key]).replace("_", " ") for r in rows][::-1]
    values = [r["activities"] for r in rows][::-1]
    figure = Figure(figsize=(7, max(2.0, 0.8 + height_per_bar * len(rows))), dpi=dpi)
    axes = figure.add_subplot()
    bars = axes.barh(labels, values, color=BAR_COLOUR)
    for bar, row in zip(bars, rows[::-1], strict=True):
        # named in the SVG, so a reader (or a test) can find each bar
        bar.set_gid(f"bar:{row[label_key]}")
    axes.bar_label(bars, padding=3)
    axes.set_title(title)
    axes.set_xlabel("activities")
    axes.spines[["top", "right"]].set_visible(False)
    axes.xaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    out = io.BytesIO()
    if fmt == "svg":
        FigureCanvasSVG(figure)
        figure.savefig(out, format="svg", metadata={"Date": None})
    else:
        FigureCanvasAgg(figure)
        figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def digest_charts(views: list[dict]) -> list[tuple[str, bytes]]:
    """The owner's activities by state, small enough for an email."""
    counter = Counter(v["state"] for v in views)
    rows = [{"state": s, "activities": counter[s]} for s in domain.STATES if counter[s]]
    if not rows:
        return []
    return [("activities_by_state",
             bar_chart(rows, label_key="state", title="Your activities by state", dpi=72))]
