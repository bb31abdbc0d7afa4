"""REST benchmarks: the meeting API (Connexion) against a bare Starlette baseline."""
