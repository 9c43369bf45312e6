"""Consent records (who agreed, when, on what basis) and the built-in category of a
resident's request to correct their records

Revision ID: 0014_consent
Revises: 0013_photo_provenance
Create Date: 2026-12-06 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_consent'
down_revision = '0013_photo_provenance'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consents',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('resident_id', sa.String(length=36), nullable=True),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('tag_code', sa.String(length=32), nullable=True),
    sa.Column('request_id', sa.String(length=36), nullable=True),
    sa.Column('basis', sa.String(length=16), nullable=False),
    sa.Column('given_by', sa.String(length=50), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.String(length=36), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by_id', sa.String(length=36), nullable=True),
    sa.Column('withdraw_reason', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_consents_household_id_households')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_consents_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_consents_resident_id_residents')),
    sa.ForeignKeyConstraint(['tag_code'], ['care_tags.code'], name=op.f('fk_consents_tag_code_care_tags')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_consents_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consents_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consents_resident_id'), ['resident_id'], unique=False)

    categories = sa.table(
        "request_categories", sa.column("code", sa.String), sa.column("name", sa.String),
        sa.column("description", sa.Text), sa.column("accept_hours", sa.Integer),
        sa.column("resolve_days", sa.Integer), sa.column("active", sa.Boolean), sa.column("sort_order", sa.Integer))
    # A resident asking to correct what Linli holds about their household (PIPL Art. 46).
    op.bulk_insert(categories, [
        {"code": "correction", "name": "Correcting my records", "description": "", "accept_hours": 2,
         "resolve_days": 15, "active": True, "sort_order": 80},
    ])


def downgrade():
    op.execute("DELETE FROM request_categories WHERE code = 'correction' AND code NOT IN "
               "(SELECT category FROM requests)")
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_resident_id'))
        batch_op.drop_index(batch_op.f('ix_consents_request_id'))
        batch_op.drop_index(batch_op.f('ix_consents_household_id'))

    op.drop_table('consents')
