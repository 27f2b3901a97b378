"""Spotlights: a member's portrait, shown to everyone once they accept it."""
