"""The demo company, Lumière & Co: people, groups, conversations, proposals, animation."""
