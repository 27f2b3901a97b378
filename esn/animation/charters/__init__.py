"""Charters: the company's and each group's rules of the game, versioned and accepted."""
