"""budget line sums: a scenario's lines counted and summed by the groups its pages read, kept by triggers

Revision ID: 0010_budget_line_sums
Revises: 0009_actuals_index
Create Date: 2026-12-07 05:20:00

The dashboard, the status of funds and the budget lines page summed every line of a scenario on
every request: at 100,000 lines a few hundred ms, growing with the lines (issue 16, "Pages flat
in the size of the budget"). `budget_line_sum` holds each scenario's lines counted and summed by
appropriation, stage, source, region and priority (the groups the status of funds and the
region × priority matrix read), kept by triggers on budget_line in the same transaction as every
insert, update or delete, whichever path writes it (the ORM, bulk inserts, a clone, an import,
a scenario's cascading delete), as migration 0009 keeps actual_month_sum. A group whose last line
goes is deleted. A line without a region or priority is kept under key 0.

Pages of lines in id order read (scenario_id, id) instead of sorting a scenario's ids.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_budget_line_sums'
down_revision = '0009_actuals_index'
branch_labels = None
depends_on = None

KEY = "scenario_id, appropriation_id, stage, source, region_key, priority_key"
_KEY_OF = "{row}.scenario_id, {row}.appropriation_id, {row}.stage, {row}.source, " \
          "COALESCE({row}.region_id, 0), COALESCE({row}.priority_id, 0)"
# The columns whose change moves a line from one group to another, or changes its group's sum.
_WATCHED = "scenario_id, appropriation_id, stage, source, region_id, priority_id, amount_cents"

# SQLite: row triggers; an update takes the old row out and puts the new one in.
_SQLITE_ADD_NEW = f"""
      INSERT INTO budget_line_sum ({KEY}, line_count, amount_cents)
      VALUES ({_KEY_OF.format(row='NEW')}, 1, NEW.amount_cents)
      ON CONFLICT ({KEY}) DO UPDATE SET
        line_count = line_count + 1,
        amount_cents = amount_cents + excluded.amount_cents;"""
_SQLITE_OLD_GROUP = """scenario_id = OLD.scenario_id AND appropriation_id = OLD.appropriation_id
        AND stage = OLD.stage AND source = OLD.source
        AND region_key = COALESCE(OLD.region_id, 0) AND priority_key = COALESCE(OLD.priority_id, 0)"""
_SQLITE_TAKE_OLD = f"""
      UPDATE budget_line_sum SET line_count = line_count - 1, amount_cents = amount_cents - OLD.amount_cents
      WHERE {_SQLITE_OLD_GROUP};
      DELETE FROM budget_line_sum WHERE {_SQLITE_OLD_GROUP} AND line_count = 0;"""
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER budget_line_sum_insert AFTER INSERT ON budget_line BEGIN{_SQLITE_ADD_NEW}\n    END",
    f"CREATE TRIGGER budget_line_sum_delete AFTER DELETE ON budget_line BEGIN{_SQLITE_TAKE_OLD}\n    END",
    f"CREATE TRIGGER budget_line_sum_update AFTER UPDATE OF {_WATCHED} ON budget_line BEGIN"
    f"{_SQLITE_TAKE_OLD}{_SQLITE_ADD_NEW}\n    END",
]

# PostgreSQL: statement-level triggers over the transition tables, one grouped statement per write.
# (A trigger with transition tables can't name columns: every update moves its rows out and back.)
POSTGRESQL_TRIGGERS = [
    f"""
    CREATE FUNCTION budget_line_sum_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO budget_line_sum ({KEY}, line_count, amount_cents)
      SELECT scenario_id, appropriation_id, stage, source, COALESCE(region_id, 0), COALESCE(priority_id, 0),
             COUNT(*), SUM(amount_cents)
      FROM added GROUP BY 1, 2, 3, 4, 5, 6
      ON CONFLICT ({KEY}) DO UPDATE SET
        line_count = budget_line_sum.line_count + EXCLUDED.line_count,
        amount_cents = budget_line_sum.amount_cents + EXCLUDED.amount_cents;
      RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION budget_line_sum_remove() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE budget_line_sum AS s SET
        line_count = s.line_count - r.line_count,
        amount_cents = s.amount_cents - r.amount_cents
      FROM (SELECT scenario_id, appropriation_id, stage, source, COALESCE(region_id, 0) AS region_key,
                   COALESCE(priority_id, 0) AS priority_key, COUNT(*) AS line_count, SUM(amount_cents) AS amount_cents
            FROM removed GROUP BY 1, 2, 3, 4, 5, 6) AS r
      WHERE s.scenario_id = r.scenario_id AND s.appropriation_id = r.appropriation_id AND s.stage = r.stage
        AND s.source = r.source AND s.region_key = r.region_key AND s.priority_key = r.priority_key;
      DELETE FROM budget_line_sum
      WHERE line_count = 0 AND scenario_id IN (SELECT DISTINCT scenario_id FROM removed);
      RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER budget_line_sum_insert AFTER INSERT ON budget_line
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION budget_line_sum_add()
    """,
    """
    CREATE TRIGGER budget_line_sum_delete AFTER DELETE ON budget_line
      REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION budget_line_sum_remove()
    """,
    # An update is the new rows put in, then the old ones taken out (triggers fire by name).
    """
    CREATE TRIGGER budget_line_sum_update_1_in AFTER UPDATE ON budget_line
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION budget_line_sum_add()
    """,
    """
    CREATE TRIGGER budget_line_sum_update_2_out AFTER UPDATE ON budget_line
      REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION budget_line_sum_remove()
    """,
]

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table(
        'budget_line_sum',
        sa.Column('scenario_id', _ID, nullable=False),
        sa.Column('appropriation_id', _ID, nullable=False),
        sa.Column('stage', sa.String(length=32), nullable=False),
        sa.Column('source', sa.String(length=32), nullable=False),
        sa.Column('region_key', _ID, nullable=False),
        sa.Column('priority_key', _ID, nullable=False),
        sa.Column('line_count', sa.BigInteger(), nullable=False),
        sa.Column('amount_cents', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ['scenario_id'], ['scenario.id'], name=op.f('fk_budget_line_sum_scenario_id_scenario'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['appropriation_id'], ['appropriation.id'], name=op.f('fk_budget_line_sum_appropriation_id_appropriation')
        ),
        sa.PrimaryKeyConstraint(
            'scenario_id', 'appropriation_id', 'stage', 'source', 'region_key', 'priority_key',
            name=op.f('pk_budget_line_sum'),
        ),
    )
    op.create_index('ix_budget_line_scenario_id', 'budget_line', ['scenario_id', 'id'], unique=False)
    for statement in SQLITE_TRIGGERS if op.get_bind().dialect.name == 'sqlite' else POSTGRESQL_TRIGGERS:
        op.execute(statement)
    # Lines written before this migration: their sums, once.
    op.execute(
        f"""
        INSERT INTO budget_line_sum ({KEY}, line_count, amount_cents)
        SELECT scenario_id, appropriation_id, stage, source, COALESCE(region_id, 0), COALESCE(priority_id, 0),
               COUNT(*), SUM(amount_cents)
        FROM budget_line
        GROUP BY scenario_id, appropriation_id, stage, source, COALESCE(region_id, 0), COALESCE(priority_id, 0)
        """
    )


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for name in ('insert', 'delete', 'update'):
            op.execute(f'DROP TRIGGER budget_line_sum_{name}')
    else:
        for name in ('insert', 'delete', 'update_1_in', 'update_2_out'):
            op.execute(f'DROP TRIGGER budget_line_sum_{name} ON budget_line')
        op.execute('DROP FUNCTION budget_line_sum_add()')
        op.execute('DROP FUNCTION budget_line_sum_remove()')
    op.drop_index('ix_budget_line_scenario_id', table_name='budget_line')
    op.drop_table('budget_line_sum')
