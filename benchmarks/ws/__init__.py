"""WebSocket load benchmark (see run.py and docs/ws.md)."""
