"""Lost devices: staff mark one lost, the app erases its data on its next contact

Revision ID: 0012_device_wipe
Revises: 0011_retention
Create Date: 2026-12-06 20:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_device_wipe'
down_revision = '0011_retention'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lost_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('lost_by_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('wiped_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_devices_lost_by_id_users'), 'users', ['lost_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_devices_lost_by_id_users'), type_='foreignkey')
        batch_op.drop_column('wiped_at')
        batch_op.drop_column('lost_by_id')
        batch_op.drop_column('lost_at')
