"""The stateful WebSocket fuzzer: a Hypothesis state machine over two real sockets.

User A sends generated frames (valid, mutated to break one constraint, raw garbage, oversized)
in random sequences (connect -> join -> chat/mute/relay/resume -> leave -> reconnect); user B
sits in the same room and watches. After every frame both sockets are synced with a ping, so
each frame's effects are known exactly. Checks:
- no close (in particular no 1011), and every server frame conforms to the contract;
- every invalid input gets exactly one `error` with the contract's code and `request_seq`
  (the frame's `seq` when it is readable, else null), and has no other effect;
- valid input is never refused as malformed, and has its documented effect: pong, snapshot,
  broadcasts seen by B, relays delivered only to their target with the true sender, 40303
  outside the room, 40402 for unknown rooms, 40401 for absent targets.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from cli.fuzz_ws_session import Closed, FuzzFailure, Json, Session

MAX_SEQ = 2**53 - 1
REJECTIONS = {40003, 40004, 40005, 40010, 41302}
RATE_LIMITED = 42901
RELAYS = {"webrtc_offer", "webrtc_answer", "ice_candidate"}
ROOM_EVENTS = {"user_joined", "user_left", "media_state_changed", "chat_message", "meeting_ended"}
IN_ROOM_ONLY = {"leave_room", "media_control", "chat_message", *RELAYS}
NOBODY = "user_" + "0" * 24
UNKNOWN_ROOM = "meeting_" + "0" * 24


@dataclass
class FuzzContext:
    """Everything a machine needs: where to connect, who is who, what to generate with."""

    ws_url: str
    validators: dict[str, Any]
    strategies: ModuleType
    room_id: str
    tokens: tuple[str, str]  # user A (the fuzzer), user B (the watcher)
    max_message_bytes: int = 64 * 1024
    #: seconds to pause after a 42901, so a server's rate limit never escalates to 4029
    rate_backoff: float = 2.0
    sent: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)
    #: the first failure seen, with the steps of its sequence (kept even if Hypothesis then
    #: cannot replay the sequence identically against a live server)
    first_failure: str | None = None
    trace: list[str] = field(default_factory=list)


def readable_seq(frame: Any) -> int | None:
    """The `request_seq` the server can echo for `frame`: its `seq` if it is a valid Seq."""
    seq = frame.get("seq") if isinstance(frame, dict) else None
    return seq if type(seq) is int and 0 <= seq <= MAX_SEQ else None


def fail(reason: str, frame: Any, got: list[Json]) -> FuzzFailure:
    sent = frame if isinstance(frame, (str, bytes)) else json.dumps(frame, ensure_ascii=False)
    return FuzzFailure(f"{reason}\n  sent: {sent!r:.300}\n  got:  {json.dumps(got)[:600]}")


def build_machine(ctx: FuzzContext) -> type[RuleBasedStateMachine]:
    """A state machine class bound to one server, room and pair of users."""
    s = ctx.strategies
    rooms = st.sampled_from([ctx.room_id, ctx.room_id, ctx.room_id, UNKNOWN_ROOM])

    def failure(reason: str, frame: Any, got: list[Json]) -> FuzzFailure:
        exc = fail(reason, frame, got)
        if ctx.first_failure is None:
            steps = "\n".join(f"    {i + 1}. {step}" for i, step in enumerate(ctx.trace))
            ctx.first_failure = f"{exc}\n  sequence:\n{steps}"
        return exc

    class WsMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            ctx.trace.clear()
            self.b = Session(ctx.ws_url, ctx.tokens[1], ctx.validators, "B")
            self.a = Session(ctx.ws_url, ctx.tokens[0], ctx.validators, "A")
            self.b.send(json.dumps(_frame("join_room", 1, {"room_id": ctx.room_id})))
            self.b.sync()
            self.joined = False  # is A's current socket in the room?
            self.resumable = False  # did A's previous socket drop out of the room?
            self.room_seq = 0  # the last room_seq A has seen
            targets = [self.b.user_id, self.b.user_id, self.a.user_id, NOBODY]
            self.targets = st.sampled_from(targets)

        # ------------------------------------------------------------------ rules
        @rule(data=st.data())
        def valid_frame(self, data: st.DataObject) -> None:
            frame = data.draw(s.client_message(room_id=rooms, target_user_id=self.targets))
            self._valid(frame)

        @precondition(lambda self: not self.joined)
        @rule()
        def join(self) -> None:
            self._valid(_frame("join_room", 1, {"room_id": ctx.room_id}))

        @precondition(lambda self: self.joined)
        @rule(text=st.text(min_size=1, max_size=50).filter(lambda t: "\x00" not in t))
        def chat(self, text: str) -> None:
            self._valid(_frame("chat_message", 2, {"room_id": ctx.room_id, "content": text}))

        @precondition(lambda self: self.joined)
        @rule(action=st.sampled_from(["mute_audio", "mute_video"]), value=st.booleans())
        def mute(self, action: str, value: bool) -> None:
            data = {"room_id": ctx.room_id, "action": action, "value": value}
            self._valid(_frame("media_control", 4, data))

        @precondition(lambda self: self.joined)
        @rule(data=st.data())
        def relay(self, data: st.DataObject) -> None:
            kind = data.draw(st.sampled_from(sorted(RELAYS)))
            make = {"webrtc_offer": s.client_webrtc_offer, "webrtc_answer": s.client_webrtc_answer}
            strategy = make.get(kind, s.client_ice_candidate)
            self._valid(data.draw(strategy(room_id=ctx.room_id, target_user_id=self.b.user_id)))

        @precondition(lambda self: self.joined)
        @rule()
        def leave(self) -> None:
            self._valid(_frame("leave_room", 3, {"room_id": ctx.room_id}))

        @rule(data=st.data())
        def invalid_frame(self, data: st.DataObject) -> None:
            mutation = data.draw(
                s.mutated_client_message(room_id=rooms, target_user_id=self.targets)
            )
            ctx.sent[f"invalid:{mutation.kind}"] += 1
            self._rejected(s.encode(mutation.frame), mutation.frame, REJECTIONS)

        @rule(raw=s.garbage_frame())
        def garbage(self, raw: str | bytes) -> None:
            ctx.sent["garbage"] += 1
            self._rejected(raw, raw, {40005})

        @rule(extra=st.integers(min_value=1, max_value=4096), seq=st.integers(0, MAX_SEQ))
        def oversized(self, extra: int, seq: int) -> None:
            ctx.sent["oversized"] += 1
            head = json.dumps(_frame("chat_message", seq, {"room_id": ctx.room_id, "content": ""}))
            pad = ctx.max_message_bytes - len(head.encode()) + extra
            raw = head.replace('"content": ""', '"content": "' + "x" * pad + '"')
            self._rejected(raw, {"seq": seq}, {41302})

        @rule()
        def reconnect(self) -> None:
            ctx.sent["reconnect"] += 1
            ctx.trace.append("reconnect A")
            self.a.close()
            self.a = Session(ctx.ws_url, ctx.tokens[0], ctx.validators, "A")
            self.resumable, self.joined = self.joined, False

        @precondition(lambda self: self.resumable and not self.joined)
        @rule()
        def resume(self) -> None:
            data = {"room_id": ctx.room_id, "last_room_seq": self.room_seq}
            self._valid(_frame("resume", 5, data))

        def teardown(self) -> None:
            for session in (self.a, self.b):
                session.close()

        # ------------------------------------------------------------------ checks
        def _exchange(self, payload: str | bytes) -> tuple[list[Json], list[Json]]:
            ctx.trace.append(repr(payload[:160]) + ("…" if len(payload) > 160 else ""))
            self.a.send(payload)
            got_a = self.a.sync()
            got_b = self.b.sync()
            if any(
                f["type"] == "error" and f["data"]["code"] == RATE_LIMITED for f in got_a + got_b
            ):
                ctx.answers["(rate-limit backoff)"] += 1
                time.sleep(ctx.rate_backoff)
            for frame in got_a:
                ctx.answers[frame["type"]] += 1
                data = frame["data"]
                tracked = frame["type"] in ROOM_EVENTS or frame["type"] == "room_snapshot"
                if tracked and data["room_id"] == ctx.room_id:
                    self.room_seq = max(self.room_seq, data["room_seq"])
            return got_a, got_b

        def _rejected(self, payload: str | bytes, frame: Any, codes: set[int]) -> None:
            size = len(
                payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload
            )
            if size > ctx.max_message_bytes:  # the size cap comes before any parsing
                codes = {41302}
                if isinstance(frame, (str, bytes)):  # garbage: whatever seq it happens to hold
                    frame = _loads_or_none(frame)
            try:
                got_a, got_b = self._exchange(payload)
            except Closed as closed:
                raise failure(
                    f"invalid input closed the socket ({closed.code})", frame, []
                ) from None
            want = readable_seq(frame)
            errors = [f for f in got_a if f["type"] == "error"]
            if len(got_a) != 1 or len(errors) != 1:
                raise failure(
                    "invalid input must get exactly one error, nothing else", frame, got_a
                )
            error = errors[0]["data"]
            if error["code"] == RATE_LIMITED:
                return
            if error["code"] not in codes or error["request_seq"] != want:
                raise failure(f"expected error {sorted(codes)} for seq {want}", frame, got_a)
            if [f for f in got_b if not _from_a_dropped_socket(f)]:
                raise failure("invalid input had an effect on another client", frame, got_b)

        def _valid(self, frame: Json) -> None:
            ctx.sent[f"valid:{frame['type']}"] += 1
            raw = json.dumps(frame, ensure_ascii=False)
            if len(raw.encode()) > ctx.max_message_bytes:  # valid, but over the size cap
                self._rejected(raw, frame, {41302})
                return
            try:
                got_a, got_b = self._exchange(raw)
            except Closed as closed:
                raise failure(f"valid input closed the socket ({closed.code})", frame, []) from None
            seq = frame["seq"]
            errors = [f["data"] for f in got_a if f["type"] == "error"]
            if any(e["code"] == RATE_LIMITED for e in errors):
                return
            if any(e["request_seq"] != seq for e in errors):
                raise failure("an error answers the wrong request_seq", frame, got_a)
            codes = [e["code"] for e in errors]
            if any(c in REJECTIONS - {40004} for c in codes):
                raise failure("a valid frame was refused as invalid", frame, got_a)
            self._effects(frame, codes, got_a, got_b)

        def _effects(
            self, frame: Json, codes: list[int], got_a: list[Json], got_b: list[Json]
        ) -> None:
            kind, data = frame["type"], frame["data"]
            types = [f["type"] for f in got_a]
            real = data.get("room_id") == ctx.room_id

            def expect(ok: bool, what: str) -> None:
                if not ok:
                    raise failure(what, frame, [*got_a, {"B saw": got_b}])

            if kind == "ping":
                pongs = [f for f in got_a if f["type"] == "pong"]
                expect(len(pongs) == 1, "ping must get one pong")
                expect(pongs[0]["data"].get("client_time") == data.get("client_time"), "echo")
            elif kind == "join_room":
                if real:
                    expect("room_snapshot" in types and not codes, "join must give a snapshot")
                    self.joined = True
                else:
                    expect(codes == [40402], "an unknown room is 40402")
            elif kind in IN_ROOM_ONLY and not (real and self.joined):
                caused = [f for f in got_b if not _from_a_dropped_socket(f)]
                expect(codes == [40303] and not caused, "outside the room: 40303 only")
            elif kind == "leave_room":
                expect("user_left" in types and not codes, "leave must confirm with user_left")
                expect(any(f["type"] == "user_left" for f in got_b), "B must see the leave")
                self.joined = False
            elif kind == "media_control":
                expect("media_state_changed" in types, "mute must be broadcast")
                expect(any(f["type"] == "media_state_changed" for f in got_b), "B must see it")
            elif kind == "chat_message":
                if "\x00" in data["content"]:
                    expect(codes == [40004], "NUL content is refused")
                else:
                    mine = [f for f in got_a if f["type"] == "chat_message"]
                    theirs = [f for f in got_b if f["type"] == "chat_message"]
                    expect(len(mine) == 1 and mine[0]["data"]["content"] == data["content"], "echo")
                    expect(len(theirs) == 1 and theirs[0]["data"] == mine[0]["data"], "broadcast")
            elif kind in RELAYS:
                self._relay(frame, codes, got_a, got_b, expect)
            elif kind == "resume":
                expect(bool({"resumed", "resume_failed"} & set(types)), "resume gets an answer")
                if real and self.resumable and data["last_room_seq"] == self.room_seq:
                    self._resumed(frame, got_a, expect)
                if real and ("room_snapshot" in types or "resumed" in types):
                    self.joined = True
                self.resumable = False

        def _resumed(self, frame: Json, got_a: list[Json], expect: Any) -> None:
            """A resume right after a drop: every missed event, in order, nothing twice."""
            types = [f["type"] for f in got_a]
            expect(types[:1] == ["resumed"], "a resume within the window must succeed")
            count = got_a[0]["data"]["replayed"]
            replay = got_a[1 : 1 + count]
            seqs = [f["data"].get("room_seq") for f in replay]
            expect(len(replay) == count, "`replayed` events must follow")
            expect(all(f["type"] in ROOM_EVENTS for f in replay), "only room events are replayed")
            expect(seqs == sorted(set(seqs)), "replayed room_seqs increase, no duplicates")
            last = frame["data"]["last_room_seq"]
            expect(all(seq > last for seq in seqs), "only events after last_room_seq")
            expect(got_a[0]["data"]["room_seq"] == (seqs[-1] if seqs else last), "up to date")

        def _relay(
            self, frame: Json, codes: list[int], got_a: list[Json], got_b: list[Json], expect: Any
        ) -> None:
            data = frame["data"]
            target = data["target_user_id"]
            relayed = [f for f in got_b if f["type"] == frame["type"]]
            if target == self.b.user_id:
                expect(not codes and len(relayed) == 1, "the target must get the relay")
                expect(relayed[0]["data"]["from_user_id"] == self.a.user_id, "true sender")
            elif target == self.a.user_id:
                expect(codes == [40004] and not relayed, "relaying to yourself is 40004")
            else:
                expect(codes == [40401] and not relayed, "an absent target is 40401")

    WsMachine.__name__ = "WsMachine"
    return WsMachine


def _is_rate_limited(frame: Json) -> bool:
    return bool(frame["type"] == "error" and frame["data"]["code"] == RATE_LIMITED)


def _loads_or_none(raw: str | bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _from_a_dropped_socket(frame: Json) -> bool:
    """A grace period ending on its own (a socket A replaced earlier), not caused by input."""
    return bool(frame["type"] == "user_left" and frame["data"]["reason"] == "disconnected")


def _frame(type_: str, seq: int, data: Json) -> Json:
    return {"type": type_, "seq": seq, "timestamp": 1, "data": data}
