"""Tolerant readers of the events followup consumes."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields


class Reader(Schema):
    class Meta:
        unknown = EXCLUDE


class DelegateRef(Reader):
    delegate_id = fields.String(required=True)
    is_focal_point = fields.Boolean(load_default=False)


class DelegationRegistered(Reader):
    delegation_id = fields.String(required=True)
    institution = fields.String(required=True)
    acronym = fields.String(allow_none=True, load_default=None)
    country = fields.String(required=True)
    kind = fields.String(required=True)
    delegates = fields.List(fields.Nested(DelegateRef), required=True)
    registered_at = fields.AwareDateTime(required=True)


READERS = {("intake", "delegation_registered"): DelegationRegistered}
