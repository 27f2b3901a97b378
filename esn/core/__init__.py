"""Small shared pieces every layer may use: clock, errors, translations, text, events, links.

Nothing here knows a domain, HTTP or the database schema.
"""
