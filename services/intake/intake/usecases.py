"""Intake's use cases: plain functions over a unit of work, returning what they
made. HTTP and events from other systems call the same functions, so a form
behaves the same whichever way it came in."""
from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from marshmallow import ValidationError
from rueda_backbone import ApiError, Conflict, Event, NotFound

from . import domain, schemas
from .models import (Delegate, Delegation, ErasedDelegate, FormRecord, FormVersion,
                     IdempotentRequest, StaffMember, Workshop)

# per form kind: the field naming the owning delegation, the deadline it obeys,
# and the events it causes
KINDS = {
    "program": {"owner": "delegation_id", "deadline": "programs",
                "submitted": "program_submitted", "withdrawn": "program_withdrawn",
                "id_field": "program_id", "path": "programs"},
    "interest": {"owner": "delegation_id", "deadline": "interests",
                 "submitted": "interest_submitted", "withdrawn": "interest_withdrawn",
                 "id_field": "interest_id", "path": "interests"},
    "expression_of_interest": {"owner": "demanding_delegation_id",
                               "deadline": "expressions_of_interest",
                               "submitted": "expression_of_interest_submitted",
                               "withdrawn": "expression_of_interest_withdrawn",
                               "id_field": "expression_id", "path": "expressions-of-interest"},
}


class DeadlineRefused(ApiError):
    def __init__(self, exc: domain.DeadlinePassed):
        super().__init__(409, "deadline_passed", str(exc))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _new_id() -> str:
    return str(uuid.uuid4())


def _invalid(path: str, message: str) -> ValidationError:
    return ValidationError({path: [message]})


# -- workshops ---------------------------------------------------------------------

def _workshop(session, workshop_id: str, *, field: str | None = None) -> Workshop:
    workshop = session.get(Workshop, workshop_id) if workshop_id else None
    if workshop is None:
        if field:
            raise _invalid(field, "no workshop is registered with this id")
        raise NotFound(f"no workshop {workshop_id}")
    return workshop


def _loaded_workshop(workshop: Workshop) -> dict:
    return schemas.WorkshopForm().load(workshop.form)


def _late_windows(workshop: Workshop) -> list[dict]:
    return [schemas.LateWindowForm().load(window) for window in workshop.late_windows]


def _utc(instant: datetime) -> datetime:
    return instant.astimezone(timezone.utc)


def _publish_workshop(workshop: Workshop, uow) -> None:
    """Every instant in the event is in UTC, as everywhere in the suite; the
    time zone travels beside them for those who show local times."""
    form = _loaded_workshop(workshop)
    form["deadlines"] = {name: _utc(instant) for name, instant in form["deadlines"].items()}
    uow.publish(Event("workshop_published", schemas.event_payload("workshop_published", {
        "workshop_id": workshop.id, "version": workshop.version,
        **{name: form[name] for name in (
            "title", "place", "time_zone", "starts_on", "ends_on", "languages",
            "tables_per_session", "table_capacity", "round_minutes", "max_runs_per_program",
            "rank_weights", "deadlines")},
        "sessions": [{"number": n, "starts_at": _utc(s["starts_at"])}
                     for n, s in enumerate(form["sessions"], start=1)],
        "late_windows": [{**w, "until": _utc(w["until"])} for w in _late_windows(workshop)],
    }), 1))


def create_workshop(form: dict, *, uow, workshop_id: str | None = None) -> Workshop:
    """The secretariat announces a workshop: its grid and its deadlines."""
    now = _now()
    workshop = Workshop(id=workshop_id or _new_id(), version=1,
                        form=schemas.WorkshopForm().dump(form), late_windows=[],
                        created_at=now, updated_at=now)
    uow.session.add(workshop)
    _publish_workshop(workshop, uow)
    return workshop


def revise_workshop(workshop_id: str, form: dict, *, uow) -> Workshop:
    workshop = _workshop(uow.session, workshop_id)
    workshop.form = schemas.WorkshopForm().dump(form)
    workshop.version += 1
    workshop.updated_at = _now()
    _publish_workshop(workshop, uow)
    return workshop


