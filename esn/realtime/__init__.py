"""Live updates: the pub/sub hub between processes and the websocket endpoint."""
