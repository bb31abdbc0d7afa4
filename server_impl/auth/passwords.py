"""bcrypt password hashing that never blocks the event loop.

- bcrypt reads at most 72 bytes (bcrypt 5 refuses longer input), so every password is first
  reduced to a fixed 44-byte string: base64(SHA-256(utf-8 bytes)). Two passwords that share
  their first 72 bytes therefore still hash differently.
- Hashing runs in a small dedicated thread pool whose threads lower their own scheduling
  priority, so a burst of logins cannot starve the event loop (health p99 stays flat).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import bcrypt

#: bcrypt's cost parameter must be at least this (the issue requires >= 12 in production)
MIN_PRODUCTION_ROUNDS = 12
_NICE_INCREMENT = 10


def _prehash(password: str) -> bytes:
    """Fixed-length, NUL-free bcrypt input for any password."""
    digest = hashlib.sha256(password.encode("utf-8", "surrogatepass")).digest()
    return base64.b64encode(digest)


def _lower_priority() -> None:
    """Thread initializer: make hashing threads yield to the event loop thread (Linux)."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _NICE_INCREMENT)


class PasswordHasher:
    """Hash and verify passwords off the event loop."""

    def __init__(self, rounds: int = MIN_PRODUCTION_ROUNDS, threads: int = 2) -> None:
        if not 4 <= rounds <= 31:
            raise ValueError("bcrypt rounds must be within 4..31")
        self.rounds = rounds
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, threads), thread_name_prefix="bcrypt", initializer=_lower_priority
        )
        # Verifying against this when an account does not exist costs the same as a real check.
        self._dummy_hash = bcrypt.hashpw(_prehash("dummy-password-0"), bcrypt.gensalt(rounds))

    def hash_sync(self, password: str) -> str:
        """bcrypt hash of `password` (blocking)."""
        return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(self.rounds)).decode("ascii")

    def verify_sync(self, password: str, hashed: str | None) -> bool:
        """Whether `password` matches `hashed` (blocking); None burns the same time, then False."""
        if hashed is None:
            bcrypt.checkpw(_prehash(password), self._dummy_hash)
            return False
        try:
            return bcrypt.checkpw(_prehash(password), hashed.encode("ascii"))
        except ValueError:  # a corrupt stored hash
            return False

    async def hash(self, password: str) -> str:
        """bcrypt hash of `password`, computed in the hashing pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.hash_sync, password)

    async def verify(self, password: str, hashed: str | None) -> bool:
        """Check `password` against `hashed` in the hashing pool (constant work if None)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.verify_sync, password, hashed)

    def close(self) -> None:
        """Stop the hashing threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)
