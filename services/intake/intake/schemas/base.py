"""The field builders and base classes every intake schema is made of: forms
refuse unknown fields, event payloads load exactly what they document."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .. import domain


def Text(lo, hi, **kw):  # noqa: N802 - reads like a field class
    return fields.String(validate=validate.Length(min=lo, max=hi), **kw)


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


class Form(Schema):
    class Meta:
        # a misspelt field must be reported, not silently ignored
        unknown = RAISE


# -- published events (payload schemas) -------------------------------------------

def Id(description: str, **kw):  # noqa: N802
    return fields.String(required=True, metadata={"format": "uuid", "description": description}, **kw)


def Instant(description: str, **kw):  # noqa: N802
    return fields.AwareDateTime(metadata={"description": description}, **kw)


def Version(description="revision of the entity: 1, 2, ...; readers keep the highest seen"):  # noqa: N802
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=1),
                          metadata={"description": description})


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
