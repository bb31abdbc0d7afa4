import os, sys
from benchmarks.ws import serve_ours
ab = os.environ.get("CK_ABLATE", "").split(",")
if "persist" in ab:
    from server_impl.ws import chatlog
    chatlog.ChatWriter.add = lambda self, m: None
if "pydantic" in ab:
    import orjson
    from server_impl.ws import codec
    from server_impl.ws.frames import Frame, now_ms
    def frame(self, type_, data):
        return Frame.from_json(type_, orjson.dumps({"type": type_, "seq": 0, "timestamp": now_ms(), "data": data}).decode())
    codec.Codec.frame = frame
if "parse" in ab:
    import orjson
    from types import SimpleNamespace
    from server_impl.ws import codec
    def decode(self, raw):
        d = orjson.loads(raw)
        return SimpleNamespace(type=d["type"], seq=d["seq"], data=SimpleNamespace(**d["data"]))
    codec.Codec.decode = decode
sys.argv = [sys.argv[0]] + [a for a in sys.argv[1:]]
serve_ours.main()
