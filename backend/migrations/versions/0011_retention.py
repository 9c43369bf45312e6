"""Reveal alerts: an account that revealed unusually many records in a day

Revision ID: 0011_retention
Revises: 0010_dispatch_catalogue
Create Date: 2026-12-06 20:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_retention'
down_revision = '0010_dispatch_catalogue'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reveal_alerts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reveal_alerts_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reveal_alerts')),
    sa.UniqueConstraint('user_id', 'day', name=op.f('uq_reveal_alerts_user_id'))
    )
    with op.batch_alter_table('reveal_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reveal_alerts_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_reveal_alerts_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reveal_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reveal_alerts_user_id'))
        batch_op.drop_index(batch_op.f('ix_reveal_alerts_day'))
    op.drop_table('reveal_alerts')
