"""Every kept revision of a form or a registration, as `GET .../versions` answers."""
from __future__ import annotations

from marshmallow import Schema, fields


class VersionView(Schema):
    version = fields.Integer()
    action = fields.String(metadata={"enum": ["submitted", "withdrawn", "erased"]})
    recorded_at = fields.AwareDateTime()
    form = fields.Dict()


class VersionsView(Schema):
    id = fields.String()
    versions = fields.List(fields.Nested(VersionView))