def grant_late_window(workshop_id: str, form: dict, *, uow) -> Workshop:
    """Let one delegation submit one form after its deadline, until a given time."""
    workshop = _workshop(uow.session, workshop_id)
    delegation = _delegation(uow.session, form["delegation_id"], field="delegation_id")
    if delegation.workshop_id != workshop.id:
        raise _invalid("delegation_id", "this delegation is not registered for this workshop")
    windows = [w for w in workshop.late_windows
               if not (w["delegation_id"] == form["delegation_id"] and w["form"] == form["form"])]
    windows.append(schemas.LateWindowForm().dump(form))
    workshop.late_windows = windows
    workshop.version += 1
    workshop.updated_at = _now()
    _publish_workshop(workshop, uow)
    return workshop


def workshop_view(workshop: Workshop) -> dict:
    return schemas.WorkshopView().dump({
        "id": workshop.id, "version": workshop.version, "form": workshop.form,
        "late_windows": workshop.late_windows, "created_at": workshop.created_at,
        "updated_at": workshop.updated_at})


def get_workshop(workshop_id: str, *, uow) -> Workshop:
    return _workshop(uow.session, workshop_id)


# -- delegations -----------------------------------------------------------------

def _delegation(session, delegation_id: str | None, *, field: str | None = None,
                active: bool = False) -> Delegation:
    delegation = session.get(Delegation, delegation_id) if delegation_id else None
    if delegation is None:
        if field:
            raise _invalid(field, "no delegation is registered with this id")
        raise NotFound(f"no delegation {delegation_id}")
    if active and delegation.status != "registered":
        raise _invalid(field or "delegation_id", "this delegation withdrew from the workshop")
    return delegation


def _registered_payload(delegation: Delegation) -> dict:
    return {
        "delegation_id": delegation.id, "workshop_id": delegation.workshop_id,
        "version": delegation.version, "country": delegation.country,
        "institution": delegation.institution, "acronym": delegation.acronym,
        "kind": delegation.kind, "working_languages": delegation.working_languages,
        "registered_at": delegation.registered_at,
        "delegates": [{"delegate_id": d.id, "name": d.name, "role": d.role,
                       "language": d.language, "is_focal_point": d.is_focal_point}
                      for d in delegation.delegates],
    }


def _publish_delegation(delegation: Delegation, uow) -> None:
    registered = schemas.event_payload("delegation_registered", _registered_payload(delegation))
    _record_version(uow.session, delegation.id, "delegation", delegation.version, "submitted",
                    registered)
    uow.publish(
        Event("delegation_registered", registered, schemas.CURRENT["delegation_registered"]),
        Event("delegation_contacts_updated", schemas.event_payload("delegation_contacts_updated", {
            "delegation_id": delegation.id, "workshop_id": delegation.workshop_id,
            "version": delegation.version,
            "contacts": [{"delegate_id": d.id, "name": d.name, "email": d.email,
                          "language": d.language, "is_focal_point": d.is_focal_point}
                         for d in delegation.delegates],
        }), schemas.CURRENT["delegation_contacts_updated"]),
    )


def _apply_registration(delegation: Delegation, form: dict) -> None:
    """Copy a registration form onto a delegation; a delegate who keeps their
    email keeps their id, so other forms that name them stay valid."""
    focal = domain.focal_point_index(form["delegates"], form.get("focal_point_email"))
    delegation.country = form["country"]
    delegation.institution = form["institution"]
    delegation.acronym = form.get("acronym")
    delegation.kind = form["kind"]
    delegation.working_languages = form.get("working_languages") or sorted(
        {d["language"] for d in form["delegates"]})
    known = {d.email.lower(): d for d in delegation.delegates}
    delegates = []
    for index, entry in enumerate(form["delegates"]):
        delegate = known.get(entry["email"].lower()) or Delegate(id=_new_id())
        delegate.position = index
        delegate.name = entry["name"]
        delegate.email = entry["email"]
        delegate.role = entry.get("role")
        delegate.language = entry["language"]
        delegate.is_focal_point = index == focal
        delegates.append(delegate)
    delegation.delegates = delegates


