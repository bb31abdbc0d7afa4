"""WebSocket fuzzing over a real server: at least 2,000 generated frames in stateful
sequences, 0 failures (the checks are in cli/fuzz_ws_machine.py)."""

from __future__ import annotations

from typing import Any

from cli.fuzz_ws import run_ws_fuzz


def test_ws_fuzz_2000_frames_without_a_failure(ws_server: Any) -> None:
    report = run_ws_fuzz(ws_server.api_url, messages=2000, steps=40)
    print(report.render())
    assert report.ok, report.render()
    assert report.messages >= 2000
    kinds = {k.split(":")[0] for k in report.sent}
    assert {"valid", "invalid", "garbage", "oversized"} <= kinds
    assert report.answers["error"] > 0 and report.answers["chat_message"] > 0
