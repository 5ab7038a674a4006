"""Reports for the secretariat and funders, and their bar charts.

Each report is a list of flat rows (the same for JSON and CSV). Charts use
matplotlib's object API with the Agg/SVG canvases, never pyplot, so workers in
green threads do not share a global figure.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime

import sqlalchemy as sa

from . import domain
from .models import Activity, Delegation, Program, Workshop
from .views import activity_lateness, title_of

REPORTS = ("supply_demand", "counts", "demand_by_topic", "demand_by_country",
           "status_by_delegation")
CHARTS = {"demand_by_topic": "Demand by topic", "demand_by_country": "Demand by country"}
NOT_DEFINED = "not yet defined"
UNSPECIFIED = "unspecified"
BAR_COLOUR = "#2a7ab0"


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
        delegation = self.delegations.get(delegation_id)
        return delegation.name if delegation else delegation_id

    def country(self, delegation_id: str) -> str:
        delegation = self.delegations.get(delegation_id)
        return delegation.country if delegation else UNSPECIFIED

    def topics(self, activity: Activity) -> list[str]:
        """The topic signed, else the topics of the program asked for."""
        if activity.topic:
            return [activity.topic]
        program = self.programs.get(activity.program_id or "")
        return list(program.topics) if program and program.topics else [UNSPECIFIED]


def supply_demand(ctx: Context) -> list[dict]:
    """One line per activity: who asks, who offers, about what."""
    return [{"activity_id": a.id, "title": title_of(ctx.session, a),
             "demanding": ctx.name(a.demanding_delegation_id),
             "demanding_country": ctx.country(a.demanding_delegation_id),
             "supplying": "; ".join(ctx.name(d) for d in a.supplying_delegation_ids) or NOT_DEFINED,
             "topic": "; ".join(ctx.topics(a)), "state": a.state}
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
    counter = Counter(ctx.country(a.demanding_delegation_id) for a in ctx.activities)
    return [{"country": country, "activities": n} for country, n in _ranked(counter)]


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


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


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
