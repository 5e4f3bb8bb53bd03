"""accounts per channel: Telegram's and MAX's, one person may link one of each

telegram_accounts becomes accounts, with the messenger (channel, telegram for every row there) and the messenger's
own id (external_id, a Telegram account's is its id), unique per channel. persons.account_id gives way to
person_accounts (a person, an account, its channel; one link per person and channel): every existing link is copied
there, as Telegram's. Foreign keys to telegram_accounts follow the table.

SQLite: `persons` is referred to by every table and a populated database refuses to copy it, so its column is
dropped in place (ALTER TABLE … DROP COLUMN), its foreign key removed first by the procedure SQLite documents for
removing a constraint (writable_schema, "Making Other Kinds Of Table Schema Changes"). The table is renamed in place
(SQLite rewrites the references to it); the unique key is an index, so it is added in place too.

Revision ID: a7c3e1f0b942
Revises: f1a2b3c4d5e6
Create Date: 2026-12-04 02:00:00.000000
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c3e1f0b942"
down_revision: str | None = "f1a2b3c4d5e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = sa.Enum("telegram", "max", name="channel", native_enum=False, create_constraint=False, length=24)
# The foreign keys to the renamed table, (table, column, ON DELETE); PostgreSQL keeps their names, renamed here.
REFERRING = (("notification_settings", "account_id", "CASCADE"), ("deliveries", "account_id", "CASCADE"))


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.rename_table("telegram_accounts", "accounts")
    with op.batch_alter_table("accounts", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("channel", CHANNEL, nullable=False, server_default="telegram"))
        batch_op.add_column(sa.Column("external_id", sa.BigInteger(), nullable=False, server_default="0"))
    op.execute("UPDATE accounts SET external_id = id")
    if not _sqlite():
        op.alter_column("accounts", "channel", server_default=None)
        op.alter_column("accounts", "external_id", server_default=None)
        op.execute("ALTER TABLE accounts RENAME CONSTRAINT pk_telegram_accounts TO pk_accounts")
        for table, column, _ in REFERRING:
            op.execute(
                f"ALTER TABLE {table} RENAME CONSTRAINT fk_{table}_{column}_telegram_accounts TO fk_{table}_{column}_accounts"
            )
    op.create_index("uq_accounts_channel_external_id", "accounts", ["channel", "external_id"], unique=True)

    op.create_table(
        "person_accounts",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("channel", CHANNEL, nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_person_accounts_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_person_accounts_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_accounts")),
        sa.UniqueConstraint("person_id", "channel", name=op.f("uq_person_accounts_person_id_channel")),
    )
    op.create_index(op.f("ix_person_accounts_account_id"), "person_accounts", ["account_id"], unique=False)
    op.execute(
        "INSERT INTO person_accounts (person_id, account_id, channel) "
        "SELECT id, account_id, 'telegram' FROM persons WHERE account_id IS NOT NULL"
    )

    op.drop_index("ix_persons_account_id", table_name="persons")
    if _sqlite():
        _sqlite_drop_foreign_key("persons", "fk_persons_account_id_telegram_accounts")
    else:
        op.drop_constraint("fk_persons_account_id_telegram_accounts", "persons", type_="foreignkey")
    with op.batch_alter_table("persons", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("account_id")


def _sqlite_drop_foreign_key(table: str, name: str) -> None:
    """SQLite's documented way to remove a constraint without copying the table: its CREATE TABLE text rewritten
    without it, the schema version bumped so that every connection reads it again."""
    conn = op.get_bind()
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).scalar_one()
    pattern = re.compile(
        rf",\s*CONSTRAINT {name} FOREIGN KEY\([^)]*\) REFERENCES [^)]*\)( ON DELETE [A-Z ]+?)?(?=,|\s*\))"
    )
    stripped, count = pattern.subn("", sql)
    if count == 0:  # a reference written with the column (a downgrade's), dropped with it
        return
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar_one()
    conn.exec_driver_sql("PRAGMA writable_schema=ON")
    conn.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (stripped, table))
    conn.exec_driver_sql(f"PRAGMA schema_version={version + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema=OFF")


def downgrade() -> None:
    # Only Telegram's links and accounts have a place in the older schema: MAX's are dropped.
    if _sqlite():  # a column with its reference, added in place (the table's own constraints cannot be altered)
        op.execute("ALTER TABLE persons ADD COLUMN account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL")
    else:
        op.add_column("persons", sa.Column("account_id", sa.BigInteger(), nullable=True))
        op.create_foreign_key(
            "fk_persons_account_id_telegram_accounts",
            "persons",
            "accounts",
            ["account_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute(
        "UPDATE persons SET account_id = (SELECT account_id FROM person_accounts "
        "WHERE person_accounts.person_id = persons.id AND person_accounts.channel = 'telegram')"
    )
    op.create_index("ix_persons_account_id", "persons", ["account_id"], unique=False)
    op.drop_index(op.f("ix_person_accounts_account_id"), table_name="person_accounts")
    op.drop_table("person_accounts")

    op.execute("DELETE FROM accounts WHERE channel <> 'telegram'")
    op.drop_index("uq_accounts_channel_external_id", table_name="accounts")
    if not _sqlite():
        op.execute("ALTER TABLE accounts RENAME CONSTRAINT pk_accounts TO pk_telegram_accounts")
        for table, column, _ in REFERRING:
            op.execute(
                f"ALTER TABLE {table} RENAME CONSTRAINT fk_{table}_{column}_accounts TO fk_{table}_{column}_telegram_accounts"
            )
    with op.batch_alter_table("accounts", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("external_id")
        batch_op.drop_column("channel")
    op.rename_table("accounts", "telegram_accounts")
