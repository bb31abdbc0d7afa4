"""Golden outputs of every target, rendered from the repository's contracts.

Regenerate with `python -m tests.goldens.regen` (or `make goldens`) and review the diff.
"""
