"""The work queue: who and what needs an animator's attention."""