def register_delegation(form: dict, *, uow, delegation_id: str | None = None) -> Delegation:
    """Register a delegation for a workshop; tell the suite who its delegates
    are (names) and, for notify only, how to reach them (emails)."""
    _workshop(uow.session, form["workshop_id"], field="workshop_id")
    now = _now()
    delegation = Delegation(id=delegation_id or _new_id(), workshop_id=form["workshop_id"],
                            version=1, status="registered", registered_at=now, updated_at=now)
    _apply_registration(delegation, form)
    uow.session.add(delegation)
    uow.session.flush()
    _publish_delegation(delegation, uow)
    return delegation


def revise_delegation(delegation_id: str, form: dict, *, uow) -> Delegation:
    """A new revision of a registration replaces the whole delegation."""
    delegation = _delegation(uow.session, delegation_id)
    if form["workshop_id"] != delegation.workshop_id:
        raise _invalid("workshop_id", "a delegation cannot move to another workshop; "
                       "register it again for that one")
    delegation.status = "registered"
    delegation.withdrawn_at = None
    _apply_registration(delegation, form)
    delegation.version += 1
    delegation.updated_at = _now()
    uow.session.flush()
    _publish_delegation(delegation, uow)
    return delegation


def withdraw_delegation(delegation_id: str, *, uow) -> Delegation:
    delegation = _delegation(uow.session, delegation_id)
    if delegation.status == "withdrawn":
        raise Conflict("this delegation already withdrew")
    now = _now()
    delegation.status = "withdrawn"
    delegation.withdrawn_at = delegation.updated_at = now
    _record_version(uow.session, delegation.id, "delegation", delegation.version, "withdrawn", {})
    uow.publish(Event("delegation_withdrawn", schemas.event_payload("delegation_withdrawn", {
        "workshop_id": delegation.workshop_id, "delegation_id": delegation.id,
        "version": delegation.version, "withdrawn_at": now})))
    return delegation


def get_delegation(delegation_id: str, *, uow) -> Delegation:
    return _delegation(uow.session, delegation_id)


def delegation_view(delegation: Delegation) -> dict:
    return schemas.DelegationView().dump(delegation)


def erase_delegate(delegate_id: str, *, uow) -> dict:
    """Forget a delegate on their request: their row, their name in every kept
    revision; then tell notify (and anyone who kept the name) to forget too."""
    delegate = uow.session.get(Delegate, delegate_id)
    if delegate is None:
        raise NotFound(f"no delegate {delegate_id}")
    delegation = delegate.delegation
    now = _now()
    was_focal = delegate.is_focal_point
    delegation.delegates.remove(delegate)
    uow.session.add(ErasedDelegate(id=delegate_id, delegation_id=delegation.id, erased_at=now))
    versions = uow.session.scalars(sa.select(FormVersion).where(
        FormVersion.subject_id == delegation.id, FormVersion.kind == "delegation")).all()
    for version in versions:
        data = json.loads(json.dumps(version.data))
        for entry in data.get("delegates", []):
            if entry.get("delegate_id") == delegate_id:
                entry["name"] = "(erased)"
                entry["role"] = None
        version.data = data
    uow.publish(Event("delegate_erased", schemas.event_payload("delegate_erased", {
        "workshop_id": delegation.workshop_id, "delegation_id": delegation.id,
        "delegate_id": delegate_id, "erased_at": now})))
    if delegation.delegates:
        # the remaining delegates stay reachable; someone must be the focal point
        for position, remaining in enumerate(delegation.delegates):
            remaining.position = position
        if was_focal:
            delegation.delegates[0].is_focal_point = True
        delegation.version += 1
        delegation.updated_at = now
        uow.session.flush()
        _publish_delegation(delegation, uow)
    return {"delegate_id": delegate_id, "delegation_id": delegation.id, "erased_at": now}


