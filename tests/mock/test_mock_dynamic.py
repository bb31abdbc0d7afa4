"""`--dynamic`: bodies generated from schemas (still valid), and the generator itself."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from generators.ir import ApiIR
from generators.mock.datagen import DataGenerator
from generators.mock.regexgen import generate as from_regex
from tests.mock.mock_support import AUTH, assert_valid, example_path, example_request, load_ir

IR = load_ir()
JSON_SUCCESS = [op.operation_id for op in IR.operations if not op.success.is_binary]


@pytest.fixture(scope="module")
def dynamic(dynamic_origin: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://{dynamic_origin}", timeout=10) as c:
        yield c


@pytest.mark.parametrize("operation_id", JSON_SUCCESS)
def test_dynamic_bodies_validate_and_are_not_the_example(
    ir: ApiIR, dynamic: httpx.Client, operation_id: str
) -> None:
    op = ir.operation(operation_id)
    resp = dynamic.request(op.method, example_path(ir, op), **example_request(ir, op))
    assert resp.status_code == op.success.status
    assert op.success.json_schema is not None
    assert_valid(ir, op.success.json_schema, resp.json())
    assert resp.json() != op.success.examples["default"]


def test_dynamic_mode_keeps_error_examples_and_named_examples(
    ir: ApiIR, dynamic: httpx.Client
) -> None:
    resp = dynamic.get(f"{ir.base_path}/meetings/m1", headers={**AUTH, "Prefer": "code=404"})
    assert resp.json()["code"] == 40401
    resp = dynamic.get(f"{ir.base_path}/health", headers={"Prefer": "example=default"})
    assert resp.json() == ir.operation("get_health").success.examples["default"]
    resp = dynamic.get(f"{ir.base_path}/health", headers={"Prefer": "dynamic=false"})
    assert resp.json() == ir.operation("get_health").success.examples["default"]


def test_prefer_dynamic_on_the_example_server(ir: ApiIR, origin: str) -> None:
    resp = httpx.get(
        f"http://{origin}{ir.base_path}/users/me", headers={**AUTH, "Prefer": "dynamic=true"}
    )
    schema = ir.operation("get_current_user").success.json_schema
    assert schema is not None
    assert_valid(ir, schema, resp.json())
    assert resp.json()["data"]["id"] == "id"


@pytest.mark.parametrize("name", sorted(IR.definitions()))
def test_generator_output_validates_for_every_component_schema(ir: ApiIR, name: str) -> None:
    schema = ir.definitions()[name]
    value = DataGenerator(ir.definitions()).generate(schema, name)
    assert_valid(ir, schema, value)


def test_generator_is_deterministic(ir: ApiIR) -> None:
    schema = ir.schemas["MeetingJoinResponse"].json_schema
    gen = DataGenerator(ir.definitions())
    first, second = gen.generate(schema), gen.generate(schema)
    first["data"].pop("created_at"), second["data"].pop("created_at")
    assert first["data"]["meeting_number"] == second["data"]["meeting_number"]


@pytest.mark.parametrize(
    ("pattern", "low", "high"),
    [
        (r"^\d{9}$", 0, None),
        (r"^[0-9a-f]{64}$", 0, None),
        (r"^(?=.*[A-Za-z])(?=.*[0-9])[ -~]{8,32}$", 8, 32),
        (r"\S", 2, 20),
        (r"^[ -~]+$", 4, 32),
        (r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", 2, 16),
        (r"^(ab|cd)+x?$", 3, None),
        (r"^[^a-z]\w\s.$", 0, None),
    ],
)
def test_regex_generator(pattern: str, low: int, high: int | None) -> None:
    import re

    text = from_regex(pattern, low, high)
    assert text is not None
    assert re.search(pattern, text)
    assert low <= len(text) <= (high or 10**6)


def test_regex_generator_gives_up_cleanly() -> None:
    assert from_regex("(", 0, None) is None
    assert from_regex(r"^a{5}$", 0, 3) is None
