"""The dispatch catalogue (派单目录): a community's department for each category

Revision ID: 0010_dispatch_catalogue
Revises: 0009_working_calendar
Create Date: 2026-11-28 00:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_dispatch_catalogue'
down_revision = '0009_working_calendar'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('request_dispatch_catalogue',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('community_id', sa.String(length=36), nullable=False),
    sa.Column('category_code', sa.String(length=32), nullable=False),
    sa.Column('department_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['category_code'], ['request_categories.code'],
                            name=op.f('fk_request_dispatch_catalogue_category_code_request_categories')),
    sa.ForeignKeyConstraint(['community_id'], ['nodes.id'],
                            name=op.f('fk_request_dispatch_catalogue_community_id_nodes')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                            name=op.f('fk_request_dispatch_catalogue_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_dispatch_catalogue')),
    sa.UniqueConstraint('community_id', 'category_code',
                        name=op.f('uq_request_dispatch_catalogue_community_id'))
    )


def downgrade():
    op.drop_table('request_dispatch_catalogue')
