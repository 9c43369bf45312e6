"""Key ids on sensitive fields: accounts' phones and claimed addresses sealed,
every legacy ciphertext sealed again under the current field key, the blind
index rebuilt under its own key

Revision ID: 0015_field_keys
Revises: 0014_consent
Create Date: 2026-12-06 20:40:00

"""
from alembic import op
import sqlalchemy as sa
from flask import has_app_context


# revision identifiers, used by Alembic.
revision = '0015_field_keys'
down_revision = '0014_consent'
branch_labels = None
depends_on = None

users = sa.table('users', sa.column('id', sa.String), sa.column('phone', sa.String),
                 sa.column('claimed_address', sa.String), sa.column('phone_enc', sa.Text),
                 sa.column('claimed_address_enc', sa.Text))
SEALED = (
    (sa.table('households', sa.column('id', sa.String), sa.column('phone_enc', sa.Text)), ('phone_enc',)),
    (sa.table('residents', sa.column('id', sa.String), sa.column('id_number_enc', sa.Text),
              sa.column('phone_enc', sa.Text)), ('id_number_enc', 'phone_enc')),
    (sa.table('requests', sa.column('id', sa.String), sa.column('requester_phone_enc', sa.Text)),
     ('requester_phone_enc',)),
)
residents = sa.table('residents', sa.column('id', sa.String), sa.column('id_number_enc', sa.Text),
                     sa.column('id_number_hash', sa.String))


def upgrade():
    op.add_column('users', sa.Column('claimed_address_enc', sa.Text(), nullable=True))
    op.add_column('users', sa.Column('phone_enc', sa.Text(), nullable=True))
    if not has_app_context():  # offline SQL: the data step needs the keys; run rotate-field-key after
        return
    from backend.sensitive import rotation
    from backend.sensitive.keys import keyring

    bind, ring = op.get_bind(), keyring()
    clear = bind.execute(sa.select(users.c.id, users.c.phone, users.c.claimed_address).where(
        sa.or_(users.c.phone.is_not(None), users.c.claimed_address.is_not(None)))).all()
    for row in clear:
        bind.execute(users.update().where(users.c.id == row.id).values(
            phone_enc=ring.encrypt(row.phone), claimed_address_enc=ring.encrypt(row.claimed_address),
            phone=None, claimed_address=None))
    for table, names in SEALED:
        while rotation.reseal_batch(bind, table, [table.c[name] for name in names], 1000):
            pass
    after = ''
    while after is not None:
        _count, after = rotation.reindex_batch(bind, residents, residents.c.id_number_hash,
                                               residents.c.id_number_enc, after or None, 1000)


def downgrade():
    if has_app_context():
        from backend.sensitive.keys import keyring

        bind, ring = op.get_bind(), keyring()
        sealed = bind.execute(sa.select(users.c.id, users.c.phone_enc, users.c.claimed_address_enc).where(
            sa.or_(users.c.phone_enc.is_not(None), users.c.claimed_address_enc.is_not(None)))).all()
        for row in sealed:  # back in clear, as Linli kept them before
            phone, claimed = ring.decrypt(row.phone_enc), ring.decrypt(row.claimed_address_enc)
            bind.execute(users.update().where(users.c.id == row.id).values(
                phone=phone[:20] if phone else None, claimed_address=claimed[:200] if claimed else None))
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('phone_enc')
        batch_op.drop_column('claimed_address_enc')
