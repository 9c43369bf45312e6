"""The replication engine: SYNC_PROTOCOL.md's push, pull, status and attachments."""
