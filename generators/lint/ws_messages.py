"""Find every AsyncAPI message, the directions it travels in, and its `type` constant."""

from __future__ import annotations

from dataclasses import dataclass, field

from generators.lint.context import LintContext, Node, last_token

DIRECTION = {"receive": "client", "send": "server"}  # the document is the server's view


@dataclass
class WsMessage:
    """A message (after `$ref`s) and the directions of the operations that carry it."""

    key: str
    node: Node
    payload: Node | None
    directions: set[str] = field(default_factory=set)

    @property
    def type_node(self) -> Node | None:
        """The `const` of the payload's `type` property, when written."""
        return self.payload.get("properties", "type", "const") if self.payload else None


def ws_messages(ctx: LintContext) -> list[WsMessage]:
    """Component messages, channel messages and operation messages, once each."""
    found: dict[tuple[str, str], WsMessage] = {}

    def add(declared: Node) -> WsMessage:
        node = ctx.deref(declared)
        key = (node.file, node.pointer)
        if key not in found:
            payload = ctx.child(node, "payload")
            if payload is not None and not isinstance(payload.value, dict):
                payload = None
            found[key] = WsMessage(last_token(node.pointer), node, payload)
        return found[key]

    comps = ctx.aas.get("components", "messages")
    for _, msg in comps.items() if comps is not None else ():
        add(msg)
    channels = ctx.aas.get("channels")
    for _, channel in channels.items() if channels is not None else ():
        msgs = ctx.deref(channel).get("messages")
        for _, msg in msgs.items() if msgs is not None else ():
            add(msg)
    operations = ctx.aas.get("operations")
    for _, op in operations.items() if operations is not None else ():
        direction = DIRECTION.get(str(op.value.get("action")))
        for msg in _operation_messages(ctx, op):
            info = add(msg)
            if direction:
                info.directions.add(direction)
    return list(found.values())


def _operation_messages(ctx: LintContext, op: Node) -> list[Node]:
    """An operation's messages; without a `messages` list, every message of its channel."""
    msgs = op.get("messages")
    if msgs is not None:
        return list(msgs.elements())
    channel = ctx.child(op, "channel")
    listed = channel.get("messages") if channel is not None else None
    return [m for _, m in listed.items()] if listed is not None else []
