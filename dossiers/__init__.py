"""Motcua's domain core: procedures, dossiers, their lifecycle, codes, deadlines and storage.

Nothing in this package imports Flask: every use case takes a SQLAlchemy session and an
``Actor`` and only flushes; the caller (view, API endpoint, CLI command, job) commits.
"""
