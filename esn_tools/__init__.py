"""Tools around esn that the application never imports: the demo company, the
synthetic companies of the benchmark and the benchmark itself.

The `esn` command imports them lazily (`esn seed`, `esn bench`).
"""
