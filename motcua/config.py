"""Configuration from the environment (12-factor); every key is documented in the README."""

import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A setting the app must not start with; the message is one line saying what to set."""


def instance_dir() -> Path:
    """The local data folder: the default SQLite database, file store, keys and secret key."""
    return Path(os.environ.get("MOTCUA_INSTANCE") or ROOT / "instance")


def _secret_key(instance: Path) -> str:
    """SECRET_KEY, or one generated once and kept in instance/ so sessions survive restarts."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def from_env(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    env = os.environ.get
    instance = instance_dir()
    default_database = f"sqlite:///{instance / 'motcua.sqlite'}"
    config: dict[str, Any] = {
        "SECRET_KEY": None,
        "MOTCUA_INSTANCE": str(instance),
        "DATABASE_URL": env("DATABASE_URL") or default_database,
        "REDIS_URL": env("REDIS_URL") or None,
        "MOTCUA_STORAGE": env("MOTCUA_STORAGE") or str(instance / "files"),
        # Exchange between installations: the key folder (default: instance/exchange beside
        # the file store) and the key's passphrase (default: SECRET_KEY).
        "MOTCUA_EXCHANGE_DIR": env("MOTCUA_EXCHANGE_DIR") or None,
        "MOTCUA_EXCHANGE_PASSPHRASE": env("MOTCUA_EXCHANGE_PASSPHRASE") or None,
        "MOTCUA_BASE_URL": (env("MOTCUA_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "SMTP_HOST": env("SMTP_HOST") or None,
        "SMTP_PORT": int(env("SMTP_PORT") or 25),
        "SMTP_USER": env("SMTP_USER") or None,
        "SMTP_PASSWORD": env("SMTP_PASSWORD") or None,
        "SMTP_FROM": env("SMTP_FROM") or "motcua@localhost",
        "SMTP_STARTTLS": (env("SMTP_STARTTLS") or "").lower() in ("1", "true", "yes"),
        "MAX_CONTENT_LENGTH": int(env("MOTCUA_MAX_UPLOAD_MB") or 50) * 1024 * 1024,
        "MOTCUA_MAX_FILE_BYTES": int(env("MOTCUA_MAX_FILE_MB") or 20) * 1024 * 1024,
        "MOTCUA_PROXY_COUNT": int(env("MOTCUA_PROXY_COUNT") or 0),
        # The demo (`make run`): mounts the sandbox payment gateway on the app. Never on https.
        "MOTCUA_DEMO": (env("MOTCUA_DEMO") or "").lower() in ("1", "true", "yes"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": (env("MOTCUA_BASE_URL") or "").startswith("https://"),
        "PERMANENT_SESSION_LIFETIME": 30 * 60,  # idle sessions end after 30 minutes
        "MOTCUA_SESSION_MAX_HOURS": float(env("MOTCUA_SESSION_MAX_HOURS") or 12),
        "MOTCUA_TOKEN_DAYS": int(env("MOTCUA_TOKEN_DAYS") or 90),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "WTF_CSRF_TIME_LIMIT": None,
        # Signing (dossiers/signing/keys.py): PKCS#12 files per signer under MOTCUA_PKI_DIR,
        # MOTCUA_SIGNERS maps signers to PKCS#11 tokens, MOTCUA_TRUST_ROOTS are PEM files
        # (os.pathsep-separated), MOTCUA_TSA_URL turns on PAdES B-T with LTV data.
        # Beside the file store by default (instance/pki), so a throw-away store has its own.
        "MOTCUA_PKI_DIR": env("MOTCUA_PKI_DIR")
        or str(Path(env("MOTCUA_STORAGE") or instance / "files").parent / "pki"),
        "MOTCUA_KEY_PASSPHRASE": env("MOTCUA_KEY_PASSPHRASE") or "motcua-demo-pki",
        "MOTCUA_SIGNERS": env("MOTCUA_SIGNERS") or None,
        "MOTCUA_TRUST_ROOTS": env("MOTCUA_TRUST_ROOTS") or "",
        "MOTCUA_TSA_URL": env("MOTCUA_TSA_URL") or None,
        # Integration clients and webhooks (motcua/oauth.py, dossiers/webhooks): access-token
        # lifetime, a webhook POST's timeout, the first retry's delay (doubling after each
        # failure, capped at 6 h), attempts before a delivery waits for a manual re-send.
        "MOTCUA_CLIENT_TOKEN_TTL": int(env("MOTCUA_CLIENT_TOKEN_TTL") or 900),
        "MOTCUA_WEBHOOK_TIMEOUT": float(env("MOTCUA_WEBHOOK_TIMEOUT") or 10),
        "MOTCUA_WEBHOOK_RETRY_SECONDS": float(env("MOTCUA_WEBHOOK_RETRY_SECONDS") or 30),
        "MOTCUA_WEBHOOK_MAX_ATTEMPTS": int(env("MOTCUA_WEBHOOK_MAX_ATTEMPTS") or 10),
        # Webhooks never go to loopback or link-local addresses (this server, cloud metadata)
        # unless this is set (tests, a receiver on the same machine).
        "MOTCUA_WEBHOOK_ALLOW_LOOPBACK": (env("MOTCUA_WEBHOOK_ALLOW_LOOPBACK") or "").lower()
        in ("1", "true", "yes"),
    }
    config.update(overrides or {})
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _secret_key(instance)
    # The SQLite file under instance/ that `make run` uses: the CLI migrates it by itself.
    config["MOTCUA_DEFAULT_DATABASE"] = config["DATABASE_URL"] == default_database
    if config["MOTCUA_DEFAULT_DATABASE"]:
        instance.mkdir(parents=True, exist_ok=True)  # SQLite makes the file, not its folder
    return config
