"""Accounts, roles and scopes, sign-in, device tokens, and the one authorization policy."""
