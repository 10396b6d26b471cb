"""Fees, payment-gateway adapters, callbacks, receipts, refunds and reconciliation (Đ12.1.a).

Like ``dossiers``, this package never imports Flask. Importing it registers its outbox jobs
and the submission check for fees paid at submission.
"""

from payments import ledger, receipts, reconcile  # noqa: F401 - register hooks and jobs
