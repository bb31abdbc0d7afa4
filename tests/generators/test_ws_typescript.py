"""The `ts_messages` target: compiles under `tsc --strict`, narrows on the literal tag, and its
runtime validator agrees with the JSON Schema on examples, valid draws and mutations."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generators.ir import Direction
from tests.generators import test_ws_support as support

TSC = support.ROOT / "node_modules" / ".bin" / "tsc"
NODE = shutil.which("node")
S = support.strategies_module()
BATCHES = settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))

pytestmark = pytest.mark.skipif(
    not TSC.exists() or NODE is None, reason="needs node and node_modules/.bin/tsc (npm ci)"
)

# Compile-time checks: narrowing works and the tag is never widened to `string`.
USAGE_TS = """
import {
  ClientMessage, ErrorCode, ServerMessage, ServerMessageOf, ServerMessageType, isChatMessage,
  makeClientMessage, parseServerMessage,
} from "./messages";

export function describe(msg: ServerMessage): string {
  switch (msg.type) {
    case "chat_message":
      return msg.data.sender.nickname + ": " + msg.data.content;
    case "error":
      return msg.data.code === ErrorCode.MEETING_NOT_FOUND ? "gone" : msg.data.message;
    case "user_left":
      return msg.data.reason;
    default:
      return msg.type;
  }
}

export function exhaustive(msg: ServerMessage): number {
  switch (msg.type) {
    case "connected": case "pong": case "room_snapshot": case "user_joined": case "user_left":
    case "media_state_changed": case "chat_message": case "webrtc_offer": case "webrtc_answer":
    case "ice_candidate": case "meeting_ended": case "resumed": case "resume_failed": case "error":
      return msg.seq;
    default: {
      const never: never = msg;
      return never;
    }
  }
}

export function clientChat(msg: ClientMessage): string | null {
  // the client chat message carries content only; the server one has a sender
  return msg.type === "chat_message" ? msg.data.content : null;
}

const raw = '{"type":"pong","seq":1,"timestamp":2,"data":{"server_time":3}}';
const parsed = parseServerMessage(raw);
if (isChatMessage(parsed)) {
  const sender: string = parsed.data.sender.id;
}
const pong: ServerMessageOf<"pong"> | undefined = parsed.type === "pong" ? parsed : undefined;
const join = makeClientMessage("join_room", 1, { room_id: "meeting_1" });
const joinTag: "join_room" = join.type;

