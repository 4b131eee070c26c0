"""the data's version: one row whose token every commit replaces (kept whole pages are keyed on it)

Revision ID: 0014_data_version
Revises: 0013_import_jobs
Create Date: 2026-12-07 11:20:00.000000
"""

import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014_data_version"
down_revision = "0013_import_jobs"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.bulk_insert(table, [{"id": 1, "token": secrets.token_hex(16)}])


def downgrade():
    op.drop_table("data_version")
