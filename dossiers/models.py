"""Every model of the domain core, imported once so the metadata is complete (Alembic)."""

from dossiers.accounts import ApiToken, OneTimeCode, RoleGrant, User
from dossiers.agencies import Agency, AgencyParent
from dossiers.apologies import Apology
from dossiers.audit import AdminEvent
from dossiers.calendar_store import CalendarOverride
from dossiers.clients.models import (
    ClientAuditEvent,
    ClientSubmission,
    ClientToken,
    IntegrationClient,
)
from dossiers.codes import DossierCounter
from dossiers.db import Base
from dossiers.events import Event
from dossiers.exchange.models import ExchangeMessage, Peer
from dossiers.files import Blob
from dossiers.inbox import Message
from dossiers.outbox import OutboxMessage
from dossiers.plans import DossierStep
from dossiers.procedures import (
    Procedure,
    ProcedureAgency,
    ProcedureComponent,
    ProcedureFee,
    ProcedureVersion,
    ProcessStep,
)
from dossiers.records import Dossier, DossierComponent, DossierFile
from dossiers.register import IssuedDocument, SigningImage
from dossiers.throttle import Throttle
from dossiers.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "AdminEvent",
    "Agency",
    "AgencyParent",
    "ApiToken",
    "Apology",
    "Base",
    "Blob",
    "CalendarOverride",
    "Dossier",
    "DossierComponent",
    "DossierCounter",
    "DossierFile",
    "DossierStep",
    "Event",
    "ExchangeMessage",
    "Message",
    "OneTimeCode",
    "OutboxMessage",
    "Peer",
    "Procedure",
    "ProcedureAgency",
    "ProcedureComponent",
    "ProcedureFee",
    "ProcedureVersion",
    "ProcessStep",
    "RoleGrant",
    "Throttle",
    "User",
    "IssuedDocument",
    "SigningImage",
    "ClientAuditEvent",
    "ClientSubmission",
    "ClientToken",
    "IntegrationClient",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
]