// @ts-expect-error: the tag is a literal union, not string
const notATag: ServerMessageType = "no_such_type";
const sender = { id: "u", nickname: "n", avatar: null };
const clientView: ClientMessage = {
  type: "chat_message", seq: 1, timestamp: 1, data: {
    room_id: "r", content: "c",
    // @ts-expect-error: a client chat message has no sender
    sender: sender,
  },
};
// @ts-expect-error: data must match the tag
makeClientMessage("join_room", 1, { room_id: "r", content: "c" });
"""

RUNNER_JS = """
const fs = require("fs");
const m = require("./messages.js");
const cases = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const out = cases.map(([direction, raw]) => {
  try {
    const value = direction === "client" ? m.parseClientMessage(raw) : m.parseServerMessage(raw);
    return { ok: true, value: value };
  } catch (error) {
    if (!(error instanceof m.MessageParseError)) throw error;
    return { ok: false, kind: error.kind, path: error.path, requestSeq: error.requestSeq };
  }
});
process.stdout.write(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def ts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rendered `messages.ts`, its usage checks, and a Node build of both."""
    work = tmp_path_factory.mktemp("ts")
    (work / "messages.ts").write_text(support.render("ts_messages")["messages.ts"], "utf-8")
    (work / "usage.ts").write_text(USAGE_TS, encoding="utf-8")
    (work / "runner.js").write_text(RUNNER_JS, encoding="utf-8")
    build = [str(TSC), "--strict", "--target", "es2020", "--module", "commonjs"]
    tsc(work, *build, "--outDir", str(work), "messages.ts")
    return work


def tsc(cwd: Path, *args: str) -> None:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def run_node(ts_dir: Path, cases: list[tuple[Direction, str]]) -> list[dict[str, Any]]:
    """Each (direction, raw) through the compiled parser."""
    path = ts_dir / "cases.json"
    path.write_text(json.dumps(cases), encoding="utf-8")
    proc = subprocess.run(
        [str(NODE), "runner.js", str(path)], cwd=ts_dir, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    result: list[dict[str, Any]] = json.loads(proc.stdout)
    return result


def test_compiles_strict_on_the_default_target(ts_dir: Path) -> None:
    tsc(ts_dir, str(TSC), "--strict", "--noEmit", "messages.ts")


def test_narrowing_and_literal_tags(ts_dir: Path) -> None:
    tsc(ts_dir, str(TSC), "--strict", "--noEmit", "messages.ts", "usage.ts")


def test_rendering_is_deterministic() -> None:
    assert support.render("ts_messages") == support.render("ts_messages")


def test_examples_round_trip(ts_dir: Path) -> None:
    directions: tuple[Direction, ...] = ("client", "server")
    cases = [(d, ex) for d in directions for _, _, ex in support.examples(d)]
    results = run_node(ts_dir, [(d, json.dumps(ex, ensure_ascii=False)) for d, ex in cases])
    for (_, example), result in zip(cases, results, strict=True):
        assert result == {"ok": True, "value": example}


def test_directions_are_kept_apart(ts_dir: Path) -> None:
    server_chat = next(ex for _, t, ex in support.examples("server") if t == "chat_message")
    client_chat = next(ex for _, t, ex in support.examples("client") if t == "chat_message")
    results = run_node(
        ts_dir,
        [("client", json.dumps(server_chat)), ("server", json.dumps(client_chat))],
    )
    assert [r["kind"] for r in results] == ["invalid", "invalid"]
    assert results[0]["requestSeq"] == server_chat["seq"]


def test_parse_error_kinds(ts_dir: Path) -> None:
    cases: list[tuple[Direction, str]] = [
        ("server", "{"),
        ("server", "[1]"),
        ("server", '{"type": "join_room", "seq": 4}'),
        ("server", '{"seq": 5}'),
        ("server", '{"type": "pong", "seq": 6, "timestamp": 1, "data": {}}'),
    ]
    results = run_node(ts_dir, cases)
    assert [(r["kind"], r["requestSeq"]) for r in results] == [
        ("malformed", None),
        ("malformed", None),
        ("unknown_type", 4),
        ("invalid", 5),
        ("invalid", 6),
    ]
    assert results[4]["path"] == "data.server_time"


@pytest.mark.parametrize("direction", ["client", "server"])
@BATCHES
@given(data=st.data())
def test_valid_draws_are_accepted(ts_dir: Path, direction: Direction, data: st.DataObject) -> None:
    frames = S.client_message() if direction == "client" else S.server_message()
    batch = data.draw(st.lists(frames, min_size=30, max_size=30))
    results = run_node(ts_dir, [(direction, S.encode(f)) for f in batch])
    for frame, result in zip(batch, results, strict=True):
        assert result["ok"], (frame, result)


@pytest.mark.parametrize("direction", ["client", "server"])
@BATCHES
@given(data=st.data())
def test_mutations_are_rejected(ts_dir: Path, direction: Direction, data: st.DataObject) -> None:
    mutated = S.mutated_client_message() if direction == "client" else S.mutated_server_message()
    batch = data.draw(st.lists(mutated, min_size=40, max_size=40))
    results = run_node(ts_dir, [(direction, S.encode(m.frame)) for m in batch])
    for mutation, result in zip(batch, results, strict=True):
        assert not support.validator(direction).is_valid(mutation.frame)
        assert not result["ok"], mutation
