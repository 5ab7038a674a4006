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
from datetime import date, datetime, timezone

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)

# C0 controls but tab, LF and CR; DEL; C1 controls
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85\x0b\x0c]")
# a dot-atom local part and a dotted domain: what a header can carry as is
_HEADER_SAFE_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
    r"[A-Za-z0-9])?)+")

CONTROL_MESSAGE = "must not contain control characters (such as NUL)"
LINE_BREAK_MESSAGE = "must be a single line"


class Text(fields.String):
    """Free text that may span lines (tabs and line breaks kept)."""


class AwareDateTime(fields.AwareDateTime):
    """An instant with its offset, between 1900 and 2200."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            instant = super()._deserialize(value, attr, data, **kwargs)
            utc = instant.astimezone(timezone.utc)
        except OverflowError:
            raise ValidationError(self._range_message()) from None
        if not EARLIEST <= utc < LATEST:
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
                ". _ - + only before the @, with no quotes, spaces or '=?'")
        return address


def _is_text(field) -> bool:
    return isinstance(field, Text)


def _check_strings(value, *, multiline: bool, path: str, errors: dict) -> None:
    if isinstance(value, str):
        if _CONTROL.search(value):
            errors[path] = [CONTROL_MESSAGE]
        elif not multiline and _LINE_BREAK.search(value):
            errors[path] = [LINE_BREAK_MESSAGE]
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(item, multiline=multiline, path=f"{path}.{key}", errors=errors)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_strings(item, multiline=multiline, path=f"{path}[{index}]", errors=errors)


def _nested(errors: dict, path: str, message: list) -> None:
    """Put a flat 'a.b[0].c' path into marshmallow's nested error shape."""
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    node = errors
    for part in parts[:-1]:
        key = int(part[1:-1]) if part.startswith("[") else part
        node = node.setdefault(key, {})
    last = parts[-1]
    node[int(last[1:-1]) if last.startswith("[") else last] = message


class InputPolicy:
    """The pre-load check shared by `InputSchema` and `Reader`: strings of
    declared fields (nested schemas check their own) are checked by their
    kind, anything else the input carries is at least free of controls."""

    @pre_load
    def _refuse_unsafe_text(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        flat: dict = {}
        by_key = {(f.data_key or name): f for name, f in self.fields.items()}
        for key, value in data.items():
            field = by_key.get(key)
            if isinstance(field, fields.Nested) or (
                    isinstance(field, fields.List) and isinstance(field.inner, fields.Nested)):
                continue
            inner = field.inner if isinstance(field, fields.List) else field
            _check_strings(value, multiline=inner is not None and _is_text(inner),
                           path=str(key), errors=flat)
        if flat:
            nested: dict = {}
            for path, message in flat.items():
                _nested(nested, path, message)
            raise ValidationError(nested)
        return data


class InputSchema(InputPolicy, Schema):
    """What a service accepts over HTTP: unknown fields are an error."""

    class Meta:
        unknown = RAISE


class Reader(InputPolicy, Schema):
    """A tolerant reader of an event: unknown fields are ignored."""

    class Meta:
        unknown = EXCLUDE


__all__ = ["AwareDateTime", "Date", "HeaderSafeEmail", "InputSchema", "Reader", "Text",
           "EARLIEST", "LATEST", "date"]
