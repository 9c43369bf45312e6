"""Function rooms: rooms, bookings and their slots, never overlapping (PostgreSQL: an exclusion
constraint over btree_gist)

Revision ID: 0020_rooms
Revises: 0019_sharing
Create Date: 2026-12-07 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_rooms'
down_revision = '0019_sharing'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rooms',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('community_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('opening_hours', sa.JSON(), nullable=False),
    sa.Column('rules', sa.Text(), nullable=False),
    sa.Column('bookable_by', sa.JSON(), nullable=False),
    sa.Column('needs_approval', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['nodes.id'], name=op.f('fk_rooms_community_id_nodes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rooms'))
    )
    with op.batch_alter_table('rooms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rooms_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_rooms_space_version', ['community_id', 'version'], unique=False)

    op.create_table('bookings',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('room_id', sa.String(length=36), nullable=False),
    sa.Column('community_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=True),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('recurrence', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('decided_by_id', sa.String(length=36), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['nodes.id'], name=op.f('fk_bookings_community_id_nodes')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_bookings_decided_by_id_users')),
    sa.ForeignKeyConstraint(['room_id'], ['rooms.id'], name=op.f('fk_bookings_room_id_rooms')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_bookings_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    sa.UniqueConstraint('reference', name=op.f('uq_bookings_reference'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_room_starts', ['room_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_bookings_space_version', ['community_id', 'version'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_user_id'), ['user_id'], unique=False)

    op.create_table('booking_slots',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('booking_id', sa.String(length=36), nullable=False),
    sa.Column('room_id', sa.String(length=36), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_slots_booking_id_bookings')),
    sa.ForeignKeyConstraint(['room_id'], ['rooms.id'], name=op.f('fk_booking_slots_room_id_rooms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_slots'))
    )
    with op.batch_alter_table('booking_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_slots_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index('ix_booking_slots_room_starts', ['room_id', 'starts_at'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        # Never double booked: two active slots of one room never overlap ('[)': adjacent ones do not).
        op.execute('CREATE EXTENSION IF NOT EXISTS btree_gist')
        op.execute("ALTER TABLE booking_slots ADD CONSTRAINT ex_booking_slots_no_overlap "
                   "EXCLUDE USING gist (room_id WITH =, tsrange(starts_at, ends_at, '[)') WITH &&) WHERE (active)")


def downgrade():
    with op.batch_alter_table('booking_slots', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_slots_room_starts')
        batch_op.drop_index(batch_op.f('ix_booking_slots_booking_id'))

    op.drop_table('booking_slots')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookings_user_id'))
        batch_op.drop_index('ix_bookings_space_version')
        batch_op.drop_index('ix_bookings_room_starts')

    op.drop_table('bookings')
    with op.batch_alter_table('rooms', schema=None) as batch_op:
        batch_op.drop_index('ix_rooms_space_version')
        batch_op.drop_index(batch_op.f('ix_rooms_community_id'))

    op.drop_table('rooms')
