"""Passwords, tokens, rate limits."""
