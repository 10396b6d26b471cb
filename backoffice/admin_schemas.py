"""Marshmallow schemas of the administration API (agencies)."""

from marshmallow import Schema, fields, validate

from dossiers.agencies import AgencyKind


class AdminAgencySchema(Schema):
    code = fields.String(required=True, metadata={"example": "000.00.00.H20"})
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": [k.value for k in AgencyKind]})
    parent = fields.String(allow_none=True, metadata={"description": "parent today"})
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(allow_none=True)
    successor = fields.String(allow_none=True)


class AgenciesFileSchema(Schema):
    agencies = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "entries as in `motcua agencies import` (code, name, kind, valid_from, "
            "parent, parent_from, valid_to, successor, short_name, address, phone, "
            "email, gso_code, dvcqg_id); checked by the use case, errors name the "
            "entry and field",
            "example": [
                {
                    "code": "000.00.00.H58",
                    "name": "UBND tỉnh Tiền Giang",
                    "kind": "peoples_committee",
                    "valid_from": "2008-01-01",
                    "valid_to": "2025-07-01",
                    "successor": "000.00.00.H20",
                }
            ],
        },
    )


class DryRunSchema(Schema):
    dry_run = fields.Boolean(
        load_default=False, metadata={"description": "preview: say what would change"}
    )


class AgencyFieldChangeSchema(Schema):
    field = fields.String(required=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)


class AgencyImportChangeSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    action = fields.String(required=True, metadata={"enum": ["create", "update", "unchanged"]})
    fields_ = fields.List(
        fields.Nested(AgencyFieldChangeSchema), required=True, data_key="fields", attribute="fields"
    )
    parent_before = fields.String(allow_none=True)
    parent_after = fields.String(allow_none=True)
    parent_from = fields.String(allow_none=True, metadata={"format": "date"})
    closed_on = fields.String(allow_none=True, metadata={"format": "date"})
    successor = fields.String(allow_none=True)


class AgencyPlanSchema(Schema):
    applied = fields.Boolean(required=True, metadata={"description": "false for a dry run"})
    changed = fields.Boolean(required=True)
    created = fields.List(fields.String(), required=True)
    updated = fields.List(fields.String(), required=True)
    unchanged = fields.List(fields.String(), required=True)
    changes = fields.List(fields.Nested(AgencyImportChangeSchema), required=True)


# --- users and roles ------------------------------------------------------------------------

STAFF_ROLE_VALUES = ["reception", "officer", "leader", "supervisor", "admin"]


class GrantSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(STAFF_ROLE_VALUES))
    agency = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=35),
        metadata={
            "description": "agency identifier; required for reception, officer and leader",
            "example": "000.00.01.H20",
        },
    )


class AdminUserSchema(Schema):
    login = fields.String(required=True)
    full_name = fields.String(required=True)
    email = fields.String(allow_none=True)
    kind = fields.String(required=True)
    is_active = fields.Boolean(required=True)
    grants = fields.List(fields.Nested(GrantSchema), required=True)


class NewStaffSchema(Schema):
    login = fields.String(
        required=True, validate=validate.Length(1, 120), metadata={"example": "lan.tn"}
    )
    full_name = fields.String(
        required=True, validate=validate.Length(1, 200), metadata={"example": "Trần Thị Lan"}
    )
    email = fields.String(
        required=True,
        validate=validate.Length(3, 200),
        metadata={
            "description": "the one-time code to set the password goes here",
            "example": "lan@dongthap.gov.vn",
        },
    )
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class UserQuerySchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=100))


class UserActiveSchema(Schema):
    is_active = fields.Boolean(required=True)
