"""division rights: which divisions manage programs

Revision ID: 0006_division_rights
Revises: 0005_programs
Create Date: 2026-12-06 19:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006_division_rights"
down_revision = "0005_programs"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("division", sa.Column("manages_programs", sa.Boolean(), server_default=sa.false(), nullable=False))
    # Until now the code gave this right to the division coded IP; an existing office keeps it.
    division = sa.table("division", sa.column("code", sa.String), sa.column("manages_programs", sa.Boolean))
    op.execute(division.update().where(division.c.code == "IP").values(manages_programs=True))


def downgrade():
    with op.batch_alter_table("division") as batch_op:
        batch_op.drop_column("manages_programs")
