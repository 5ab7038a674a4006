"""Every kept revision of a form or a registration, as `GET .../versions` answers."""

from __future__ import annotations

from marshmallow import Schema, fields


class VersionView(Schema):
    version = fields.Integer()
    action = fields.String(
        metadata={
            "enum": [
                "submitted",
                "imported",
                "withdrawn",
                "erased",
                "created",
                "revised",
                "late_window",
            ]
        }
    )
    recorded_at = fields.AwareDateTime()
    import_id = fields.String(
        allow_none=True,
        metadata={
            "description": 'the archive import that made an "imported" revision; null otherwise'
        },
    )
    form = fields.Dict()
    by = fields.String(
        allow_none=True,
        metadata={
            "description": 'who made it: "staff:<id> (<name>)" when the console acted for a '
            "person, else the API client's origin; null for revisions before 0006"
        },
    )


class VersionsView(Schema):
    id = fields.String()
    versions = fields.List(fields.Nested(VersionView))
