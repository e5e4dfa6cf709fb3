"""Gmail history ids are unsigned 64-bit: NUMERIC(20, 0) instead of BIGINT (20 digits on SQLite)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 09:00:00

BIGINT stops at 2**63 - 1, below Gmail's uint64 history ids. PostgreSQL changes the type in
place. SQLite cannot change a column's type, and rebuilding the table would cascade-delete the
rows that reference it (foreign keys are on), so the column is replaced through ADD / DROP /
RENAME COLUMN (SQLite 3.35+) and its values rewritten as 20 zero-padded digits (see
domain/records/types.py HistoryId). Going down fails on PostgreSQL if an id above 2**63 - 1 is
stored: that value has no BIGINT.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("mail_account", "history_id"), ("email_message", "history_id"))


def _replace_sqlite_column(table: str, column: str, sql_type: str, value: str) -> None:
    """The column anew with `sql_type`, each value rewritten by the SQL expression `value`."""
    op.execute(f"ALTER TABLE {table} ADD COLUMN {column}_new {sql_type}")
    op.execute(f"UPDATE {table} SET {column}_new = {value} WHERE {column} IS NOT NULL")
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {column}_new TO {column}")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column in COLUMNS:
        if sqlite:
            _replace_sqlite_column(table, column, "VARCHAR(20)", f"printf('%020d', {column})")
        else:
            op.alter_column(
                table,
                column,
                existing_type=sa.BigInteger(),
                type_=sa.Numeric(20, 0),
                existing_nullable=True,
                postgresql_using=f"{column}::numeric(20, 0)",
            )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column in COLUMNS:
        if sqlite:
            _replace_sqlite_column(table, column, "BIGINT", f"CAST({column} AS INTEGER)")
        else:
            op.alter_column(
                table,
                column,
                existing_type=sa.Numeric(20, 0),
                type_=sa.BigInteger(),
                existing_nullable=True,
                postgresql_using=f"{column}::bigint",
            )
