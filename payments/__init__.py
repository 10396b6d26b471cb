"""Fees, payment-gateway adapters, callbacks, receipts and reconciliation (a later issue).

Like ``dossiers``, this package never imports Flask.
"""
