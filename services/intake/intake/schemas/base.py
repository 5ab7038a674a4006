"""The field builders and base classes every intake schema is made of: forms
take the suite's one input policy (`rueda_backbone.fields`: unknown fields,
control characters, line breaks in one-line text, instants and dates out of
range and addresses that cannot go into a header are refused), event
payloads load exactly what they document."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from rueda_backbone import fields as policy

from .. import domain


def Line(lo, hi, **kw):  # noqa: N802 - reads like a field class
    """One line of text (a name, a title): line breaks are refused."""
    return fields.String(validate=validate.Length(min=lo, max=hi), **kw)


def Text(lo, hi, **kw):  # noqa: N802
    """Free text that may span lines (objectives, a description, a reason)."""
    return policy.Text(validate=validate.Length(min=lo, max=hi), **kw)


def Email(**kw):  # noqa: N802
    """An address notify can put into a header as it is."""
    return policy.HeaderSafeEmail(**kw)


def Instant(description: str | None = None, **kw):  # noqa: N802
    """An instant with its offset, 1900..2199 (year 9999 with an offset is a 422, not a 500)."""
    if description:
        kw["metadata"] = {"description": description, **kw.get("metadata", {})}
    return policy.AwareDateTime(**kw)


def Day(**kw):  # noqa: N802
    """A calendar date, 1900..2199."""
    return policy.Date(**kw)


def Language(**kw):  # noqa: N802
    return fields.String(validate=validate.OneOf(domain.LANGUAGES), **kw)


def Choice(values, **kw):  # noqa: N802
    return fields.String(validate=validate.OneOf(values), **kw)


def Ref(**kw):  # noqa: N802
    """The id of something intake made (a UUID string)."""
    return fields.String(validate=validate.Length(min=1, max=36), **kw)


def Set(inner, lo, hi, **kw):  # noqa: N802
    """A list whose items must not repeat (checked in `no_repeats`)."""
    metadata = {"uniqueItems": True, **kw.pop("metadata", {})}
    return fields.List(inner, validate=validate.Length(min=lo, max=hi), metadata=metadata, **kw)


def no_repeats(data: dict, *names: str) -> None:
    errors = {}
    for name in names:
        repeated = domain.duplicates(data.get(name) or [])
        if repeated:
            errors[name] = [f"each value at most once; repeated: {', '.join(map(str, repeated))}"]
    if errors:
        raise ValidationError(errors)


class Form(policy.InputSchema):
    class Meta:
        # a misspelt field must be reported, not silently ignored
        unknown = RAISE


# -- published events (payload schemas) -------------------------------------------


def Id(description: str, **kw):  # noqa: N802
    return fields.String(
        required=True, metadata={"format": "uuid", "description": description}, **kw
    )


def Version(description="revision of the entity: 1, 2, ...; readers keep the highest seen"):  # noqa: N802
    return fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": description},
    )


def Imported():  # noqa: N802
    return fields.Boolean(
        required=True,
        metadata={
            "description": (
                "true when the secretariat loaded it from a past workshop's records (an archive "
                "import): deadlines were not applied and nobody should be sent a receipt for it"
            )
        },
    )


def Slugs(description: str, **kw):  # noqa: N802
    return fields.List(fields.String(), required=True, metadata={"description": description}, **kw)


class Event(Schema):
    class Meta:
        # a producer schema loads exactly what it documents
        unknown = RAISE


# -- errors (HTTP answers) ----------------------------------------------------------


class ErrorField(Schema):
    path = fields.String(metadata={"description": "where in the body, e.g. delegates[0].email"})
    message = fields.String()


class ErrorView(Schema):
    error = fields.String(metadata={"description": "stable code, e.g. invalid, deadline_passed"})
    message = fields.String()
    fields_ = fields.List(fields.Nested(ErrorField), data_key="fields")
    correlation_id = fields.String()
