"""Small shared pieces every layer may use: the clock, errors, translations, text rules, events.

Nothing here knows a domain, HTTP or the database schema.
"""
