"""Account security: temporary passwords (forced change) and registration attempts

Revision ID: 0016_account_security
Revises: 0015_field_keys
Create Date: 2026-12-06 20:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_account_security'
down_revision = '0015_field_keys'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_temporary_until', sa.DateTime(), nullable=True))

    op.create_table('registration_attempts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_attempts'))
    )
    with op.batch_alter_table('registration_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_attempts_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_attempts_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_attempts_code_hash'), ['code_hash'], unique=False)


def downgrade():
    with op.batch_alter_table('registration_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_attempts_code_hash'))
        batch_op.drop_index(batch_op.f('ix_registration_attempts_at'))
        batch_op.drop_index(batch_op.f('ix_registration_attempts_address'))

    op.drop_table('registration_attempts')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('password_temporary_until')
