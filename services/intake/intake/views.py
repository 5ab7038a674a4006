"""What the HTTP API answers: the use cases' results dumped through the view
schemas (never an email address: those stay in intake)."""

from __future__ import annotations

from . import schemas
from .models import Delegation, FormRecord, FormVersion, StaffMember, Workshop


def workshop_view(workshop: Workshop) -> dict:
    return schemas.WorkshopView().dump(
        {
            "id": workshop.id,
            "version": workshop.version,
            "form": workshop.form,
            "late_windows": workshop.late_windows,
            "created_at": workshop.created_at,
            "updated_at": workshop.updated_at,
            "updated_by": workshop.updated_by,
        }
    )


def delegation_view(delegation: Delegation) -> dict:
    return schemas.DelegationView().dump(delegation)


def staff_view(staff: StaffMember) -> dict:
    return schemas.StaffView().dump(staff)


def erasure_view(erasure: dict) -> dict:
    return schemas.ErasureView().dump(erasure)


def form_view(record: FormRecord) -> dict:
    return schemas.FormView().dump(
        {
            "id": record.id,
            "kind": record.kind,
            "workshop_id": record.workshop_id,
            "delegation_id": record.delegation_id,
            "status": record.status,
            "version": record.version,
            "title": record.title,
            "submitted_at": record.submitted_at,
            "withdrawn_at": record.withdrawn_at,
            "review": record.review,
            "form": record.data,
            "draft": record.draft,
            "updated_at": record.updated_at,
        }
    )


def form_list_view(records: list[FormRecord]) -> dict:
    return schemas.FormListView().dump({"items": [form_view(record) for record in records]})


def versions_view(subject_id: str, versions: list[FormVersion]) -> dict:
    return schemas.VersionsView().dump(
        {
            "id": subject_id,
            "versions": [
                {
                    "version": v.version,
                    "action": v.action,
                    "recorded_at": v.recorded_at,
                    "form": v.data,
                    "import_id": v.import_id,
                    "by": v.changed_by,
                }
                for v in versions
            ],
        }
    )


def archive_import_view(made: dict) -> dict:
    record = made["import"]
    return schemas.ArchiveImportView().dump(
        {
            "id": record.id,
            "workshop_id": record.workshop_id,
            "source": record.source,
            "imported_by": record.origin,
            "imported_at": record.imported_at,
            "counts": record.counts,
            "ids": made["ids"],
        }
    )


def reminder_view(answer: dict) -> dict:
    return schemas.ReminderView().dump(answer)


# -- read-only lists (the staff console) ---------------------------------------------


def _paged(page: dict, items: list) -> dict:
    return {
        "items": items,
        "total": page["total"],
        "limit": page["limit"],
        "offset": page["offset"],
    }


def workshop_list_view(page: dict) -> dict:
    return _paged(page, [workshop_view(workshop) for workshop in page["items"]])


def staff_list_view(page: dict) -> dict:
    return _paged(page, [staff_view(staff) for staff in page["items"]])


def delegation_list_view(page: dict) -> dict:
    from .schemas.listing import FormSummary

    summary = FormSummary()
    return _paged(
        page,
        [
            {
                **delegation_view(row["delegation"]),
                "forms": [summary.dump(record) for record in row["forms"]],
                "missing": row["missing"],
            }
            for row in page["items"]
        ],
    )


def workshop_form_list_view(page: dict) -> dict:
    return _paged(page, [form_view(record) for record in page["items"]])
