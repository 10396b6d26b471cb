"""Marshmallow schemas of the integration-client and webhook API (typed bodies, one error body,
timestamps in ISO 8601 with +07:00)."""

import base64
import binascii
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from dossiers.calendar import VN_TZ
from dossiers.clients.on_behalf import CHANNELS
from dossiers.clients.scopes import SCOPES
from motcua.api import ErrorSchema


def errors(blueprint: Blueprint, *statuses: int) -> Callable[[Any], Any]:
    """Declare the error body for each status an operation may answer."""

    def decorate(view: Any) -> Any:
        for status in statuses:
            view = blueprint.alt_response(status, schema=ErrorSchema)(view)
        return view

    return decorate


class LocalDateTime(fields.DateTime):
    """UTC in the database, Vietnam time (+07:00) on the wire."""

    def _serialize(self, value: datetime | None, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else value.astimezone(VN_TZ).isoformat(timespec="seconds")


class Base64Bytes(fields.String):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bytes:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValidationError("Nội dung base64 không hợp lệ / invalid base64") from error


SCOPE_FIELD = fields.String(validate=validate.OneOf(list(SCOPES)))


# --- clients (administrators) -------------------------------------------------------------


class NewClientSchema(Schema):
    name = fields.String(
        required=True,
        validate=validate.Length(1, 200),
        metadata={"example": "Cổng Dịch vụ công quốc gia"},
    )
    agency = fields.String(
        load_default=None,
        validate=validate.Length(max=35),
        metadata={"description": "agency identifier", "example": "000.00.01.H99"},
    )
    scopes = fields.List(
        SCOPE_FIELD,
        required=True,
        validate=validate.Length(min=1),
        metadata={"example": ["dossiers:submit-on-behalf", "webhooks"]},
    )


class ClientSchema(Schema):
    client_id = fields.String(required=True)
    name = fields.String(required=True)
    agency = fields.String(allow_none=True)
    scopes = fields.List(fields.String(), required=True)
    is_active = fields.Boolean(required=True)
    created_at = LocalDateTime(required=True)
    secret_rotated_at = LocalDateTime(allow_none=True)
    disabled_at = LocalDateTime(allow_none=True)


class ClientCredentialsSchema(ClientSchema):
    client_secret = fields.String(required=True, metadata={"description": "shown once"})


class SecretSchema(Schema):
    client_id = fields.String(required=True)
    client_secret = fields.String(required=True, metadata={"description": "shown once"})


class ClientActiveSchema(Schema):
    is_active = fields.Boolean(required=True)


class AuditEventSchema(Schema):
    action = fields.String(required=True, metadata={"example": "secret_rotated"})
    at = LocalDateTime(required=True)
    actor_user_id = fields.Integer(allow_none=True)
    actor_name = fields.String(required=True)
    details = fields.Dict(required=True)


# --- on-behalf submission -----------------------------------------------------------------


class FileInputSchema(Schema):
    filename = fields.String(required=True, validate=validate.Length(1, 255))
    content = Base64Bytes(required=True, metadata={"format": "byte"})


class ComponentInputSchema(Schema):
    position = fields.Integer(
        required=True,
        validate=validate.Range(1, 1000),
        metadata={"description": "the component's position in GET /api/v1/procedures/{code}"},
    )
    files = fields.List(fields.Nested(FileInputSchema), load_default=list)
    state = fields.String(load_default=None, validate=validate.OneOf(["paper", "not_provided"]))
    note = fields.String(load_default=None, validate=validate.Length(max=1000))


class OnBehalfApplicantSchema(Schema):
    id_type = fields.String(required=True, validate=validate.OneOf(["cccd", "tax_code"]))
    id_number = fields.String(
        required=True, validate=validate.Length(1, 20), metadata={"example": "079123456789"}
    )
    name = fields.String(required=True, validate=validate.Length(1, 200))
    phone = fields.String(load_default=None, validate=validate.Length(max=20))
    email = fields.Email(load_default=None)
    address = fields.String(load_default=None, validate=validate.Length(max=300))
    representative = fields.String(load_default=None, validate=validate.Length(max=200))


class OnBehalfSchema(Schema):
    procedure = fields.String(required=True, validate=validate.Length(1, 60))
    agency = fields.String(load_default=None, validate=validate.Length(max=35))
    channel = fields.String(required=True, validate=validate.OneOf(list(CHANNELS)))
    applicant = fields.Nested(OnBehalfApplicantSchema, required=True)
    components = fields.List(fields.Nested(ComponentInputSchema), load_default=list)


class DossierComponentSchema(Schema):
    position = fields.Integer(required=True)
    name = fields.String(required=True)
    requirement = fields.String(required=True)
    state = fields.String(required=True)
    files = fields.Integer(required=True, metadata={"description": "current files"})


class ClientDossierSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(allow_none=True, metadata={"example": "000.00.01.H99-261202-0001"})
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    national_status = fields.Integer(allow_none=True)
    channel = fields.String(allow_none=True, metadata={"description": "as the client named it"})
    intake_channel = fields.String(required=True)
    procedure = fields.String(required=True)
    applicant_name = fields.String(required=True)
    receiving_agency = fields.String(required=True)
    lookup_code = fields.String(allow_none=True)
    submitted_at = LocalDateTime(allow_none=True)
    received_at = LocalDateTime(allow_none=True)
    due_at = LocalDateTime(allow_none=True)
    components = fields.List(fields.Nested(DossierComponentSchema), required=True)


# --- webhooks -----------------------------------------------------------------------------


class NewSubscriptionSchema(Schema):
    url = fields.String(
        required=True,
        validate=validate.Length(1, 500),
        metadata={"example": "https://example.gov.vn/motcua/events"},
    )
    kinds = fields.List(
        fields.String(validate=validate.Length(1, 40)),
        required=True,
        validate=validate.Length(min=1),
        metadata={
            "example": ["submitted", "accepted", "refused"],
            "description": 'event kinds, or ["*"] for all',
        },
    )


class SubscriptionSchema(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    kinds = fields.List(fields.String(), required=True)
    is_active = fields.Boolean(required=True)
    created_at = LocalDateTime(required=True)


class NewSubscriptionResultSchema(SubscriptionSchema):
    secret = fields.String(
        required=True, metadata={"description": "HMAC-SHA256 key of Motcua-Signature; shown once"}
    )


class AttemptSchema(Schema):
    at = LocalDateTime(required=True)
    ok = fields.Boolean(required=True)
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)


class DeliverySchema(Schema):
    id = fields.Integer(required=True)
    subscription_id = fields.Integer(required=True)
    dossier_id = fields.Integer(required=True)
    event_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    state = fields.String(
        required=True, validate=validate.OneOf(["pending", "delivered", "failed"])
    )
    attempts = fields.Integer(required=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    next_attempt_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime(required=True)
    delivered_at = LocalDateTime(allow_none=True)
    log = fields.List(fields.Nested(AttemptSchema), required=True)
