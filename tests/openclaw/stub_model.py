"""A scripted stand-in for a model: an OpenAI-compatible /v1/chat/completions
on 127.0.0.1 that OpenClaw drives like any provider. The test plans one tool
call per turn; the stub answers the turn's first request that offers tools with
that call, and anything after the tool's result with plain text. It records
every request and every tool result it receives, for the test to check.

Standard library only; streaming (SSE) when the request asks for it.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "scripted"


def text_of(content):
    """A message's content as text (a string, or a list of text parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def first_json_object(text):
    """The first JSON object inside `text` (tool results may carry a prefix)."""
    decoder = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch == "{":
            try:
                value, _ = decoder.raw_decode(text[i:])
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None


class Script:
    """What the stand-in model says, turn by turn, and what it was told."""

    def __init__(self):
        self.lock = threading.Lock()
        self.planned = None  # (tool name as offered, arguments) for the next turn
        self.requests = []  # every request body, as received
        self.offered = []  # the tool names each tool-offering request listed
        self.calls = []  # the tool calls answered: (name, arguments)
        self.results = []  # (tool call id, text of the tool's result)
        self.answered_ids = set()
        self.next_id = 0

    def plan(self, tool, arguments):
        with self.lock:
            self.planned = (tool, arguments)

    def reply(self, body):
        """The assistant message for one request: a tool call or text."""
        with self.lock:
            self.requests.append(body)
            messages = body.get("messages") or []
            for m in messages:  # results of our calls, once each
                call_id = m.get("tool_call_id")
                if m.get("role") == "tool" and call_id and call_id not in self.answered_ids:
                    self.answered_ids.add(call_id)
                    self.results.append((call_id, text_of(m.get("content"))))
            tools = [t.get("function", {}).get("name") for t in body.get("tools") or []]
            if tools:
                self.offered.append(tools)
            last = messages[-1] if messages else {}
            if last.get("role") == "tool" or not self.planned or not tools:
                return {"role": "assistant", "content": "Done."}
            name, arguments = self.planned
            if name not in tools:
                # Not offered: end the turn; the test reports what was offered.
                return {"role": "assistant", "content": f"The tool {name} is not available."}
            self.planned = None
            self.next_id += 1
            self.calls.append((name, arguments))
            call = {"id": f"call_{self.next_id}", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
            return {"role": "assistant", "content": None, "tool_calls": [call]}


def completion(message):
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    return {
        "id": f"chatcmpl-{time.time_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def chunks(message, include_usage):
    """The same answer as chat.completion.chunk events."""
    base = {"id": f"chatcmpl-{time.time_ns()}", "object": "chat.completion.chunk", "created": int(time.time()), "model": MODEL}
    delta = {"role": "assistant"}
    if message.get("tool_calls"):
        delta["tool_calls"] = [dict(c, index=i) for i, c in enumerate(message["tool_calls"])]
        finish = "tool_calls"
    else:
        delta["content"] = message["content"]
        finish = "stop"
    yield dict(base, choices=[{"index": 0, "delta": delta, "finish_reason": None}])
    yield dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": finish}])
    if include_usage:
        yield dict(base, choices=[], usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2})


class Handler(BaseHTTPRequestHandler):
    script = None  # set by serve()

    def log_message(self, *args):  # quiet: the test prints what matters
        pass

    def send_json(self, status, value):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.rstrip("/").endswith("/models"):
            self.send_json(200, {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "test"}]})
        else:
            self.send_json(404, {"error": {"message": f"no {self.path}"}})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self.send_json(404, {"error": {"message": f"no {self.path}"}})
            return
        message = self.script.reply(body)
        if not body.get("stream"):
            self.send_json(200, completion(message))
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        for chunk in chunks(message, include_usage):
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


def serve(script):
    """Starts the stand-in on a free loopback port; returns (server, base URL)."""
    handler = type("ScriptedHandler", (Handler,), {"script": script})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"
