"""What gunicorn serves: `gunicorn wsgi:app`."""

import gc

from backend import create_app
from backend.sqlite import start_checkpointer

app = create_app()
# On SQLite, the WAL is copied into the database between requests, by a thread.
checkpointer = start_checkpointer(app)

# Everything loaded so far (Flask, SQLAlchemy's metadata and compiled caches,
# the translations) lives as long as the worker: move it out of the garbage
# collector's reach. A full collection then walks only what requests made,
# instead of stalling a request for 100 ms and more every few pushes
# (bench/sync_bench.py showed it).
gc.collect()
gc.freeze()
