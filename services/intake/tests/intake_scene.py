"""The fixed clock and the scene the use case tests start from: a workshop,
delegations and forms made through the use cases themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import intake_forms

from intake import schemas, usecases

NOW = datetime(2027, 10, 24, 9, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


class Scene:
    """What most tests start from, made through the use cases themselves, and
    the events published since the last look."""

    def __init__(self, uow):
        self.uow = uow
        self._seen = 0

    def run(self, use_case, command: dict, now: datetime = NOW):
        return use_case(command, uow=self.uow, now=now)

    def events(self) -> list[tuple[str, int, dict]]:
        """(type, version, payload) of every event published since the last call."""
        new = self.uow.envelopes[self._seen :]
        self._seen = len(self.uow.envelopes)
        return [(e.event_type, e.schema_version, e.payload) for e in new]

    def workshop(self, **changes):
        return self.run(
            usecases.create_workshop,
            schemas.WorkshopForm().load(intake_forms.workshop(now=NOW, **changes)),
        )

    def delegation(self, workshop_id: str, country: str = "Bolivia", **changes):
        return self.run(
            usecases.register_delegation,
            schemas.DelegationRegistrationForm().load(
                intake_forms.registration(workshop_id, country, **changes)
            ),
        )

    def program(self, delegation_id: str, now: datetime = NOW, **changes):
        return self.run(
            usecases.submit_form,
            {
                "kind": "program",
                **schemas.ProgramProfileForm().load(intake_forms.program(delegation_id, **changes)),
            },
            now=now,
        )

    def interest(self, delegation_id: str, programs: list[str], **changes):
        return self.run(
            usecases.submit_form,
            {
                "kind": "interest",
                **schemas.InterestForm().load(
                    intake_forms.interest(delegation_id, programs, **changes)
                ),
            },
        )

    def expression(self, demanding: str, supplying: list[str], program_id: str | None, **changes):
        return self.run(
            usecases.submit_form,
            {
                "kind": "expression_of_interest",
                **schemas.ExpressionOfInterestForm().load(
                    intake_forms.expression(demanding, supplying, program_id, **changes)
                ),
            },
        )


def fields_of(exc) -> dict[str, str]:
    """path -> message of a refused command's fields."""
    return {f["path"]: f["message"] for f in exc.fields}