# -- staff -----------------------------------------------------------------------------

def _publish_staff(staff: StaffMember, uow) -> None:
    member = {"staff_id": staff.id, "name": staff.name, "roles": staff.roles,
              "language": staff.language, "active": staff.active, "version": staff.version}
    uow.publish(
        Event("staff_member_registered", schemas.event_payload("staff_member_registered", member)),
        Event("staff_contacts_updated", schemas.event_payload("staff_contacts_updated",
                                                               {**member, "email": staff.email})),
    )


def register_staff(form: dict, *, uow) -> StaffMember:
    now = _now()
    staff = StaffMember(id=_new_id(), version=1, created_at=now, updated_at=now, **form)
    uow.session.add(staff)
    _publish_staff(staff, uow)
    return staff


def revise_staff(staff_id: str, form: dict, *, uow) -> StaffMember:
    staff = uow.session.get(StaffMember, staff_id)
    if staff is None:
        raise NotFound(f"no staff member {staff_id}")
    for name, value in form.items():
        setattr(staff, name, value)
    staff.version += 1
    staff.updated_at = _now()
    _publish_staff(staff, uow)
    return staff


# -- forms: drafts, submissions, revisions, withdrawals ---------------------------------

def _record_version(session, subject_id, kind, version, action, data) -> None:
    session.add(FormVersion(subject_id=subject_id, kind=kind, version=version, action=action,
                            data=data, recorded_at=_now()))


def _form(session, kind: str, form_id: str) -> FormRecord:
    record = session.get(FormRecord, form_id)
    if record is None or record.kind != kind:
        raise NotFound(f"no {kind.replace('_', ' ')} {form_id}")
    return record


def save_draft(kind: str, body: dict, *, uow, form_id: str | None = None) -> FormRecord:
    """Keep a partial form; it is checked in full only when submitted."""
    draft = schemas.FORMS[kind]().load(body, partial=True)
    owner_field = KINDS[kind]["owner"]
    now = _now()
    if form_id is None:
        if not draft.get(owner_field):
            raise _invalid(owner_field, "a draft must say whose it is")
        delegation = _delegation(uow.session, draft[owner_field], field=owner_field)
        record = FormRecord(id=_new_id(), kind=kind, workshop_id=delegation.workshop_id,
                            delegation_id=delegation.id, status="draft", version=0,
                            created_at=now)
        uow.session.add(record)
    else:
        record = _form(uow.session, kind, form_id)
        if draft.get(owner_field, record.delegation_id) != record.delegation_id:
            raise _invalid(owner_field, "a form cannot change hands")
    record.draft = schemas.FORMS[kind]().dump(draft)
    record.updated_at = now
    return record


