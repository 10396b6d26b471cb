"""Exchange of dossiers between two Motcua installations (liên thông, Đ12.2; edXML envelope).

``operations`` holds the verbs (peers, send, accept, reject, complete, export), ``receive`` the
verification and storage of what a peer sends, ``send`` the outbox job that delivers.
"""

from dossiers.exchange import send  # noqa: F401 - registers the exchange_send outbox job
from dossiers.exchange.models import Direction, ExchangeMessage, MessageKind, MessageState, Peer
from dossiers.exchange.operations import (
    Upload,
    accept,
    add_peer,
    complete,
    export_edxml,
    get_peer,
    incoming_message,
    list_peers,
    reject,
    send_dossier,
    update_peer,
)

__all__ = [
    "Direction",
    "ExchangeMessage",
    "MessageKind",
    "MessageState",
    "Peer",
    "Upload",
    "accept",
    "add_peer",
    "complete",
    "export_edxml",
    "get_peer",
    "incoming_message",
    "list_peers",
    "reject",
    "send_dossier",
    "update_peer",
]
