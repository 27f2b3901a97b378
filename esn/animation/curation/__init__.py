"""Curation: featured and pinned posts, featured groups, editing, archiving, merging."""
