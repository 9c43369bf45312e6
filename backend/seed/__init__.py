"""The demo city."""
