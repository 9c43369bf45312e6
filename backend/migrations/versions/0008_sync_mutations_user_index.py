"""Drop the index of sync_mutations.user_id: nothing reads by it

Every push writes one exactly-once record per mutation; a replay finds its
record by mutation id (the primary key) and compares the user on the row.
Nothing looks records up by user (accounts are retired, never deleted), so
the index was written 500 times a push and never read.

Revision ID: 0008_sync_mutations_user_index
Revises: 0007_reply_templates
Create Date: 2026-11-27 22:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008_sync_mutations_user_index'
down_revision = '0007_reply_templates'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_mutations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_mutations_user_id'))


def downgrade():
    with op.batch_alter_table('sync_mutations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_mutations_user_id'), ['user_id'], unique=False)
