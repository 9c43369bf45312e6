"""gunicorn's settings, read from the working directory whatever the command
line (scripts/run.sh, the README's hosts): the access log redacts query
values, tokens and credentials (backend/accesslog.py; docs/PRIVACY.md)."""

logger_class = "backend.accesslog.RedactingLogger"
