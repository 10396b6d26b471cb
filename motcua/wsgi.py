"""WSGI entry point for production servers: ``gunicorn motcua.wsgi:app``."""

from motcua import create_app

app = create_app()
