"""The server's side of `esn bench`: SQL counting and the /_bench endpoints, mounted only
when ESN_BENCH=1 (the harness itself lives in esn_tools.bench)."""
