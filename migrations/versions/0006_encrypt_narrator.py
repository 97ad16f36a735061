"""encrypt narrator legal name and contact

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:00:00

The two columns become TEXT (a ciphertext is longer than the 200 characters it seals) and
every non-empty plaintext value is encrypted in place with the narrator data key (the same
sources as the app: FIELD_KEY, ARCHIVE_FIELD_KEY, instance/field.key; see archive.crypto).
Without a key and with plaintext to encrypt, the upgrade stops before changing anything.
Values already encrypted are left alone, so running it again after an interruption is safe.
After the commit, SQLite's WAL is checkpointed and truncated and PostgreSQL's table is
rewritten (VACUUM FULL), so no old plaintext copy stays in the database's files.

The downgrade decrypts (it needs the key when any value is encrypted) and restores
VARCHAR(200).
"""
import time

import sqlalchemy as sa
from alembic import op
from flask import current_app

from archive import crypto

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLE = "narrators"
COLUMNS = ("legal_name", "contact")


def _rows(bind):
    return bind.execute(
        sa.text(f"SELECT id, {', '.join(COLUMNS)} FROM {TABLE} ORDER BY id")
    ).all()


def _write(bind, row_id, values):
    assignments = ", ".join(f"{c} = :{c}" for c in values)
    bind.execute(sa.text(f"UPDATE {TABLE} SET {assignments} WHERE id = :id"),
                 {"id": row_id, **values})


def upgrade():
    bind = op.get_bind()
    ring = crypto.keyring(current_app)
    rows = _rows(bind)
    plaintext = sum(1 for row in rows for value in row[1:]
                    if value and not crypto.is_encrypted(value))
    if plaintext and not ring.can_encrypt:
        raise RuntimeError(
            f"Migration 0006 encrypts narrator legal names and contacts: {plaintext} stored "
            "values are plaintext, but there is no usable narrator data key "
            f"({ring.error or 'none found'}). Create one with `python -m archive.bootstrap "
            f"INSTANCE_DIR` (it writes {ring.key_path}) or set {crypto.KEY_ENV}, keep a copy "
            "apart from the database (see the README), and run the upgrade again. "
            "Nothing was changed."
        )

    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(column, existing_type=sa.String(length=200),
                                  type_=sa.Text(), existing_nullable=False)

    for row in rows:
        changed = {
            column: ring.encrypt(f"{TABLE}.{column}", value)
            for column, value in zip(COLUMNS, row[1:])
            if value and not crypto.is_encrypted(value)
        }
        if changed:
            _write(bind, row[0], changed)

    if plaintext:
        _compact()


def _compact():
    """Commit, then remove the plaintext's old copies from the database's files."""
    context = op.get_context()
    with context.autocommit_block():
        bind = op.get_bind()
        if bind.dialect.name == "sqlite":
            deadline = time.monotonic() + 30
            while bind.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]:
                if time.monotonic() > deadline:
                    print("WARNING: a reader blocked the WAL checkpoint; run "
                          "`flask --app archive keys compact` to finish it.")
                    break
                time.sleep(0.1)
        elif bind.dialect.name == "postgresql":
            bind.exec_driver_sql("SET lock_timeout = '30s'")
            try:
                bind.exec_driver_sql(f"VACUUM FULL {TABLE}")
            finally:
                bind.exec_driver_sql("RESET lock_timeout")


def downgrade():
    bind = op.get_bind()
    ring = crypto.keyring(current_app)
    rows = _rows(bind)
    plain = {}
    unreadable = 0
    for row in rows:
        values = {}
        for column, value in zip(COLUMNS, row[1:]):
            if value and crypto.is_encrypted(value):
                try:
                    values[column] = ring.decrypt(f"{TABLE}.{column}", value)
                except crypto.FieldKeyError:
                    unreadable += 1
        if values:
            plain[row[0]] = values
    if unreadable:
        raise RuntimeError(
            f"Downgrading 0006 decrypts narrator data, but {unreadable} values cannot be "
            f"decrypted with the keys available ({ring.error or 'missing or other key'}). "
            "Put the archive's key back (see the README) and run the downgrade again. "
            "Nothing was changed."
        )
    for row_id, values in plain.items():
        _write(bind, row_id, values)

    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(column, existing_type=sa.Text(),
                                  type_=sa.String(length=200), existing_nullable=False)
