"""Render targets. Each module exposes one `Target`; `TARGETS` lists them in run order."""
