"""Reply templates of requests, kept per community

Revision ID: 0007_reply_templates
Revises: 0006_open311
Create Date: 2026-11-27 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_reply_templates'
down_revision = '0006_open311'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('request_reply_templates',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('community_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=60), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['nodes.id'], name=op.f('fk_request_reply_templates_community_id_nodes')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_request_reply_templates_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_reply_templates'))
    )
    with op.batch_alter_table('request_reply_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_reply_templates_community_id'), ['community_id'], unique=False)


def downgrade():
    with op.batch_alter_table('request_reply_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_reply_templates_community_id'))

    op.drop_table('request_reply_templates')
