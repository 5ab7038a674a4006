"""Reports for the secretariat and funders, and their bar charts.

Each report is a list of flat rows (the same for JSON and CSV). Delegations
are named by acronym and country, or region for those not from one country
(one acronym names ministries of several countries); a topic "other" is
reported under its free-text label; money kept in cents reads as an amount.
CSV files are safe to open in a spreadsheet (formula-like cells neutralised,
UTF-8 with a BOM). Given a language (es, en, pt, fr), rows are labelled for
people: headers, states, activity types, mechanisms, focuses, roles, country
names, dates and money in that language (`followup.labels`); without one they
keep their codes (the charts and the digest read those). Charts use matplotlib's object API with the Agg/SVG
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

from . import domain, labels
from .models import Activity, Delegation, Program, Workshop
from .views import activity_lateness, supplier_status, title_of

REPORTS = (
    "supply_demand",
    "counts",
    "demand_by_topic",
    "demand_by_country",
    "status_by_delegation",
)
CHARTS = {"demand_by_topic": "Demand by topic", "demand_by_country": "Demand by country or region"}
SUPPLIERS = {
    domain.NOT_YET_DEFINED: "not yet defined",
    domain.SEVERAL_NOT_YET_NAMED: "several, not yet named",
}
NOT_DEFINED = SUPPLIERS[domain.NOT_YET_DEFINED]
UNSPECIFIED = "unspecified"
BAR_COLOUR = "#2a7ab0"
# OWASP's CSV injection rule: a cell starting with one of these is a formula
# (or becomes one) in a spreadsheet
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def money(cents: int | None, currency: str | None, lang: str = "en") -> str:
    """An amount kept in cents as people read it: "22,345.66 USD" (in `lang`'s conventions)."""
    if cents is None or not currency:
        return ""
    return format_currency(
        Decimal(cents) / 100,
        currency,
        format="#,##0.00 ¤¤",
        locale=labels.language(lang),
        currency_digits=False,
    )


class Context:
    """What the reports of one workshop read, loaded once."""

    def __init__(self, session, workshop_id: str, now: datetime, lang: str | None = None):
        self.session = session
        self.now = now
        # None: codes as they are; else the language people read the rows in
        self.lang = lang
        self.workshop_id = workshop_id
        self.activities = session.scalars(
            sa.select(Activity)
            .where(Activity.workshop_id == workshop_id)
            .order_by(Activity.proposed_at, Activity.id)
        ).all()
        self.delegations = {d.id: d for d in session.scalars(sa.select(Delegation))}
        self.programs = {p.id: p for p in session.scalars(sa.select(Program))}
        self.workshops: dict[str, Workshop] = {}

    def word(self, table: dict, code):
        """A code (a state, a type, a role...) in words of the reader's language."""
        return code if self.lang is None else labels.text(table, code, self.lang)

    def place(self, name: str) -> str:
        """A country name or "unspecified", in words of the reader's language."""
        if self.lang is None or not name:
            return name
        return (
            labels.text(labels.VALUES, name, self.lang)
            if name == UNSPECIFIED
            else labels.country(name, self.lang)
        )

    def day(self, value) -> str:
        if value is None:
            return ""
        return value.isoformat() if self.lang is None else labels.day(value, self.lang)

    def name(self, delegation_id: str) -> str:
        """Acronym and country or region: "MDS (Brazil)", never "MDS" alone."""
        delegation = self.delegations.get(delegation_id)
        if delegation is None:
            return delegation_id
        if self.lang is None or not delegation.country or delegation.place == delegation.name:
            return delegation.label
        # the country in words of the reader: "MDS (Brasil)" in es and pt
        return f"{delegation.name} ({labels.country(delegation.country, self.lang)})"

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
        status = supplier_status(activity)
        return (
            SUPPLIERS[status]
            if self.lang is None
            else labels.text(labels.SUPPLIERS, status, self.lang)
        )

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
    return [
        {
            "activity_id": a.id,
            "title": title_of(ctx.session, a),
            "demanding": ctx.name(a.demanding_delegation_id),
            "demanding_country": ctx.place(ctx.country(a.demanding_delegation_id)),
            "demanding_region": ctx.region(a.demanding_delegation_id),
            "supplying": ctx.supplying(a),
            "topic": "; ".join(
                ctx.word(labels.VALUES, t) if t == UNSPECIFIED else t for t in ctx.topics(a)
            ),
            "state": ctx.word(labels.STATES, a.state),
            "estimated_cost": money(a.estimated_cost, a.currency, ctx.lang or "en"),
        }
        for a in ctx.activities
    ]


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
        rows.extend(
            {
                "dimension": ctx.word(labels.DIMENSIONS, dimension),
                "value": ctx.word(labels.VALUES, value),
                "activities": n,
            }
            for value, n in _ranked(counter)
        )
    return rows


def demand_by_topic(ctx: Context) -> list[dict]:
    counter = Counter(t for a in ctx.activities for t in dict.fromkeys(ctx.topics(a)))
    return [
        {
            "topic": ctx.word(labels.VALUES, topic) if topic == UNSPECIFIED else topic,
            "activities": n,
        }
        for topic, n in _ranked(counter)
    ]


def demand_by_country(ctx: Context) -> list[dict]:
    """Activities by the demanding delegation's country; a subregional
    mechanism or an international organisation counts under its region (a
    row with `region` set and no `country`), never as a country."""
    counter = Counter(
        (ctx.country(a.demanding_delegation_id), ctx.region(a.demanding_delegation_id))
        for a in ctx.activities
    )
    ranked = sorted(counter.items(), key=lambda item: (-item[1], bool(item[0][1]), item[0]))
    return [
        {"country": ctx.place(country), "region": region, "activities": n}
        for (country, region), n in ranked
    ]


def status_by_delegation(ctx: Context) -> list[dict]:
    """Every activity under each delegation taking part in it, with what is late."""
    rows = []
    for a in ctx.activities:
        late = activity_lateness(ctx.session, a, ctx.now, ctx.workshops)
        overdue = late is not None and late.level in (domain.OVERDUE, domain.ESCALATION)
        sides = [(a.demanding_delegation_id, "demanding")] + [
            (d, "supplying") for d in a.supplying_delegation_ids
        ]
        for delegation_id, role in sides:
            rows.append(
                {
                    "delegation": ctx.name(delegation_id),
                    "delegation_id": delegation_id,
                    "role": ctx.word(labels.ROLES, role),
                    "activity_id": a.id,
                    "title": title_of(ctx.session, a),
                    "state": ctx.word(labels.STATES, a.state),
                    "owner_staff_id": a.owner_staff_id or "",
                    "follow_up_on": ctx.day(a.follow_up_on),
                    "overdue": ctx.word(labels.YES_NO, overdue),
                    "days_overdue": late.days_overdue if overdue else 0,
                }
            )
    return sorted(rows, key=lambda r: (r["delegation"], r["role"], r["activity_id"]))


BUILDERS = {
    "supply_demand": supply_demand,
    "counts": counts,
    "demand_by_topic": demand_by_topic,
    "demand_by_country": demand_by_country,
    "status_by_delegation": status_by_delegation,
}


def labelled(rows: list[dict], lang: str | None) -> list[dict]:
    """The rows with their headers in words of `lang` (codes without one)."""
    if lang is None:
        return rows
    return [
        {labels.text(labels.HEADERS, key, lang): value for key, value in row.items()}
        for row in rows
    ]


def build(
    session, workshop_id: str, name: str, now: datetime, lang: str | None = None
) -> list[dict]:
    """One report's rows: with codes, or labelled for people reading `lang`."""
    return labelled(BUILDERS[name](Context(session, workshop_id, now, lang)), lang)


def build_all(
    session, workshop_id: str, now: datetime, lang: str | None = None
) -> dict[str, list[dict]]:
    ctx = Context(session, workshop_id, now, lang)
    return {name: labelled(builder(ctx), lang) for name, builder in BUILDERS.items()}


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


def chart_rows(name: str, rows: list[dict], lang: str = labels.DEFAULT_LANGUAGE) -> list[dict]:
    """A report's rows (with codes) as bars: a label in words of `lang` and a
    count (a region says it is one)."""

    def unspecified(value):
        return labels.text(labels.VALUES, value, lang) if value == UNSPECIFIED else value

    if name == "demand_by_topic":
        return [{"label": unspecified(r["topic"]), "activities": r["activities"]} for r in rows]
    return [
        {
            "label": (
                labels.country(r["country"], lang)
                if r["country"] != UNSPECIFIED
                else unspecified(r["country"])
            )
            if r["country"]
            else labels.text(labels.CHARTS, "region", lang).format(region=r["region"]),
            "activities": r["activities"],
        }
        for r in rows
    ]


def chart(
    name: str, rows: list[dict], fmt: str = "png", lang: str = labels.DEFAULT_LANGUAGE
) -> bytes:
    """One of `CHARTS`, drawn from its report's rows (with codes), labelled in `lang`."""
    return bar_chart(
        chart_rows(name, rows, lang),
        label_key="label",
        title=labels.text(labels.CHARTS, name, lang),
        fmt=fmt,
        x_label=labels.text(labels.CHARTS, "activities", lang),
    )


def bar_chart(
    rows: list[dict],
    *,
    label_key: str,
    title: str,
    fmt: str = "png",
    dpi: int = 100,
    height_per_bar: float = 0.32,
    x_label: str = "activities",
    names: dict | None = None,
) -> bytes:
    """A horizontal bar chart, the largest bar on top."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    # `names`: what to show for each row's label (the gid keeps the code)
    shown = [(names or {}).get(r[label_key], str(r[label_key]).replace("_", " ")) for r in rows][
        ::-1
    ]
    values = [r["activities"] for r in rows][::-1]
    figure = Figure(figsize=(7, max(2.0, 0.8 + height_per_bar * len(rows))), dpi=dpi)
    axes = figure.add_subplot()
    positions = list(range(len(rows)))
    bars = axes.barh(positions, values, color=BAR_COLOUR)
    axes.set_yticks(positions, labels=shown)
    for bar, row in zip(bars, rows[::-1], strict=True):
        # named in the SVG, so a reader (or a test) can find each bar
        bar.set_gid(f"bar:{row[label_key]}")
    # and what it says: the title, the axis and each bar's label
    for tick, text in zip(axes.get_yticklabels(), shown, strict=True):
        tick.set_gid(f"label:{text}")
    axes.bar_label(bars, padding=3)
    axes.set_title(title, gid=f"title:{title}")
    axes.set_xlabel(x_label, gid=f"axis:{x_label}")
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


def digest_charts(
    views: list[dict], lang: str | None = None, fmt: str = "png"
) -> list[tuple[str, bytes]]:
    """The owner's activities by state, small enough for an email, labelled
    in the owner's language (English when followup does not know it)."""
    lang = labels.language(lang)
    counter = Counter(v["state"] for v in views)
    rows = [{"state": s, "activities": counter[s]} for s in domain.STATES if counter[s]]
    if not rows:
        return []
    return [
        (
            "activities_by_state",
            bar_chart(
                rows,
                label_key="state",
                dpi=72,
                fmt=fmt,
                title=labels.text(labels.CHARTS, "activities_by_state", lang),
                x_label=labels.text(labels.CHARTS, "activities", lang),
                names={s: labels.text(labels.STATES, s, lang) for s in domain.STATES},
            ),
        )
    ]
