"""Administration: accounts, roles and imports of people."""
