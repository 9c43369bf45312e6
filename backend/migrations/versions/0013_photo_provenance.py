"""Photo provenance: who uploaded each photo, and references named before the upload

Revision ID: 0013_photo_provenance
Revises: 0012_device_wipe
Create Date: 2026-12-06 20:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_photo_provenance'
down_revision = '0012_device_wipe'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attachment_uploads',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['attachments.sha256'], name=op.f('fk_attachment_uploads_sha256_attachments')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attachment_uploads_user_id_users')),
    sa.PrimaryKeyConstraint('sha256', 'user_id', name=op.f('pk_attachment_uploads'))
    )
    # The uploaders known so far: each stored photo's first uploader.
    op.execute("INSERT INTO attachment_uploads (sha256, user_id, uploaded_at) "
               "SELECT sha256, uploaded_by_id, created_at FROM attachments WHERE uploaded_by_id IS NOT NULL")
    with op.batch_alter_table('attachment_refs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_by_id', sa.String(length=36), nullable=True))


def downgrade():
    with op.batch_alter_table('attachment_refs', schema=None) as batch_op:
        batch_op.drop_column('pending_by_id')
    op.drop_table('attachment_uploads')
