"""The bad-input census: every CLI command against bad arguments, hostile files, servers,
WebSocket peers and boards (``python -m tests.census`` prints the table)."""