def submit_form(kind: str, form: dict | None, *, uow, form_id: str | None = None,
                create_id: str | None = None, revise: bool = False) -> FormRecord:
    """Submit a complete form: a first submission, a revision (version + 1,
    the latest wins) or a saved draft (form=None)."""
    record = None
    if form_id is not None:
        record = _form(uow.session, kind, form_id)
        if form is None:
            if record.draft is None:
                raise Conflict("there is no draft to submit")
            form = schemas.FORMS[kind]().load(record.draft)
        elif not revise and record.version:
            raise Conflict("already submitted; revise it with PUT")
    owner_field = KINDS[kind]["owner"]
    delegation = _delegation(uow.session, form[owner_field], field=owner_field, active=True)
    if delegation.workshop_id is None:
        raise _invalid(owner_field, "this delegation is not registered for a workshop")
    if record is not None and record.delegation_id != delegation.id:
        raise _invalid(owner_field, "a form cannot change hands")
    workshop = _workshop(uow.session, delegation.workshop_id)
    now = _now()
    try:
        domain.check_deadline(KINDS[kind]["deadline"],
                              deadlines=_loaded_workshop(workshop)["deadlines"],
                              late_windows=_late_windows(workshop), delegation_id=delegation.id,
                              now=now)
    except domain.DeadlinePassed as exc:
        raise DeadlineRefused(exc) from None
    CHECKS[kind](form, delegation=delegation, workshop=workshop, uow=uow,
                 form_id=record.id if record else None)
    if record is None:
        record = FormRecord(id=create_id or _new_id(), kind=kind, workshop_id=workshop.id,
                            delegation_id=delegation.id, version=0, created_at=now)
        uow.session.add(record)
    if kind == "program":
        form = {**form, "institution": form.get("institution") or delegation.institution,
                "country": form.get("country") or delegation.country}
    record.status = "submitted"
    record.version += 1
    record.title = form.get("title")
    record.data = schemas.FORMS[kind]().dump(form)
    record.draft = None
    record.review = None
    record.submitted_at = record.updated_at = now
    record.withdrawn_at = None
    _record_version(uow.session, record.id, kind, record.version, "submitted", record.data)
    uow.publish(Event(KINDS[kind]["submitted"], schemas.event_payload(
        KINDS[kind]["submitted"], SUBMITTED[kind](record, form)),
        schemas.CURRENT[KINDS[kind]["submitted"]]))
    return record


def withdraw_form(kind: str, form_id: str, *, uow) -> FormRecord:
    record = _form(uow.session, kind, form_id)
    if record.status != "submitted":
        raise Conflict(f"only a submitted form can be withdrawn; this one is {record.status}")
    now = _now()
    record.status = "withdrawn"
    record.withdrawn_at = record.updated_at = now
    _record_version(uow.session, record.id, kind, record.version, "withdrawn", {})
    payload = {KINDS[kind]["id_field"]: record.id, "workshop_id": record.workshop_id,
               "delegation_id": record.delegation_id, "version": record.version,
               "withdrawn_at": now}
    if kind == "expression_of_interest":
        del payload["delegation_id"]
    uow.publish(Event(KINDS[kind]["withdrawn"], schemas.event_payload(KINDS[kind]["withdrawn"],
                                                                      payload)))
    return record


def review_program(program_id: str, form: dict, *, uow) -> FormRecord:
    """The secretariat accepts a program profile or returns it with a reason."""
    record = _form(uow.session, "program", program_id)
    if record.status != "submitted":
        raise Conflict(f"only a submitted program can be reviewed; this one is {record.status}")
    if form.get("version", record.version) != record.version:
        raise Conflict(f"version {form['version']} is not the latest ({record.version})",
                       [{"path": "version", "message": "a newer revision was submitted"}])
    now = _now()
    reason = form.get("reason") if form["decision"] == "returned" else None
    record.review = {"decision": form["decision"], "reason": reason, "version": record.version,
                     "reviewed_at": now.isoformat()}
    record.updated_at = now
    uow.publish(Event("program_reviewed", schemas.event_payload("program_reviewed", {
        "program_id": record.id, "workshop_id": record.workshop_id,
        "delegation_id": record.delegation_id, "version": record.version,
        "decision": form["decision"], "reason": reason, "reviewed_at": now})))
    return record


def get_form(kind: str, form_id: str, *, uow) -> FormRecord:
    return _form(uow.session, kind, form_id)


def form_view(record: FormRecord) -> dict:
    return schemas.FormView().dump({
        "id": record.id, "kind": record.kind, "workshop_id": record.workshop_id,
        "delegation_id": record.delegation_id, "status": record.status,
        "version": record.version, "title": record.title, "submitted_at": record.submitted_at,
        "withdrawn_at": record.withdrawn_at, "review": record.review, "form": record.data,
        "draft": record.draft, "updated_at": record.updated_at})


