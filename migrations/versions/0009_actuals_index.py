"""actuals sums: monthly sums kept by triggers; indexes for the edges of a range and for awards

Revision ID: 0009_actuals_index
Revises: 0008_spending_profiles
Create Date: 2026-12-07 01:30:00

The execution page and API sum an appropriation's transactions as of a date: by month, over the
lapse window, by division and object class, and by the awards they name. With 200,000
transactions, reading every one of them cost hundreds of ms a request (issue 14, "Speed").
`actual_month_sum` holds the sums by month, division and object class, kept by triggers on
actual_transaction in the same transaction as every insert, update or delete (SQLite and
PostgreSQL each in their own dialect); whole months are read there, the part-months at the edges
of a range from the transactions along (appropriation, posted_on, amounts). What was posted
against an award is read from the award's number along (document_number, ...): the index
replaces the one on document_number alone.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_actuals_index'
down_revision = '0008_spending_profiles'
branch_labels = None
depends_on = None

KEY = "appropriation_id, month, division_key, object_class_id"

# SQLite: row triggers; an update takes the old row out and puts the new one in.
_SQLITE_ADD_NEW = f"""
      INSERT INTO actual_month_sum ({KEY}, obligation_cents, expenditure_cents)
      VALUES (NEW.appropriation_id, date(NEW.posted_on, 'start of month'), COALESCE(NEW.division_id, 0),
              NEW.object_class_id, NEW.obligation_cents, NEW.expenditure_cents)
      ON CONFLICT ({KEY}) DO UPDATE SET
        obligation_cents = obligation_cents + excluded.obligation_cents,
        expenditure_cents = expenditure_cents + excluded.expenditure_cents;"""
_SQLITE_TAKE_OLD = """
      UPDATE actual_month_sum SET
        obligation_cents = obligation_cents - OLD.obligation_cents,
        expenditure_cents = expenditure_cents - OLD.expenditure_cents
      WHERE appropriation_id = OLD.appropriation_id AND month = date(OLD.posted_on, 'start of month')
        AND division_key = COALESCE(OLD.division_id, 0) AND object_class_id = OLD.object_class_id;"""
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER actual_month_sum_insert AFTER INSERT ON actual_transaction BEGIN{_SQLITE_ADD_NEW}\n    END",
    f"CREATE TRIGGER actual_month_sum_delete AFTER DELETE ON actual_transaction BEGIN{_SQLITE_TAKE_OLD}\n    END",
    f"CREATE TRIGGER actual_month_sum_update AFTER UPDATE ON actual_transaction BEGIN"
    f"{_SQLITE_TAKE_OLD}{_SQLITE_ADD_NEW}\n    END",
]

# PostgreSQL: statement-level triggers over the transition tables, one grouped statement per write.
POSTGRESQL_TRIGGERS = [
    f"""
    CREATE FUNCTION actual_month_sum_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO actual_month_sum ({KEY}, obligation_cents, expenditure_cents)
      SELECT appropriation_id, date_trunc('month', posted_on::timestamp)::date, COALESCE(division_id, 0), object_class_id,
             SUM(obligation_cents), SUM(expenditure_cents)
      FROM added GROUP BY 1, 2, 3, 4
      ON CONFLICT ({KEY}) DO UPDATE SET
        obligation_cents = actual_month_sum.obligation_cents + EXCLUDED.obligation_cents,
        expenditure_cents = actual_month_sum.expenditure_cents + EXCLUDED.expenditure_cents;
      RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION actual_month_sum_remove() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE actual_month_sum AS s SET
        obligation_cents = s.obligation_cents - r.obligation_cents,
        expenditure_cents = s.expenditure_cents - r.expenditure_cents
      FROM (SELECT appropriation_id, date_trunc('month', posted_on::timestamp)::date AS month,
                   COALESCE(division_id, 0) AS division_key, object_class_id,
                   SUM(obligation_cents) AS obligation_cents, SUM(expenditure_cents) AS expenditure_cents
            FROM removed GROUP BY 1, 2, 3, 4) AS r
      WHERE s.appropriation_id = r.appropriation_id AND s.month = r.month
        AND s.division_key = r.division_key AND s.object_class_id = r.object_class_id;
      RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER actual_month_sum_insert AFTER INSERT ON actual_transaction
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION actual_month_sum_add()
    """,
    """
    CREATE TRIGGER actual_month_sum_delete AFTER DELETE ON actual_transaction
      REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION actual_month_sum_remove()
    """,
    # An update is the old rows taken out and the new ones put in: two triggers on the one event.
    """
    CREATE TRIGGER actual_month_sum_update_out AFTER UPDATE ON actual_transaction
      REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION actual_month_sum_remove()
    """,
    """
    CREATE TRIGGER actual_month_sum_update_in AFTER UPDATE ON actual_transaction
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION actual_month_sum_add()
    """,
]


def upgrade():
    op.create_table(
        'actual_month_sum',
        sa.Column('appropriation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('division_key', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('object_class_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('obligation_cents', sa.BigInteger(), nullable=False),
        sa.Column('expenditure_cents', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['appropriation_id'], ['appropriation.id'], name=op.f('fk_actual_month_sum_appropriation_id_appropriation')),
        sa.ForeignKeyConstraint(['object_class_id'], ['object_class.id'], name=op.f('fk_actual_month_sum_object_class_id_object_class')),
        sa.PrimaryKeyConstraint('appropriation_id', 'month', 'division_key', 'object_class_id', name=op.f('pk_actual_month_sum')),
    )
    op.create_index(
        'ix_actual_transaction_appropriation_posted_amounts',
        'actual_transaction',
        ['appropriation_id', 'posted_on', 'obligation_cents', 'expenditure_cents'],
        unique=False,
    )
    op.create_index(
        'ix_actual_transaction_document_amounts',
        'actual_transaction',
        ['document_number', 'appropriation_id', 'posted_on', 'division_id', 'object_class_id',
         'obligation_cents', 'expenditure_cents'],
        unique=False,
    )
    op.drop_index('ix_actual_transaction_appropriation_posted', table_name='actual_transaction')
    op.drop_index('ix_actual_transaction_document_number', table_name='actual_transaction')
    for statement in SQLITE_TRIGGERS if op.get_bind().dialect.name == 'sqlite' else POSTGRESQL_TRIGGERS:
        op.execute(statement)
    # Transactions loaded before this migration: their sums, once.
    op.execute(
        f"""
        INSERT INTO actual_month_sum ({KEY}, obligation_cents, expenditure_cents)
        SELECT appropriation_id, month, division_key, object_class_id, SUM(obligation_cents), SUM(expenditure_cents)
        FROM (SELECT appropriation_id, {_month_of('posted_on')} AS month, COALESCE(division_id, 0) AS division_key,
                     object_class_id, obligation_cents, expenditure_cents FROM actual_transaction) AS t
        GROUP BY appropriation_id, month, division_key, object_class_id
        """
    )


def _month_of(column: str) -> str:
    if op.get_bind().dialect.name == 'sqlite':
        return f"date({column}, 'start of month')"
    return f"date_trunc('month', {column}::timestamp)::date"


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for name in ('insert', 'delete', 'update'):
            op.execute(f'DROP TRIGGER actual_month_sum_{name}')
    else:
        for name in ('insert', 'delete', 'update_out', 'update_in'):
            op.execute(f'DROP TRIGGER actual_month_sum_{name} ON actual_transaction')
        op.execute('DROP FUNCTION actual_month_sum_add()')
        op.execute('DROP FUNCTION actual_month_sum_remove()')
    op.create_index('ix_actual_transaction_document_number', 'actual_transaction', ['document_number'], unique=False)
    op.create_index(
        'ix_actual_transaction_appropriation_posted',
        'actual_transaction',
        ['appropriation_id', 'posted_on'],
        unique=False,
    )
    op.drop_index('ix_actual_transaction_document_amounts', table_name='actual_transaction')
    op.drop_index('ix_actual_transaction_appropriation_posted_amounts', table_name='actual_transaction')
    op.drop_table('actual_month_sum')
