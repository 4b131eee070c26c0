"""actuals indexes: the execution figures' sums read only indexes (by date; by division, object class, document)

Revision ID: 0009_actuals_index
Revises: 0008_spending_profiles
Create Date: 2026-12-07 01:30:00

The execution page and API sum an appropriation's transactions by day, over the lapse window and
by division, object class and document (the breakdown). With 200,000 transactions, looking every
row up in the table cost SQLite hundreds of ms a request (issue 14, "Speed"). With the amounts in
the indexes the sums are index-only scans, the breakdown's in its GROUP BY order. The first new
index starts with the old one's columns and serves every query it did: the old one goes.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_actuals_index'
down_revision = '0008_spending_profiles'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_actual_transaction_appropriation_posted_amounts',
        'actual_transaction',
        ['appropriation_id', 'posted_on', 'obligation_cents', 'expenditure_cents'],
        unique=False,
    )
    op.create_index(
        'ix_actual_transaction_appropriation_breakdown',
        'actual_transaction',
        ['appropriation_id', 'division_id', 'object_class_id', 'document_number', 'posted_on',
         'obligation_cents', 'expenditure_cents'],
        unique=False,
    )
    op.drop_index('ix_actual_transaction_appropriation_posted', table_name='actual_transaction')


def downgrade():
    op.create_index(
        'ix_actual_transaction_appropriation_posted',
        'actual_transaction',
        ['appropriation_id', 'posted_on'],
        unique=False,
    )
    op.drop_index('ix_actual_transaction_appropriation_breakdown', table_name='actual_transaction')
    op.drop_index('ix_actual_transaction_appropriation_posted_amounts', table_name='actual_transaction')
