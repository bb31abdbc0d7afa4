"""AI engines: interfaces (`base`), discovery (`registry`) and implementations."""
