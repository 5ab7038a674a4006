"""What people read in followup's reports and charts, in their language.

A small catalogue kept as a dict module (not a Babel .po file like
notify's): followup writes only short labels — report headers, state names,
activity types, mechanisms, focuses, roles, chart titles and axes — and a
dict keeps every language of one label on one line, with no compile or load
step. Each entry is `code: (en, es, pt, fr)`. Country names come from
Babel's territory names (by the ISO code `followup.iati` finds for the name
a delegation gives), dates from `babel.dates`, money from `babel.numbers`.

A code the catalogue does not know (a state a later version adds, a topic
outside the vocabulary) is shown as it is, so a report never fails for want
of a label.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency

LANGUAGES = ("es", "en", "pt", "fr")
DEFAULT_LANGUAGE = "en"
_INDEX = {"en": 0, "es": 1, "pt": 2, "fr": 3}

HEADERS = {
    "activity_id": ("Activity id", "Id de la actividad", "Id da atividade", "Id de l'activité"),
    "title": ("Title", "Título", "Título", "Titre"),
    "demanding": (
        "Demanding delegation",
        "Delegación demandante",
        "Delegação demandante",
        "Délégation demandeuse",
    ),
    "demanding_country": (
        "Demanding country",
        "País demandante",
        "País demandante",
        "Pays demandeur",
    ),
    "demanding_region": (
        "Demanding region",
        "Región demandante",
        "Região demandante",
        "Région demandeuse",
    ),
    "supplying": (
        "Supplying delegations",
        "Delegaciones oferentes",
        "Delegações ofertantes",
        "Délégations offrantes",
    ),
    "topic": ("Topic", "Tema", "Tema", "Thème"),
    "state": ("State", "Estado", "Estado", "État"),
    "estimated_cost": ("Estimated cost", "Costo estimado", "Custo estimado", "Coût estimé"),
    "dimension": ("Dimension", "Dimensión", "Dimensão", "Dimension"),
    "value": ("Value", "Valor", "Valor", "Valeur"),
    "activities": ("Activities", "Actividades", "Atividades", "Activités"),
    "country": ("Country", "País", "País", "Pays"),
    "region": ("Region", "Región", "Região", "Région"),
    "delegation": ("Delegation", "Delegación", "Delegação", "Délégation"),
    "delegation_id": (
        "Delegation id",
        "Id de la delegación",
        "Id da delegação",
        "Id de la délégation",
    ),
    "role": ("Role", "Rol", "Papel", "Rôle"),
    "owner_staff_id": (
        "Owner (staff id)",
        "Responsable (id)",
        "Responsável (id)",
        "Responsable (id)",
    ),
    "follow_up_on": (
        "Follow-up date",
        "Fecha de seguimiento",
        "Data de acompanhamento",
        "Date de suivi",
    ),
    "overdue": ("Overdue", "Atrasada", "Atrasada", "En retard"),
    "days_overdue": ("Days overdue", "Días de atraso", "Dias de atraso", "Jours de retard"),
}

# activity states (an activity is feminine in es, pt and fr)
STATES = {
    "proposed": ("proposed", "propuesta", "proposta", "proposée"),
    "under_review": ("under review", "en revisión", "em análise", "en examen"),
    "selected": ("selected", "seleccionada", "selecionada", "sélectionnée"),
    "declined": ("declined", "rechazada", "recusada", "refusée"),
    "planned": ("planned", "planificada", "planejada", "planifiée"),
    "in_progress": ("in progress", "en curso", "em andamento", "en cours"),
    "completed": ("completed", "finalizada", "concluída", "terminée"),
    "evaluated": ("evaluated", "evaluada", "avaliada", "évaluée"),
    "withdrawn": ("withdrawn", "retirada", "retirada", "retirée"),
}

# values of the counts report: activity types, mechanisms, focuses and what is left open
VALUES = {
    "academic": ("academic", "académica", "acadêmica", "académique"),
    "expert_visit": (
        "expert visit",
        "visita de expertos",
        "visita de especialistas",
        "visite d'experts",
    ),
    "virtual": ("virtual", "virtual", "virtual", "virtuelle"),
    "internship": ("internship", "pasantía", "estágio", "stage"),
    "study_tour": ("study tour", "visita de estudio", "visita de estudo", "voyage d'étude"),
    "inter_institutional_agreement": (
        "inter-institutional agreement",
        "convenio interinstitucional",
        "acordo interinstitucional",
        "accord interinstitutionnel",
    ),
    "bilateral_agreement": (
        "bilateral agreement",
        "acuerdo bilateral",
        "acordo bilateral",
        "accord bilatéral",
    ),
    "regional_program": (
        "regional program",
        "programa regional",
        "programa regional",
        "programme régional",
    ),
    "other": ("other", "otro", "outro", "autre"),
    "general": ("general", "general", "geral", "général"),
    "specific_components": (
        "specific components",
        "componentes específicos",
        "componentes específicos",
        "composantes spécifiques",
    ),
    "not_yet_known": ("not yet known", "aún no se sabe", "ainda não se sabe", "pas encore connu"),
    "unspecified": ("unspecified", "sin especificar", "não especificado", "non précisé"),
}

DIMENSIONS = {
    "activity_type": ("activity type", "tipo de actividad", "tipo de atividade", "type d'activité"),
    "mechanism": ("mechanism", "mecanismo", "mecanismo", "mécanisme"),
    "focus": ("focus", "enfoque", "foco", "approche"),
}

ROLES = {
    "demanding": ("demanding", "demandante", "demandante", "demandeuse"),
    "supplying": ("supplying", "oferente", "ofertante", "offrante"),
}

# the supplying side when no delegation is named (followup.domain's supplier statuses)
SUPPLIERS = {
    "not_yet_defined": (
        "not yet defined",
        "aún no definido",
        "ainda não definido",
        "pas encore défini",
    ),
    "several_not_yet_named": (
        "several, not yet named",
        "varios, aún sin nombrar",
        "vários, ainda não nomeados",
        "plusieurs, pas encore nommés",
    ),
}

YES_NO = {True: ("yes", "sí", "sim", "oui"), False: ("no", "no", "não", "non")}

CHARTS = {
    "demand_by_topic": (
        "Demand by topic",
        "Demanda por tema",
        "Demanda por tema",
        "Demande par thème",
    ),
    "demand_by_country": (
        "Demand by country or region",
        "Demanda por país o región",
        "Demanda por país ou região",
        "Demande par pays ou région",
    ),
    "activities_by_state": (
        "Your activities by state",
        "Sus actividades por estado",
        "Suas atividades por estado",
        "Vos activités par état",
    ),
    # the x axis
    "activities": ("activities", "actividades", "atividades", "activités"),
    # a bar for a region, not a country: "{region} (region)"
    "region": ("{region} (region)", "{region} (región)", "{region} (região)", "{region} (région)"),
}


def language(value: str | None) -> str:
    """One of `LANGUAGES`; anything else (none given, an unknown one) is English."""
    return value if value in _INDEX else DEFAULT_LANGUAGE


def text(table: dict, code, lang: str):
    """`code` in words of `lang` from one of the tables above; an unknown code as it is."""
    entry = table.get(code)
    return entry[_INDEX[language(lang)]] if entry else code


def country(name: str, lang: str) -> str:
    """A country as a delegation names it, in words of `lang` when followup
    recognises it (Babel's territory names: "Brazil" is "Brasil" in es and pt,
    "Brésil" in fr); any other name as it is."""
    from .iati import country_code

    code = country_code(name) if name else None
    if code is None:
        return name
    return Locale.parse(language(lang)).territories.get(code, name)


def day(value: date | None, lang: str) -> str:
    """A date as people of `lang` write it ("May 10, 2026", "10 may 2026")."""
    return format_date(value, format="medium", locale=language(lang)) if value else ""


def money(cents: int | None, currency: str | None, lang: str) -> str:
    """An amount kept in cents, in the conventions of `lang` ("22.345,66 USD" in es)."""
    if cents is None or not currency:
        return ""
    return format_currency(
        Decimal(cents) / 100,
        currency,
        format="#,##0.00 ¤¤",
        locale=language(lang),
        currency_digits=False,
    )
