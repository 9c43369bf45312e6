"""`flask --app wsgi rotate-field-key` and `flask --app wsgi rebuild-blind-index`:
long commands that commit after each batch (docs/PRIVACY.md, "Sensitive fields and keys")."""

import click
from flask.cli import with_appcontext

from backend.extensions import db
from backend.sensitive import rotation
from backend.sensitive.keys import FieldKeyError, keyring


@click.command("rotate-field-key")
@click.option("--batch-size", type=click.IntRange(1, 10000), default=500, show_default=True)
@with_appcontext
def rotate_field_key_command(batch_size):
    """Seal every sensitive field again under the current key (the first of LINLI_FIELD_KEYS).

    Commits after each batch: safe to run while Linli serves, to stop and to run again."""
    current = keyring().current
    total = 0
    try:
        for table, columns in rotation.sealed_columns(db.metadata):
            done = 0
            while True:
                changed = rotation.reseal_batch(db.session, table, columns, batch_size)
                db.session.commit()
                done += changed
                if changed < batch_size:
                    break
            click.echo(f"  {table.name}: {done} rows sealed again under {current}")
            total += done
    except FieldKeyError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}. The batches before this one are committed; fix the keys and "
                                   "run the command again.") from None
    click.echo(f"Done: {total} rows sealed again; every sensitive field is under key {current}.")


@click.command("rebuild-blind-index")
@click.option("--batch-size", type=click.IntRange(1, 10000), default=500, show_default=True)
@with_appcontext
def rebuild_blind_index_command(batch_size):
    """Recompute the blind index (the ID-number look-up) under LINLI_INDEX_KEY, after it changed."""
    try:
        for table, index_column, source in rotation.indexed_columns(db.metadata):
            after, read = None, 0
            while True:
                count, after = rotation.reindex_batch(db.session, table, index_column, source, after, batch_size)
                db.session.commit()
                read += count
                if after is None:
                    break
            click.echo(f"  {table.name}.{index_column.name}: {read} rows indexed")
    except FieldKeyError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo("Done: the blind index is under the current LINLI_INDEX_KEY.")
