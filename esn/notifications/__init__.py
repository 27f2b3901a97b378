"""Notifications: the bell, per-kind settings, email and the digest."""
