"""Open311 GeoReport v2: API keys and what Open311 clients filed

Revision ID: 0006_open311
Revises: 0005_requests
Create Date: 2026-11-27 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_open311'
down_revision = '0005_requests'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('open311_keys',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.String(length=36), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_open311_keys_created_by_id_users')),
    sa.ForeignKeyConstraint(['node_id'], ['nodes.id'], name=op.f('fk_open311_keys_node_id_nodes')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_open311_keys_revoked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_open311_keys_key_hash'))
    )
    with op.batch_alter_table('open311_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_keys_node_id'), ['node_id'], unique=False)

    op.create_table('open311_submissions',
    sa.Column('token', sa.String(length=36), nullable=False),
    sa.Column('key_id', sa.String(length=36), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=100), nullable=True),
    sa.Column('address_id', sa.String(length=100), nullable=True),
    sa.Column('media_url', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['key_id'], ['open311_keys.id'], name=op.f('fk_open311_submissions_key_id_open311_keys')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_open311_submissions_request_id_requests')),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_open311_submissions')),
    sa.UniqueConstraint('request_id', name=op.f('uq_open311_submissions_request_id'))
    )
    with op.batch_alter_table('open311_submissions', schema=None) as batch_op:
        batch_op.create_index('ix_open311_submissions_key_created', ['key_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('open311_submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_open311_submissions_key_created')

    op.drop_table('open311_submissions')
    with op.batch_alter_table('open311_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open311_keys_node_id'))

    op.drop_table('open311_keys')