def workshop_programs(workshop_id: str, *, uow) -> dict:
    """The submitted program profiles of a workshop, for delegations choosing
    what to ask for (forms are public to the workshop as they come in)."""
    _workshop(uow.session, workshop_id)
    records = uow.session.scalars(sa.select(FormRecord).where(
        FormRecord.kind == "program", FormRecord.workshop_id == workshop_id,
        FormRecord.status == "submitted").order_by(FormRecord.submitted_at, FormRecord.id)).all()
    return schemas.FormListView().dump({"items": [form_view(record) for record in records]})


def versions(subject_id: str, kind: str, *, uow) -> dict:
    if kind == "delegation":
        _delegation(uow.session, subject_id)
    else:
        _form(uow.session, kind, subject_id)
    rows = uow.session.scalars(sa.select(FormVersion).where(FormVersion.subject_id == subject_id)
                               .order_by(FormVersion.id)).all()
    return schemas.VersionsView().dump({"id": subject_id, "versions": [
        {"version": r.version, "action": r.action, "recorded_at": r.recorded_at, "form": r.data}
        for r in rows]})


# -- what each kind checks against the rest of the workshop -----------------------------

def _submitted_programs(session, workshop_id: str) -> dict[str, FormRecord]:
    return {r.id: r for r in session.scalars(sa.select(FormRecord).where(
        FormRecord.kind == "program", FormRecord.workshop_id == workshop_id,
        FormRecord.status == "submitted"))}


def _delegate_ids(delegations) -> set[str]:
    return {d.id for delegation in delegations for d in delegation.delegates}


def _check_program(form, *, delegation, workshop, uow, form_id):
    return None


def _check_interest(form, *, delegation, workshop, uow, form_id):
    errors: dict = {}
    programs = _submitted_programs(uow.session, workshop.id)
    for index, program_id in enumerate(form["programs"]):
        program = programs.get(program_id)
        if program is None:
            errors.setdefault("programs", {})[index] = [
                "no submitted program of this workshop has this id"]
        elif program.delegation_id == delegation.id:
            errors.setdefault("programs", {})[index] = ["a delegation cannot ask for its own program"]
    known = _delegate_ids([delegation])
    for index, delegate_id in enumerate(form.get("attending_delegate_ids") or []):
        if delegate_id not in known:
            errors.setdefault("attending_delegate_ids", {})[index] = [
                "not a delegate of this delegation"]
    if errors:
        raise ValidationError(errors)
    other = uow.session.scalars(sa.select(FormRecord).where(
        FormRecord.kind == "interest", FormRecord.delegation_id == delegation.id,
        FormRecord.status == "submitted")).first()
    if other is not None and other.id != form_id:
        raise Conflict(f"this delegation already has an interest form ({other.id}); "
                       f"revise it with PUT /interests/{other.id}")


def _check_expression(form, *, delegation, workshop, uow, form_id):
    errors: dict = {}
    parties = [delegation]
    for index, supplier_id in enumerate(form.get("supplying_delegation_ids") or []):
        supplier = uow.session.get(Delegation, supplier_id)
        if supplier is None or supplier.workshop_id != workshop.id or supplier.status != "registered":
            errors.setdefault("supplying_delegation_ids", {})[index] = [
                "no delegation of this workshop has this id"]
        else:
            parties.append(supplier)
    programs = _submitted_programs(uow.session, workshop.id)
    if form.get("program_id") and form["program_id"] not in programs:
        errors["program_id"] = ["no submitted program of this workshop has this id"]
    known = _delegate_ids(parties)
    for index, delegate_id in enumerate(form.get("contact_delegate_ids") or []):
        if delegate_id not in known:
            errors.setdefault("contact_delegate_ids", {})[index] = [
                "not a delegate of the demanding or supplying delegations"]
    round_ = form.get("round")
    if round_:
        grid = _loaded_workshop(workshop)
        if round_["session"] > len(grid["sessions"]):
            errors.setdefault("round", {})["session"] = [
                f"this workshop has {len(grid['sessions'])} sessions"]
        if round_["table"] > grid["tables_per_session"]:
            errors.setdefault("round", {})["table"] = [
                f"this workshop has {grid['tables_per_session']} tables per session"]
        if round_["program_id"] not in programs:
            errors.setdefault("round", {})["program_id"] = [
                "no submitted program of this workshop has this id"]
    if errors:
        raise ValidationError(errors)


