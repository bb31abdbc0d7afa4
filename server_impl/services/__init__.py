"""The `Services` container: everything a transport (REST handlers, WebSocket) needs.

Built once per app by `build_services(settings)`; its fields are documented in docs/rest.md
(the WebSocket engineer relies on them).
"""

from __future__ import annotations

from dataclasses import dataclass

from server_impl.auth.passwords import PasswordHasher
from server_impl.auth.secret import load_or_create_secret
from server_impl.auth.tokens import TokenService
from server_impl.db.engine import Database, create_engine
from server_impl.events import MeetingEvents, NoopEvents
from server_impl.services.accounts import AccountService
from server_impl.services.ai import AIRuntime
from server_impl.services.files import FileService
from server_impl.services.meetings import MeetingService
from server_impl.settings import Settings


@dataclass
class Services:
    """The service objects of one running app."""

    settings: Settings
    db: Database  # .engine, .read(), .write()
    tokens: TokenService  # .authenticate(token) -> Principal (40102 / 40103)
    passwords: PasswordHasher
    accounts: AccountService
    meetings: MeetingService  # REST logic + WebSocket helpers
    files: FileService
    events: MeetingEvents  # who hears about REST joins/leaves/ends (no-op by default)
    ai: AIRuntime  # .service: AIService; workers start lazily or in the background (docs/ai.md)

    def set_events(self, events: MeetingEvents) -> None:
        """Plug in the listener of REST-side meeting events (the WebSocket hub)."""
        self.events = events
        self.meetings.events = events

    async def close(self) -> None:
        """Stop the AI workers, release the database pool and hashing threads."""
        await self.ai.close()
        self.passwords.close()
        await self.db.dispose()


def build_services(settings: Settings, events: MeetingEvents | None = None) -> Services:
    """Wire every service for `settings` (no I/O besides reading/creating the JWT secret)."""
    db = Database(create_engine(settings))
    passwords = PasswordHasher(settings.bcrypt_rounds, settings.hash_threads)
    tokens = TokenService(settings, db, load_or_create_secret(settings))
    listener: MeetingEvents = events or NoopEvents()
    meetings = MeetingService(settings, db, passwords, listener)
    return Services(
        settings=settings,
        db=db,
        tokens=tokens,
        passwords=passwords,
        accounts=AccountService(settings, db, passwords, tokens),
        meetings=meetings,
        files=FileService(settings, db, meetings),
        events=listener,
        ai=AIRuntime.from_settings(settings),
    )
