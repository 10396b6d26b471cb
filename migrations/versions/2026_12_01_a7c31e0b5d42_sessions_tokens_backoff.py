"""sessions end server-side, API tokens expire, login delays grow, no clear codes in the outbox

Revision ID: a7c31e0b5d42
Revises: 5a7c0e11d2b4
Create Date: 2026-12-01 23:59:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import dossiers.db

revision: str = "a7c31e0b5d42"
down_revision: str | None = "5a7c0e11d2b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("throttles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("blocked_until", dossiers.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", dossiers.db.UTCDateTime(timezone=True), nullable=True)
        )
    # Tokens issued before tokens expired get the default lifetime from today.
    tokens = sa.table("api_tokens", sa.column("expires_at", dossiers.db.UTCDateTime()))
    op.execute(
        tokens.update()
        .where(tokens.c.expires_at.is_(None))
        .values(expires_at=datetime.now(UTC) + timedelta(days=90))
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=dossiers.db.UTCDateTime(timezone=True), nullable=False
        )
    # Codes used to travel in clear in the outbox: forget them (a new code is one click away).
    outbox = sa.table(
        "outbox",
        sa.column("job", sa.String()),
        sa.column("payload", dossiers.db.JSONType),
        sa.column("state", sa.String()),
    )
    op.execute(
        outbox.update()
        .where(outbox.c.job == "deliver_code")
        .values(
            payload={}, state=sa.case((outbox.c.state == "pending", "failed"), else_=outbox.c.state)
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("throttles", schema=None) as batch_op:
        batch_op.drop_column("blocked_until")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
