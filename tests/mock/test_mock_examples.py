"""The start-up example check, and the contract's examples as the mock serves them."""

from __future__ import annotations

import copy

import pytest

from generators.ir import ApiIR
from generators.mock import MockOptions, create_mock_app
from generators.mock.examples_check import check_examples


def test_every_contract_example_validates(ir: ApiIR) -> None:
    diags = check_examples(ir)
    assert not list(diags), [d.message for d in diags]


def test_a_broken_example_is_reported(ir: ApiIR) -> None:
    broken = copy.deepcopy(ir)
    success = broken.operation("get_meeting_detail").success
    success.examples["default"]["data"]["status"] = "paused"
    message = next(m for m in broken.messages if m.type == "pong")
    message.examples[0]["data"]["server_time"] = "soon"
    found = {(d.code, d.pointer.split("/")[-1]) for d in check_examples(broken)}
    assert ("MOCK001", "200") in found
    assert ("MOCK001", "0") in found


def test_the_mock_refuses_an_error_table_without_its_codes(ir: ApiIR) -> None:
    broken = copy.deepcopy(ir)
    broken.error_codes = [e for e in broken.error_codes if e.code != 40404]
    with pytest.raises(ValueError, match="40404"):
        create_mock_app(broken, MockOptions())
