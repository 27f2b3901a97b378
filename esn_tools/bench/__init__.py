"""`esn bench`: the real server under load, measured (see docs/performance.md)."""
