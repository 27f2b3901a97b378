"""Moderation: reports, hiding with a reason, restoring, every step recorded."""