CHECKS = {"program": _check_program, "interest": _check_interest,
          "expression_of_interest": _check_expression}


def _program_submitted(record: FormRecord, form: dict) -> dict:
    return {
        "program_id": record.id, "workshop_id": record.workshop_id,
        "delegation_id": record.delegation_id, "version": record.version,
        "title": form["title"], "country": form["country"], "topics": form["topics"],
        "areas_of_influence": form.get("areas_of_influence") or [],
        "target_populations": form.get("target_populations") or [],
        "statuses": form.get("statuses") or [],
        "exchange_methods": form.get("exchange_methods") or [],
        "starts_on": form.get("starts_on"), "ends_on": form.get("ends_on"),
        "missing_fields": domain.missing_program_fields(form),
        "submitted_at": record.submitted_at,
    }


def _interest_submitted(record: FormRecord, form: dict) -> dict:
    return {
        "interest_id": record.id, "workshop_id": record.workshop_id,
        "delegation_id": record.delegation_id, "version": record.version,
        "programs": form["programs"], "topics": form.get("topics") or [],
        "attending_delegate_ids": form.get("attending_delegate_ids") or [],
        "submitted_at": record.submitted_at,
    }


def _expression_submitted(record: FormRecord, form: dict) -> dict:
    return {
        "expression_id": record.id, "workshop_id": record.workshop_id, "version": record.version,
        "demanding_delegation_id": form["demanding_delegation_id"],
        "supplying_delegation_ids": form.get("supplying_delegation_ids") or [],
        "program_id": form.get("program_id"), "topic": form.get("topic"),
        "activity_types": form["activity_types"], "mechanism": form["mechanism"],
        "focus": form["focus"], "description": form["description"],
        "contact_delegate_ids": form.get("contact_delegate_ids") or [],
        "round": form.get("round"), "submitted_at": record.submitted_at,
    }


SUBMITTED = {"program": _program_submitted, "interest": _interest_submitted,
             "expression_of_interest": _expression_submitted}


# -- idempotent requests ------------------------------------------------------------------

def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same: method, path and the JSON they carry."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = body.decode("utf-8", "replace")
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def remembered_response(client: str, key: str, print_: str, *, uow) -> tuple[int, dict] | None:
    """The answer already given to this key, or None; a different request
    under the same key is refused rather than answered with someone else's."""
    row = uow.session.get(IdempotentRequest, (client, key))
    if row is None:
        return None
    if row.fingerprint != print_:
        raise ApiError(422, "idempotency_key_reused",
                       "this Idempotency-Key was used for a different request; use a new key")
    return row.status, row.response


def remember_response(client: str, key: str, print_: str, status: int, response: dict, *,
                      uow) -> None:
    uow.session.add(IdempotentRequest(client=client, key=key, fingerprint=print_, status=status,
                                      response=response, created_at=_now()))


# -- forms published as events by other systems -----------------------------------------

def accept_published_form(kind: str, form: dict, *, uow, sender_id: str | None):
    """A form another system published: the sender's id (if any) names the
    form, so its first message submits it and later ones revise it."""
    if kind == "delegation":
        if sender_id and uow.session.get(Delegation, sender_id) is not None:
            return revise_delegation(sender_id, form, uow=uow)
        return register_delegation(form, uow=uow, delegation_id=sender_id)
    existing = uow.session.get(FormRecord, sender_id) if sender_id else None
    if existing is not None:
        return submit_form(kind, form, uow=uow, form_id=existing.id, revise=True)
    return submit_form(kind, form, uow=uow, create_id=sender_id)
