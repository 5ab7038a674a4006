"""followup's settings that use cases need, read once from config.yml at the
edge (`dependencies.Settings`) and passed to the use cases as `settings`."""

from __future__ import annotations

from dataclasses import dataclass


def _names(value, default: tuple[str, ...]) -> tuple[str, ...]:
    """A list from YAML or a comma-separated string from the environment."""
    if value is None or value == "":
        return default
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))


@dataclass(frozen=True)
class ReportingOrg:
    """Who publishes the IATI file: the secretariat's organisation."""

    ref: str = "XX-RUEDA-SECRETARIAT"
    name: str = "Technical secretariat of the cooperation network"
    # IATI OrganisationType: 40 multilateral (a network run by an international organisation)
    type: str = "40"


@dataclass(frozen=True)
class Settings:
    # the systems that may post counterparts' updates on portal.events (the
    # envelope's producer); anybody else's update is parked with that reason
    counterpart_producers: tuple[str, ...] = ("portal",)
    reporting_org: ReportingOrg = ReportingOrg()

    @classmethod
    def from_config(cls, config: dict) -> Settings:
        default = ReportingOrg()
        return cls(
            counterpart_producers=_names(
                config.get("COUNTERPART_PRODUCERS"), cls.counterpart_producers
            ),
            reporting_org=ReportingOrg(
                ref=str(config.get("IATI_REPORTING_ORG_REF") or default.ref),
                name=str(config.get("IATI_REPORTING_ORG_NAME") or default.name),
                type=str(config.get("IATI_REPORTING_ORG_TYPE") or default.type),
            ),
        )


DEFAULT = Settings()
