"""Partition kinds public, street and user: tombstones name the user whose partition a record left

Revision ID: 0017_partition_kinds
Revises: 0016_account_security
Create Date: 2026-12-06 23:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_partition_kinds'
down_revision = '0016_account_security'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_tombstones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.String(length=36), nullable=True))
        batch_op.create_index('ix_sync_tombstones_space_user_version', ['space_id', 'user_id', 'version'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('sync_tombstones', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_tombstones_space_user_version')
        batch_op.drop_column('user_id')
