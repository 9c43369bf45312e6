"""The sharing community: categories, posts, answers and exchanges, reports, banned words

Revision ID: 0019_sharing
Revises: 0017_partition_kinds
Create Date: 2026-12-06 23:31:30.396554

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_sharing'
down_revision = '0018_points'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('share_categories',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('community_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['nodes.id'], name=op.f('fk_share_categories_community_id_nodes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_categories'))
    )
    with op.batch_alter_table('share_categories', schema=None) as batch_op:
        batch_op.create_index('ix_share_categories_space_version', ['community_id', 'version'], unique=False)

    op.create_table('share_banned_words',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('word', sa.String(length=40), nullable=False),
    sa.Column('created_by_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_share_banned_words_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_banned_words')),
    sa.UniqueConstraint('word', name=op.f('uq_share_banned_words_word'))
    )
    op.create_table('share_posts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('community_id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('author_id', sa.String(length=36), nullable=True),
    sa.Column('author_name', sa.String(length=50), nullable=False),
    sa.Column('on_behalf', sa.Boolean(), nullable=False),
    sa.Column('resident_id', sa.String(length=36), nullable=True),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('consent_given_by', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('category', sa.String(length=36), nullable=True),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('availability', sa.String(length=120), nullable=False),
    sa.Column('reach', sa.String(length=12), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('taken', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('hidden_reason', sa.Text(), nullable=True),
    sa.Column('hidden_by_id', sa.String(length=36), nullable=True),
    sa.Column('hidden_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.Column('field_meta', sa.JSON(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_share_posts_author_id_users')),
    sa.ForeignKeyConstraint(['category'], ['share_categories.id'], name=op.f('fk_share_posts_category_share_categories')),
    sa.ForeignKeyConstraint(['community_id'], ['nodes.id'], name=op.f('fk_share_posts_community_id_nodes')),
    sa.ForeignKeyConstraint(['grid_id'], ['nodes.id'], name=op.f('fk_share_posts_grid_id_nodes')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_share_posts_hidden_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_share_posts_household_id_households')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_share_posts_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_posts'))
    )
    with op.batch_alter_table('share_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_posts_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_share_posts_community_status', ['community_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_posts_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_posts_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_share_posts_space_version', ['community_id', 'version'], unique=False)

    op.create_table('share_reports',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('post_id', sa.String(length=36), nullable=False),
    sa.Column('community_id', sa.String(length=36), nullable=False),
    sa.Column('reporter_id', sa.String(length=36), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['nodes.id'], name=op.f('fk_share_reports_community_id_nodes')),
    sa.ForeignKeyConstraint(['post_id'], ['share_posts.id'], name=op.f('fk_share_reports_post_id_share_posts')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_share_reports_reporter_id_users')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_share_reports_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_reports'))
    )
    with op.batch_alter_table('share_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_reports_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_reports_post_id'), ['post_id'], unique=False)

    op.create_table('share_responses',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('post_id', sa.String(length=36), nullable=False),
    sa.Column('community_id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('responder_id', sa.String(length=36), nullable=True),
    sa.Column('responder_name', sa.String(length=50), nullable=False),
    sa.Column('on_behalf', sa.Boolean(), nullable=False),
    sa.Column('resident_id', sa.String(length=36), nullable=True),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('promise_key', sa.String(length=36), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.Column('returned_at', sa.DateTime(), nullable=True),
    sa.Column('confirmed_by_author', sa.Boolean(), nullable=False),
    sa.Column('confirmed_by_responder', sa.Boolean(), nullable=False),
    sa.Column('author_score', sa.Integer(), nullable=True),
    sa.Column('author_comment', sa.String(length=60), nullable=False),
    sa.Column('responder_score', sa.Integer(), nullable=True),
    sa.Column('responder_comment', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_share_responses_author_id_users')),
    sa.ForeignKeyConstraint(['community_id'], ['nodes.id'], name=op.f('fk_share_responses_community_id_nodes')),
    sa.ForeignKeyConstraint(['grid_id'], ['nodes.id'], name=op.f('fk_share_responses_grid_id_nodes')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_share_responses_household_id_households')),
    sa.ForeignKeyConstraint(['post_id'], ['share_posts.id'], name=op.f('fk_share_responses_post_id_share_posts')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_share_responses_resident_id_residents')),
    sa.ForeignKeyConstraint(['responder_id'], ['users.id'], name=op.f('fk_share_responses_responder_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_responses')),
    sa.UniqueConstraint('promise_key', name=op.f('uq_share_responses_promise_key'))
    )
    with op.batch_alter_table('share_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_responses_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_responses_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_responses_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_responses_post_id'), ['post_id'], unique=False)
        batch_op.create_index('ix_share_responses_post_status', ['post_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_responses_responder_id'), ['responder_id'], unique=False)
        batch_op.create_index('ix_share_responses_space_version', ['community_id', 'version'], unique=False)



def downgrade():
    with op.batch_alter_table('share_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_share_responses_space_version')
        batch_op.drop_index(batch_op.f('ix_share_responses_responder_id'))
        batch_op.drop_index('ix_share_responses_post_status')
        batch_op.drop_index(batch_op.f('ix_share_responses_post_id'))
        batch_op.drop_index(batch_op.f('ix_share_responses_household_id'))
        batch_op.drop_index(batch_op.f('ix_share_responses_grid_id'))
        batch_op.drop_index(batch_op.f('ix_share_responses_author_id'))

    op.drop_table('share_responses')
    with op.batch_alter_table('share_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_reports_post_id'))
        batch_op.drop_index(batch_op.f('ix_share_reports_community_id'))

    op.drop_table('share_reports')
    with op.batch_alter_table('share_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_share_posts_space_version')
        batch_op.drop_index(batch_op.f('ix_share_posts_household_id'))
        batch_op.drop_index(batch_op.f('ix_share_posts_grid_id'))
        batch_op.drop_index('ix_share_posts_community_status')
        batch_op.drop_index(batch_op.f('ix_share_posts_author_id'))

    op.drop_table('share_posts')
    op.drop_table('share_banned_words')
    with op.batch_alter_table('share_categories', schema=None) as batch_op:
        batch_op.drop_index('ix_share_categories_space_version')

    op.drop_table('share_categories')
