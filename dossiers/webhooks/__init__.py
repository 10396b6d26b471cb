"""Webhooks: a client subscribes to event kinds; each matching event on a dossier it may see
is delivered to it, signed, in order per dossier, through the outbox."""
