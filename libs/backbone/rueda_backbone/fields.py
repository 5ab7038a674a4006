"""One input policy for every edge, HTTP and events alike.

Every schema a service loads input with (request bodies, published forms,
tolerant readers) derives from `InputSchema` (or `Reader`, its tolerant
variant), which refuses, with the path of the field at fault:

- NUL and other control characters in any text (PostgreSQL refuses NUL, and
  the rest end up in email bodies, calendar files and CSV cells);
- line breaks in one-line text: every `fields.String` is one line unless it
  is declared `Text` (descriptions, objectives, reasons);
- datetimes and dates outside `EARLIEST`..`LATEST` (`AwareDateTime`, `Date`
  here): year 9999 with an offset cannot even be converted to UTC;

and `HeaderSafeEmail` refuses addresses that are valid by RFC 5322 but cannot
be put into an email header as they are (`=?` starts an encoded word, quotes,
spaces, angle brackets), so notify never meets one.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

# C0 controls but tab, LF and CR; DEL; C1 controls
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85\x0b\x0c]")
# a dot-atom local part and a dotted domain: what a header can carry as is
_HEADER_SAFE_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
    r"[A-Za-z0-9])?)+"
)

CONTROL_MESSAGE = "must not contain control characters (such as NUL)"
LINE_BREAK_MESSAGE = "must be a single line"


class Text(fields.String):
    """Free text that may span lines (tabs and line breaks kept)."""


class AwareDateTime(fields.AwareDateTime):
    """An instant with its offset, between 1900 and 2200."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            instant = super()._deserialize(value, attr, data, **kwargs)
        except OverflowError:
            raise ValidationError(self._range_message()) from None
        # the year as written (what the OpenAPI pattern states), so the
        # conversion to UTC below can never overflow
        if not EARLIEST.year <= instant.year < LATEST.year:
            raise ValidationError(self._range_message())
        return instant

    @staticmethod
    def _range_message() -> str:
        return f"must be between {EARLIEST.year} and {LATEST.year - 1}"


class Date(fields.Date):
    """A calendar date between 1900 and 2199."""

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST.date() <= day < LATEST.date():
            raise ValidationError(f"must be between {EARLIEST.year} and {LATEST.year - 1}")
        return day


class HeaderSafeEmail(fields.Email):
    """An address notify can put into a To: header as it is."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.insert(0, validate.Length(max=254))

    def _deserialize(self, value, attr, data, **kwargs):
        address = super()._deserialize(value, attr, data, **kwargs)
        if "=?" in address or not _HEADER_SAFE_EMAIL.fullmatch(address):
            raise ValidationError(
                "this address cannot be used in an email header; use letters, digits and "
                ". _ - + only before the @, with no quotes, spaces or '=?'"
            )
        return address


def _is_text(field) -> bool:
    return isinstance(field, Text)


def _unsafe_text(value, *, multiline: bool):
    """What is wrong with the strings in `value`, in marshmallow's nested error
    shape (keys and indexes as they came, whatever characters a key holds), or
    None."""
    if isinstance(value, str):
        if _CONTROL.search(value):
            return [CONTROL_MESSAGE]
        if not multiline and _LINE_BREAK.search(value):
            return [LINE_BREAK_MESSAGE]
        return None
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    found = {}
    for key, item in items:
        problem = _unsafe_text(item, multiline=multiline)
        if problem:
            found[key] = problem
    return found or None


def _integral_numbers(data: dict, by_key: dict) -> dict:
    """JSON does not tell 2 from 2.0 (nor does JSON Schema's "integer"):
    an integer field takes either, a 2.5 is still refused."""
    changed = None
    for key, value in data.items():
        field = by_key.get(key)
        if (
            isinstance(field, fields.Integer)
            and isinstance(value, float)
            and value.is_integer()
            and abs(value) < 2**53
        ):
            changed = changed or dict(data)
            changed[key] = int(value)
        elif (
            isinstance(field, fields.List)
            and isinstance(field.inner, fields.Integer)
            and isinstance(value, list)
            and any(isinstance(v, float) for v in value)
        ):
            changed = changed or dict(data)
            changed[key] = [_integral(v) for v in value]
        elif (
            isinstance(field, fields.Dict)
            and isinstance(field.value_field, fields.Integer)
            and isinstance(value, dict)
            and any(isinstance(v, float) for v in value.values())
        ):
            changed = changed or dict(data)
            changed[key] = {k: _integral(v) for k, v in value.items()}
    return changed if changed is not None else data


def _integral(value):
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


class InputPolicy:
    """The pre-load check shared by `InputSchema` and `Reader`: strings of
    declared fields (nested schemas check their own) are checked by their
    kind, anything else the input carries is at least free of controls."""

    @pre_load
    def _refuse_unsafe_text(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        errors: dict = {}
        by_key = {(f.data_key or name): f for name, f in self.fields.items()}
        data = _integral_numbers(data, by_key)
        for key, value in data.items():
            field = by_key.get(key)
            if isinstance(field, fields.Nested) or (
                isinstance(field, fields.List) and isinstance(field.inner, fields.Nested)
            ):
                continue
            inner = field.inner if isinstance(field, fields.List) else field
            problem = _unsafe_text(value, multiline=inner is not None and _is_text(inner))
            if problem:
                errors[key] = problem
        if errors:
            raise ValidationError(errors)
        return data


class InputSchema(InputPolicy, Schema):
    """What a service accepts over HTTP: unknown fields are an error."""

    class Meta:
        unknown = RAISE


class Reader(InputPolicy, Schema):
    """A tolerant reader of an event: unknown fields are ignored."""

    class Meta:
        unknown = EXCLUDE


__all__ = [
    "AwareDateTime",
    "Date",
    "HeaderSafeEmail",
    "InputSchema",
    "Reader",
    "Text",
    "EARLIEST",
    "LATEST",
    "date",
]
