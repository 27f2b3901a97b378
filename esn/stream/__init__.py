"""Streams: the home page and, later, posts and conversation."""
