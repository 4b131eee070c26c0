"""two more kinds of background job: a large workbook import and a large actuals load

Revision ID: 0013_import_jobs
Revises: 0012_reprogramming
Create Date: 2026-12-07 07:40:00.000000

job.kind is a string with a CHECK constraint (native_enum=False) on every database: the
constraint is replaced by one that admits the new kinds. On SQLite, batch mode rebuilds the
table to do it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_import_jobs'
down_revision = '0012_reprogramming'
branch_labels = None
depends_on = None

BEFORE = ('allocation_run', 'allocation_sweep', 'selection_run', 'workbook_export')
AFTER = (*BEFORE, 'workbook_import', 'actuals_load')


def _kinds(values):
    return sa.Enum(*values, name='jobkind', native_enum=False, create_constraint=True, length=32)


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=_kinds(BEFORE), type_=_kinds(AFTER), existing_nullable=False)


def downgrade():
    # Jobs of the new kinds cannot be described by the old constraint: they go (their results stay).
    op.execute(sa.text("DELETE FROM job WHERE kind IN ('workbook_import', 'actuals_load')"))
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=_kinds(AFTER), type_=_kinds(BEFORE), existing_nullable=False)
