#!/usr/bin/env python3
"""A loopback OpenTelemetry collector (OTLP/HTTP, JSON encoding) for Quill's trace export tests.

Run:  python3 Tests/Servers/otlp_collector.py --port 0     (prints "PORT <n>" once listening)

Endpoints:
  POST /v1/traces   an OTLP ExportTraceServiceRequest as JSON: {"resourceSpans": [{"resource": {"attributes": [...]},
                    "scopeSpans": [{"scope": {...}, "spans": [...]}]}]}. Every span is stored; the answer is
                    200 `{}` (a full success, no partialSuccess). A body that is not JSON, or not an object, is
                    400 with {"error": message}; a protobuf body (Content-Type application/x-protobuf) is 415,
                    since this collector only reads JSON.
  GET  /spans       {"spans": [...]}: every stored span exactly as received, in arrival order, with two keys added:
                    "resource" (the attribute list of its resource, as received) and "scope" (its scope object).
  GET  /requests    {"requests": [{"headers": {name-lowercased: value}, "spans": n}, ...]}: one entry per accepted
                    export, to check what the exporter sent besides the spans (Content-Type, configured headers).
  POST /reset       forgets every span and request; answers {}.

Anything else is 404. Nothing is validated beyond being JSON: the tests assert on what arrived.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler

from loopback import serve


class Store:
    """What the collector received, shared by the request threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.spans = []
        self.requests = []

    def add(self, request, headers):
        received = []
        for resource_spans in request.get("resourceSpans") or []:
            resource = (resource_spans.get("resource") or {}).get("attributes") or []
            for scope_spans in resource_spans.get("scopeSpans") or []:
                scope = scope_spans.get("scope") or {}
                for span in scope_spans.get("spans") or []:
                    received.append(dict(span, resource=resource, scope=scope))
        with self.lock:
            self.spans.extend(received)
            self.requests.append({"headers": headers, "spans": len(received)})

    def reset(self):
        with self.lock:
            self.spans = []
            self.requests = []

    def snapshot(self):
        with self.lock:
            return {"spans": list(self.spans)}, {"requests": list(self.requests)}


STORE = Store()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)

    def send_json(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def do_GET(self):
        spans, requests = STORE.snapshot()
        if self.path == "/spans":
            self.send_json(200, spans)
        elif self.path == "/requests":
            self.send_json(200, requests)
        else:
            self.send_json(404, {"error": "no such endpoint: GET %s" % self.path})

    def do_POST(self):
        body = self.read_body()
        if self.path == "/reset":
            STORE.reset()
            self.send_json(200, {})
            return
        if self.path != "/v1/traces":
            self.send_json(404, {"error": "no such endpoint: POST %s" % self.path})
            return
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type == "application/x-protobuf":
            self.send_json(415, {"error": "this test collector reads OTLP JSON only"})
            return
        try:
            request = json.loads(body)
        except ValueError as error:
            self.send_json(400, {"error": "the body is not JSON: %s" % error})
            return
        if not isinstance(request, dict):
            self.send_json(400, {"error": "the body is not a JSON object"})
            return
        STORE.add(request, {name.lower(): value for name, value in self.headers.items()})
        self.send_json(200, {})


def main():
    serve(Handler, __doc__)


if __name__ == "__main__":
    main()
