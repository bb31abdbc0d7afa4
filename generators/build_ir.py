"""Stage 2: build the IR from loaded contracts."""

from __future__ import annotations

import keyword
import re
from pathlib import Path
from typing import Any

from generators.diagnostics import pointer
from generators.ir import (
    ApiIR,
    Channel,
    CloseCode,
    Direction,
    ErrorCodeDef,
    Header,
    Link,
    Location,
    Message,
    NamedSchema,
    Operation,
    Parameter,
    RequestBody,
    Response,
    Tag,
)
from generators.jsonschema_util import ref_name, to_json_schema
from generators.loader import Contracts

Json = Any
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def status_code(key: str | int) -> int:
    """A response key as an int: `404` -> 404, `4XX` -> 400, `default` -> 0."""
    text = str(key).upper()
    if text == "DEFAULT":
        return 0
    return int(text.replace("X", "0")) if text[:1].isdigit() else 0


def py_identifier(name: str) -> str:
    """A safe Python identifier for a contract name (`type` -> `type_`)."""
    ident = re.sub(r"\W", "_", name)
    return f"{ident}_" if keyword.iskeyword(ident) or ident in {"type", "id"} else ident


class _Builder:
    def __init__(self, contracts: Contracts, root: Path) -> None:
        self.c = contracts
        self.oas_file = _relative(contracts.openapi_path, root)
        self.aas_file = _relative(contracts.asyncapi_path, root)

    def loc(self, file: str, *tokens: str | int) -> Location:
        return Location(file, pointer(*tokens))

    # ---------------------------------------------------------------- REST
    def schemas(self) -> dict[str, NamedSchema]:
        comps = self.c.openapi.get("components", {}).get("schemas", {})
        return {
            name: NamedSchema(
                name,
                "openapi",
                src,
                to_json_schema(src),
                src.get("description"),
                self.loc(self.oas_file, "components", "schemas", name),
            )
            for name, src in comps.items()
        }

    def error_codes(self) -> list[ErrorCodeDef]:
        table = self.c.openapi["components"]["schemas"].get("ErrorCode", {})
        return [
            ErrorCodeDef(int(r["code"]), int(r["status"]), str(r["name"]), str(r["message"]))
            for r in table.get("x-error-codes", [])
        ]

    def tags(self, operations: list[Operation]) -> list[Tag]:
        tags = [
            Tag(t["name"], t.get("x-module-name", py_identifier(t["name"])), t.get("description"))
            for t in self.c.openapi.get("tags", [])
        ]
        by_name = {t.name: t for t in tags}
        for op in operations:
            by_name[op.tag].operation_ids.append(op.operation_id)
        return tags

    def operations(self) -> list[Operation]:
        ops = []
        global_security = bool(self.c.openapi.get("security"))
        module_of = {
            t["name"]: t.get("x-module-name", py_identifier(t["name"]))
            for t in self.c.openapi.get("tags", [])
        }
        for path, item in self.c.openapi.get("paths", {}).items():
            shared = item.get("parameters", [])
            for method in HTTP_METHODS:
                if method not in item:
                    continue
                op = item[method]
                where = ("paths", path, method)
                tag = (op.get("tags") or ["default"])[0]
                security = op.get("security")
                ops.append(
                    Operation(
                        operation_id=op.get("operationId", f"{method}_{path}"),
                        method=method.upper(),
                        path=path,
                        tag=tag,
                        module=module_of.get(tag, py_identifier(tag)),
                        summary=op.get("summary", ""),
                        description=op.get("description"),
                        secured=bool(security) if security is not None else global_security,
                        parameters=self.parameters([*shared, *op.get("parameters", [])], where),
                        body=self.body(op.get("requestBody"), where),
                        responses=self.responses(op.get("responses", {}), where),
                        location=self.loc(self.oas_file, *where),
                    )
                )
        return ops

    def parameters(self, raw: list[Json], where: tuple[str, ...]) -> list[Parameter]:
        out = []
        for i, p in enumerate(raw):
            _, param = self.c.deref(p, self.c.openapi_path)
            out.append(
                Parameter(
                    name=param["name"],
                    py_name=py_identifier(param["name"]),
                    location_in=param["in"],
                    required=bool(param.get("required")),
                    json_schema=to_json_schema(param.get("schema", {})),
                    description=param.get("description"),
                    example=param.get("example"),
                    location=self.loc(self.oas_file, *where, "parameters", i),
                )
            )
        return out

    def body(self, raw: Json, where: tuple[str, ...]) -> RequestBody | None:
        if raw is None:
            return None
        _, body = self.c.deref(raw, self.c.openapi_path)
        content_type, media = next(iter(body.get("content", {}).items()))
        schema: dict[str, Json] = media.get("schema", {})
        return RequestBody(
            content_type=content_type,
            schema_name=ref_name(schema["$ref"]) if "$ref" in schema else None,
            json_schema=to_json_schema(schema),
            required=bool(body.get("required")),
            example=media.get("example"),
            location=self.loc(self.oas_file, *where, "requestBody"),
        )

    def responses(self, raw: dict[str, Json], where: tuple[str, ...]) -> list[Response]:
        out = []
        for status, resp_raw in raw.items():
            _, resp = self.c.deref(resp_raw, self.c.openapi_path)
            content: dict[str, Json] = resp.get("content") or {"": {}}
            content_type: str | None
            content_type, media = next(iter(content.items()))
            content_type = content_type or None
            schema = media.get("schema")
            examples = {k: v.get("value") for k, v in media.get("examples", {}).items()}
            if "example" in media:
                examples = {"default": media["example"], **examples}
            out.append(
                Response(
                    status=status_code(status),
                    description=resp.get("description", ""),
                    content_type=content_type,
                    schema_name=ref_name(schema["$ref"]) if schema and "$ref" in schema else None,
                    json_schema=to_json_schema(schema) if schema is not None else None,
                    data_schema_name=self.data_schema_name(schema),
                    examples=examples,
                    headers=[
                        Header(
                            n,
                            to_json_schema(
                                self.c.deref(h, self.c.openapi_path)[1].get("schema", {})
                            ),
                            h.get("description"),
                        )
                        for n, h in resp.get("headers", {}).items()
                    ],
                    error_codes=sorted(
                        {
                            int(v["code"])
                            for v in examples.values()
                            if isinstance(v, dict) and v.get("code")
                        }
                    ),
                    links=[
                        Link(
                            n,
                            lk.get("operationId", ""),
                            dict(lk.get("parameters", {})),
                            lk.get("requestBody"),
                            lk.get("description"),
                        )
                        for n, lk in resp.get("links", {}).items()
                    ],
                    location=self.loc(self.oas_file, *where, "responses", status),
                )
            )
        return out

    def data_schema_name(self, schema: Json) -> str | None:
        """For a `{code, message, data}` envelope, the component name of `data`."""
        if not schema:
            return None
        _, node = self.c.deref(schema, self.c.openapi_path)
        for part in node.get("allOf", [node]):
            _, part = self.c.deref(part, self.c.openapi_path)
            data = part.get("properties", {}).get("data")
            if data and "$ref" in data:
                return ref_name(data["$ref"])
        return None

    # ---------------------------------------------------------------- WebSocket
    def ws_schemas(self) -> dict[str, NamedSchema]:
        out: dict[str, NamedSchema] = {}
        comps = self.c.asyncapi.get("components", {}).get("schemas", {})
        for name, src in comps.items():
            out[name] = NamedSchema(
                name,
                "asyncapi",
                src,
                to_json_schema(src),
                src.get("description"),
                self.loc(self.aas_file, "components", "schemas", name),
            )
        return out

    def channel_and_messages(self) -> tuple[Channel, list[Message]]:
        key, chan = next(iter(self.c.asyncapi.get("channels", {}).items()))
        query = chan.get("bindings", {}).get("ws", {}).get("query")
        channel = Channel(
            key,
            chan.get("address", ""),
            chan.get("description"),
            to_json_schema(query) if query else None,
            self.loc(self.aas_file, "channels", key),
        )
        messages = []
        for op in self.c.asyncapi.get("operations", {}).values():
            direction: Direction = "client" if op["action"] == "receive" else "server"
            for ref in op.get("messages", []):
                _, _, chan_msg = self.c.resolve(ref["$ref"], self.c.asyncapi_path)
                comp_key = ref_name(chan_msg["$ref"])
                _, msg = self.c.deref(chan_msg, self.c.asyncapi_path)
                payload = msg.get("payload", {})
                data = payload.get("properties", {}).get("data", {})
                messages.append(
                    Message(
                        key=comp_key,
                        type=payload["properties"]["type"]["const"],
                        direction=direction,
                        title=msg.get("title"),
                        summary=msg.get("summary"),
                        data_schema_name=ref_name(data["$ref"]) if "$ref" in data else None,
                        payload=to_json_schema(payload),
                        examples=[e.get("payload") for e in msg.get("examples", [])],
                        location=self.loc(self.aas_file, "components", "messages", comp_key),
                    )
                )
        return channel, messages

    def close_codes(self) -> list[CloseCode]:
        rows = self.c.asyncapi.get("info", {}).get("x-close-codes", [])
        return [CloseCode(int(r["code"]), str(r["name"]), str(r["description"])) for r in rows]


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def build_ir(contracts: Contracts, root: Path | None = None) -> ApiIR:
    """Build the IR. `root` makes the recorded file names relative (stable output)."""
    b = _Builder(contracts, root or Path.cwd())
    operations = b.operations()
    channel, messages = b.channel_and_messages()
    info = contracts.openapi.get("info", {})
    servers = contracts.openapi.get("servers") or [{"url": "/"}]
    return ApiIR(
        title=info.get("title", ""),
        version=info.get("version", ""),
        description=info.get("description"),
        base_path=servers[0]["url"].rstrip("/"),
        openapi_file=b.oas_file,
        asyncapi_file=b.aas_file,
        tags=b.tags(operations),
        operations=operations,
        schemas=b.schemas(),
        error_codes=b.error_codes(),
        channel=channel,
        messages=messages,
        ws_schemas=b.ws_schemas(),
        close_codes=b.close_codes(),
        source_root=str((root or Path.cwd()).resolve()),
    )
