"""Accounts: credentials, roles, sessions, login throttling and password reset."""
