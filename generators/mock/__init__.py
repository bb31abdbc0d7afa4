"""`contractkit mock`: a contract-driven mock of the REST API and the WebSocket, built from the IR.

`create_mock_app(ir, MockOptions(...))` returns an ASGI app (Starlette) that serves every
operation at `{base_path}{path}` and the WebSocket channel at `{base_path}{address}`, validating
requests and answering from the contract's examples (or, with `dynamic`, from its schemas).
"""

from generators.mock.app import create_mock_app
from generators.mock.options import MockOptions

__all__ = ["MockOptions", "create_mock_app"]
