#!/usr/bin/env python3
"""A loopback LLM provider that misbehaves on request, for Quill's transport and adapter tests.

Run:  python3 Tests/Servers/fault_server.py --port 0     (prints "PORT <n>" once listening)

It speaks enough of three wire protocols to exercise provider adapters:
  POST /v1/chat/completions   OpenAI Chat Completions (JSON, or SSE `data:` chunks ending in `data: [DONE]`;
                              `stream_options.include_usage` adds the usage chunk with `choices: []`)
  POST /v1/messages           Anthropic Messages (JSON, or SSE `event:`/`data:` pairs in the real order:
                              message_start, content_block_start, ping, content_block_delta..., content_block_stop,
                              message_delta, message_stop). Requires the `anthropic-version` header and
                              `max_tokens`; version 2026-10-21 rejects temperature/top_p/top_k (400), as the API does.
  POST /api/chat              Ollama chat (NDJSON stream by default, last line `done: true` with
  POST /api/generate          prompt_eval_count/eval_count; `"stream": false` gives one JSON object)
  GET  /v1/models, /api/tags  the fault model names
  GET  /stats                 {"attempts": {key: n}, "successes": {key: n}, "disconnects": n, "open": n}
  POST /reset                 clears the stats and the per-key attempt counters

The normal answer (deterministic):
  text      "ok: " + the text of the last user message (for /api/generate: the prompt).
            Text of a message = its string content, or its text parts/blocks joined with "".
  chunks    one per word: the first word, then " " + each following word (the answer split on spaces).
  usage     input  = number of whitespace-separated words in every message's text (system included,
                     Anthropic's `system` field included);
            output = number of words in the answer as sent.
  limits    max_tokens / max_completion_tokens (OpenAI), max_tokens (Anthropic), options.num_predict
            (Ollama) cut the answer to that many words: finish "length" / "max_tokens" / done_reason "length".
            `stop` / `stop_sequences` / options.stop cut the answer before the first match: finish "stop" /
            "stop_sequence" (with stop_sequence set).
  Bodies are sent chunked (HTTP/1.1), 5 ms apart, so a client sees chunk after chunk.

Behaviour is chosen by the request's `model` (any other name answers normally):
  ok                 the normal answer
  slow-<ms>          the normal answer with <ms> milliseconds between chunks
  status-<code>      HTTP <code> with the protocol's error body (OpenAI {"error":{message,type,param,code}},
                     Anthropic {"type":"error","error":{type,message},"request_id"} — 529 is overloaded_error —,
                     Ollama {"error": message}); 429 also sends retry-after-ms: 10
  429-retry-after    HTTP 429 (rate limit) with `retry-after-ms: 50` and `retry-after: 1`, on every attempt
  429-quota          HTTP 429 that must not be retried: OpenAI code/type insufficient_quota; Anthropic
                     rate_limit_error whose message names the spend limit and billing; Ollama the same words
  malformed          HTTP 200 whose body is not JSON (streams: events/lines whose data is not JSON)
  cut                streams: the opening events and two answer pieces, then the connection closes without
                     the chunked terminator (no [DONE] / message_stop / done:true); non-streaming: half the
                     Content-Length, then close
  stall              HTTP 200 head, then nothing for 30 s
  stall-head         reads the request, then sends nothing for 30 s
  midstream-error    streams: HTTP 200, the opening events and two answer pieces, then an error (OpenAI
                     `data: {"error":{...}}`, Anthropic `event: error` overloaded_error, Ollama `{"error": ...}`
                     line) and the end of the body; non-streaming: HTTP 500 with the error body
  usage-<i>-<o>-<r>-<w>  the normal answer, reporting exactly <i> input tokens (of which <r> read from the prompt
                     cache and <w> written to it) and <o> output tokens: OpenAI prompt_tokens=i, completion_tokens=o,
                     prompt_tokens_details.cached_tokens=r; Anthropic input_tokens=i-r-w, cache_read_input_tokens=r,
                     cache_creation_input_tokens=w (its own split); Ollama prompt_eval_count=i, eval_count=o
  flaky-<n>          the first n attempts of a key answer 500 (server_error / api_error), later ones normally
  random-<pct>       each attempt fails with probability pct% with 500, 503 or 429 (retry-after-ms: 10); which
                     attempts fail is decided by sha256("<key>\\n<attempt number>"), so it is repeatable

Counting: the key of a request is the text of its last user message, whatever the model and endpoint
(so give each test its own text, or POST /reset between tests). Every request to a model endpoint
is one attempt of its key (counted when it arrives, before any fault); a success is counted when a 2xx
answer was written completely. `disconnects` counts responses the client closed before they ended
(a write failed, or the socket read EOF while the server was waiting); `open` is the number of
requests whose responses are being written now.
"""

import hashlib
import json
import select
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

from loopback import serve

CREATED = 1767225600  # 2026-01-01T00:00:00Z: fixed so answers are byte-for-byte repeatable
CHUNK_GAP = 0.005
STALL_SECONDS = 30.0

MODELS = ["ok", "slow-<ms>", "status-<code>", "429-retry-after", "429-quota", "malformed", "cut", "stall",
          "stall-head", "midstream-error", "flaky-<n>", "random-<pct>"]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.attempts = {}
            self.successes = {}
            self.disconnects = 0
            self.open = 0

    def attempt(self, key):
        """Counts an attempt of `key` and returns its number (1 for the first)."""
        with self.lock:
            self.attempts[key] = self.attempts.get(key, 0) + 1
            return self.attempts[key]

    def success(self, key):
        with self.lock:
            self.successes[key] = self.successes.get(key, 0) + 1

    def disconnect(self):
        with self.lock:
            self.disconnects += 1

    def opened(self, delta):
        with self.lock:
            self.open += delta

    def snapshot(self):
        with self.lock:
            return {"attempts": dict(self.attempts), "successes": dict(self.successes),
                    "disconnects": self.disconnects, "open": self.open}


STATS = Stats()


class ClientGone(Exception):
    """The client closed the connection while the response was being written."""


def message_text(content):
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content
                       if isinstance(part, dict) and part.get("type", "text") in ("text", "input_text"))
    return ""


def word_count(text):
    return len(text.split())


ERROR_TYPES = {
    # status: (OpenAI type, OpenAI code, Anthropic type, message)
    400: ("invalid_request_error", "invalid_request", "invalid_request_error", "The request is not valid (fault server)."),
    401: ("invalid_request_error", "invalid_api_key", "authentication_error", "Incorrect API key provided."),
    402: ("billing_error", "billing_error", "billing_error", "Payment required: check your billing details."),
    403: ("permission_error", "permission_denied", "permission_error", "You do not have access to this resource."),
    404: ("invalid_request_error", "model_not_found", "not_found_error", "The model does not exist or you do not have access to it."),
    408: ("timeout_error", "timeout", "timeout_error", "The request timed out."),
    409: ("conflict_error", "conflict", "api_error", "Conflicting request; try again."),
    413: ("invalid_request_error", "request_too_large", "request_too_large", "The request is too large."),
    422: ("invalid_request_error", "unprocessable_entity", "invalid_request_error", "The request could not be processed."),
    429: ("requests", "rate_limit_exceeded", "rate_limit_error", "Rate limit reached for requests. Please try again shortly."),
    500: ("server_error", "server_error", "api_error", "The server had an error while processing your request."),
    502: ("server_error", "bad_gateway", "api_error", "Bad gateway."),
    503: ("server_error", "service_unavailable", "api_error", "The service is temporarily unavailable."),
    504: ("server_error", "gateway_timeout", "api_error", "Gateway timeout."),
    529: ("server_error", "overloaded", "overloaded_error", "Overloaded"),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "QuillFaultServer/1"

    def log_message(self, format, *args):
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    # ---- plumbing -------------------------------------------------------------------------

    def read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw.decode("utf-8")) if raw else {}
        except (ValueError, UnicodeDecodeError):
            return None

    def send_json(self, status, obj, headers=None):
        body = json.dumps(obj).encode("utf-8")
        self.send_bytes(status, body, "application/json", headers)

    def send_bytes(self, status, body, content_type, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.write(body)

    def start_stream(self, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.flush()

    def write(self, data):
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            raise ClientGone()

    def flush(self):
        try:
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            raise ClientGone()

    def chunk(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        if data:
            self.write(b"%x\r\n%s\r\n" % (len(data), data))

    def end_chunks(self):
        self.write(b"0\r\n\r\n")

    def wait(self, seconds):
        """Sleeps `seconds`, watching the socket: raises ClientGone as soon as the client closes it."""
        deadline = time.monotonic() + seconds
        sock = self.connection
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                readable, _, _ = select.select([sock], [], [], min(left, 0.05))
                gone = bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                gone = True
            if gone:
                raise ClientGone()
            if readable:
                # Bytes from the client in the middle of a response (not expected): wait without spinning.
                time.sleep(min(left, 0.05))

    def cut_connection(self):
        """Ends the response by closing the socket, so the client sees a truncated body."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ---- routing --------------------------------------------------------------------------

    def do_GET(self):
        if self.path == "/stats":
            self.send_json(200, STATS.snapshot())
        elif self.path in ("/v1/models", "/models"):
            self.send_json(200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": CREATED, "owned_by": "quill-fault-server"} for m in MODELS]})
        elif self.path == "/api/tags":
            self.send_json(200, {"models": [{"name": m, "model": m, "size": 0} for m in MODELS]})
        else:
            self.send_json(404, {"error": {"message": "no route GET %s" % self.path, "type": "invalid_request_error",
                                           "param": None, "code": "not_found"}})

    def do_POST(self):
        if self.path == "/reset":
            self.read_json()
            STATS.reset()
            self.send_json(200, {"ok": True})
            return
        protocol = {"/v1/chat/completions": "openai", "/chat/completions": "openai", "/v1/messages": "anthropic",
                    "/api/chat": "ollama", "/api/generate": "ollama"}.get(self.path)
        if protocol is None:
            self.read_json()
            self.send_json(404, {"error": {"message": "no route POST %s" % self.path, "type": "invalid_request_error",
                                           "param": None, "code": "not_found"}})
            return
        STATS.opened(1)
        try:
            Exchange(self, protocol).run()
        except (ClientGone, BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            STATS.disconnect()
            self.close_connection = True
        finally:
            STATS.opened(-1)


class Exchange:
    """One request to a model endpoint: parses it, counts the attempt, answers or misbehaves."""

    def __init__(self, handler, protocol):
        self.h = handler
        self.protocol = protocol
        self.body = handler.read_json()

    # ---- request ----------------------------------------------------------------------------

    def run(self):
        body = self.body
        if not isinstance(body, dict):
            self.error(400, "The request body is not valid JSON.")
            return
        self.model = str(body.get("model") or "")
        self.key, self.prompt_words = self.read_messages(body)
        self.attempt = STATS.attempt(self.key)
        self.stream = bool(body.get("stream", self.protocol == "ollama"))
        if self.protocol == "anthropic" and not self.anthropic_valid(body):
            return
        self.answer, self.finish = self.make_answer(body)
        self.dispatch()

    def read_messages(self, body):
        if self.h.path == "/api/generate":
            prompt = str(body.get("prompt") or "")
            return prompt, word_count(prompt) + word_count(str(body.get("system") or ""))
        messages = body.get("messages") or []
        words = sum(word_count(message_text(m.get("content"))) for m in messages if isinstance(m, dict))
        if self.protocol == "anthropic":
            words += word_count(message_text(body.get("system")))
        last_user = ""
        for m in messages:
            if isinstance(m, dict) and m.get("role") == "user":
                last_user = message_text(m.get("content"))
        return last_user, words

    def anthropic_valid(self, body):
        version = self.h.headers.get("anthropic-version")
        if not version:
            self.error(400, "anthropic-version: header is required")
            return False
        if "max_tokens" not in body:
            self.error(400, "max_tokens: Field required")
            return False
        if version == "2026-10-21":
            for name in ("temperature", "top_p", "top_k"):
                if name in body:
                    self.error(400, "%s: not supported with anthropic-version 2026-10-21" % name)
                    return False
        return True

    def make_answer(self, body):
        """The answer's words and why it ended: "stop", "length" or ("stop_sequence", sequence)."""
        text = "ok: " + self.key
        options = body.get("options") or {}
        stops = body.get("stop") or body.get("stop_sequences") or options.get("stop") or []
        if isinstance(stops, str):
            stops = [stops]
        finish = "stop"
        cut_at, matched = None, None
        for s in stops:
            if isinstance(s, str) and s and s in text:
                i = text.index(s)
                if cut_at is None or i < cut_at:
                    cut_at, matched = i, s
        if cut_at is not None:
            text = text[:cut_at]
            finish = ("stop_sequence", matched)
        words = text.split(" ")
        if self.protocol == "ollama":
            limit = options.get("num_predict")
        else:
            limit = body.get("max_completion_tokens", body.get("max_tokens"))
        if isinstance(limit, int) and 0 <= limit < len([w for w in words if w]):
            kept, count = [], 0
            for w in words:
                if w:
                    if count == limit:
                        break
                    count += 1
                kept.append(w)
            words = kept
            finish = "length"
        pieces = [words[0]] + [" " + w for w in words[1:]] if words else []
        return [p for p in pieces if p], finish

    # ---- behaviours -------------------------------------------------------------------------

    def dispatch(self):
        m = self.model
        if m.startswith("status-") and m[7:].isdigit():
            code = int(m[7:])
            headers = {"retry-after-ms": "10"} if code == 429 else None
            self.error(code, ERROR_TYPES.get(code, (None, None, None, "Fault server status %d." % code))[3], headers)
        elif m == "429-retry-after":
            self.error(429, ERROR_TYPES[429][3], {"retry-after-ms": "50", "retry-after": "1"})
        elif m == "429-quota":
            self.quota_error()
        elif m == "malformed":
            self.malformed()
        elif m == "cut":
            self.cut()
        elif m == "stall":
            self.h.send_response(200)
            self.h.send_header("Content-Type", self.stream_type() if self.stream else "application/json")
            if self.stream:
                self.h.send_header("Transfer-Encoding", "chunked")
            else:
                self.h.send_header("Content-Length", "1000")
            self.h.end_headers()
            self.h.flush()
            self.h.wait(STALL_SECONDS)
            self.h.cut_connection()
        elif m == "stall-head":
            self.h.wait(STALL_SECONDS)
            self.h.cut_connection()
        elif m == "midstream-error":
            if self.stream:
                self.answer_stream(error_after=2)
            else:
                self.error(500, ERROR_TYPES[500][3])
        elif m.startswith("flaky-") and m[6:].isdigit():
            if self.attempt <= int(m[6:]):
                self.error(500, ERROR_TYPES[500][3])
            else:
                self.normal()
        elif m.startswith("random-") and m[7:].isdigit():
            digest = hashlib.sha256(("%s\n%d" % (self.key, self.attempt)).encode("utf-8")).digest()
            if int.from_bytes(digest[:4], "big") % 100 < int(m[7:]):
                code = (500, 503, 429)[digest[4] % 3]
                self.error(code, ERROR_TYPES[code][3], {"retry-after-ms": "10"} if code == 429 else None)
            else:
                self.normal()
        elif m.startswith("slow-") and m[5:].isdigit():
            self.normal(gap=int(m[5:]) / 1000.0)
        else:
            self.normal()

    def normal(self, gap=CHUNK_GAP):
        if self.stream:
            self.answer_stream(gap=gap)
        else:
            self.h.send_json(200, self.full_response())
        STATS.success(self.key)

    def error(self, status, message, headers=None):
        openai_type, code, anthropic_type, _ = ERROR_TYPES.get(status, ("server_error" if status >= 500 else "invalid_request_error",
                                                                       "status_%d" % status,
                                                                       "api_error" if status >= 500 else "invalid_request_error", ""))
        if self.protocol == "openai":
            body = {"error": {"message": message, "type": openai_type, "param": None, "code": code}}
        elif self.protocol == "anthropic":
            body = {"type": "error", "error": {"type": anthropic_type, "message": message},
                    "request_id": "req_fault_%d" % self.attempt_number()}
        else:
            body = {"error": message}
        self.h.send_json(status, body, headers)

    def attempt_number(self):
        return getattr(self, "attempt", 0)

    def quota_error(self):
        if self.protocol == "openai":
            body = {"error": {"message": "You exceeded your current quota, please check your plan and billing details.",
                              "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}}
        elif self.protocol == "anthropic":
            body = {"type": "error", "error": {"type": "rate_limit_error",
                                               "message": "This request would exceed your workspace's spend limit. "
                                                          "Raise the limit in Settings > Billing to continue."},
                    "request_id": "req_fault_%d" % self.attempt}
        else:
            body = {"error": "insufficient_quota: the account's spend limit is used up; check billing"}
        self.h.send_json(429, body)

    def malformed(self):
        if not self.stream:
            self.h.send_bytes(200, b"<html><body>502 Bad Gateway</body></html>", "application/json")
            return
        self.h.start_stream(self.stream_type())
        if self.protocol == "openai":
            self.h.chunk("data: <html>not json</html>\n\ndata: [DONE]\n\n")
        elif self.protocol == "anthropic":
            self.h.chunk("event: message_start\ndata: <html>not json</html>\n\n")
        else:
            self.h.chunk("<html>not json</html>\n")
        self.h.end_chunks()

    def cut(self):
        if self.stream:
            self.answer_stream(cut_after=2)
        else:
            body = json.dumps(self.full_response()).encode("utf-8")
            self.h.send_response(200)
            self.h.send_header("Content-Type", "application/json")
            self.h.send_header("Content-Length", str(len(body)))
            self.h.end_headers()
            self.h.write(body[: len(body) // 2])
            self.h.cut_connection()

    # ---- answers ----------------------------------------------------------------------------

    def stream_type(self):
        return "application/x-ndjson" if self.protocol == "ollama" else "text/event-stream"

    def usage(self):
        fixed = self.fixed_usage()
        if fixed:
            return fixed[0], fixed[1]
        return self.prompt_words, sum(word_count(p) for p in self.answer)

    def fixed_usage(self):
        """(input, output, cache read, cache write) for a usage-<i>-<o>-<r>-<w> model, else None."""
        parts = self.model.split("-")
        if len(parts) == 5 and parts[0] == "usage" and all(p.isdigit() for p in parts[1:]):
            return tuple(int(p) for p in parts[1:])
        return None

    def openai_usage(self):
        prompt, completion = self.usage()
        usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
        fixed = self.fixed_usage()
        if fixed:
            usage["prompt_tokens_details"] = {"cached_tokens": fixed[2], "audio_tokens": 0}
        return usage

    def anthropic_usage(self, output):
        prompt, _ = self.usage()
        fixed = self.fixed_usage() or (prompt, 0, 0, 0)
        return {"input_tokens": prompt - fixed[2] - fixed[3], "output_tokens": output,
                "cache_creation_input_tokens": fixed[3], "cache_read_input_tokens": fixed[2]}

    def finish_reason(self):
        kind = self.finish[0] if isinstance(self.finish, tuple) else self.finish
        if self.protocol == "openai":
            return "length" if kind == "length" else "stop"
        if self.protocol == "anthropic":
            return {"length": "max_tokens", "stop": "end_turn", "stop_sequence": "stop_sequence"}[kind]
        return "length" if kind == "length" else "stop"

    def stop_sequence(self):
        return self.finish[1] if isinstance(self.finish, tuple) else None

    def full_response(self):
        text = "".join(self.answer)
        prompt, completion = self.usage()
        if self.protocol == "openai":
            return {"id": "chatcmpl-fault-%d" % self.attempt, "object": "chat.completion", "created": CREATED,
                    "model": self.model, "system_fingerprint": None,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": None},
                                 "logprobs": None, "finish_reason": self.finish_reason()}],
                    "usage": self.openai_usage()}
        if self.protocol == "anthropic":
            return {"id": "msg_fault_%d" % self.attempt, "type": "message", "role": "assistant", "model": self.model,
                    "content": [{"type": "text", "text": text}], "stop_reason": self.finish_reason(),
                    "stop_sequence": self.stop_sequence(),
                    "usage": self.anthropic_usage(completion)}
        final = self.ollama_line("", done=True)
        key = "response" if self.h.path == "/api/generate" else "message"
        final[key] = text if key == "response" else {"role": "assistant", "content": text}
        return final

    def ollama_line(self, text, done=False):
        line = {"model": self.model, "created_at": "2026-01-01T00:00:00Z"}
        if self.h.path == "/api/generate":
            line["response"] = text
        else:
            line["message"] = {"role": "assistant", "content": text}
        line["done"] = done
        if done:
            prompt, completion = self.usage()
            line.update({"done_reason": self.finish_reason(), "total_duration": 1000000 * (1 + completion),
                         "load_duration": 0, "prompt_eval_count": prompt, "prompt_eval_duration": 1000000,
                         "eval_count": completion, "eval_duration": 1000000 * completion})
        return line

    def events(self):
        """The stream's pieces in order, as (kind, text): kind "start", "content" (one per answer piece) or "end"."""
        prompt, completion = self.usage()
        if self.protocol == "openai":
            usage = (self.body.get("stream_options") or {}).get("include_usage") is True
            cid = "chatcmpl-fault-%d" % self.attempt

            def chunk(choices, extra=None):
                obj = {"id": cid, "object": "chat.completion.chunk", "created": CREATED, "model": self.model,
                       "system_fingerprint": None, "choices": choices}
                if usage:
                    obj["usage"] = None
                if extra:
                    obj.update(extra)
                return "data: %s\n\n" % json.dumps(obj)

            def choice(delta, finish=None):
                return [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]

            yield "start", chunk(choice({"role": "assistant", "content": "", "refusal": None}))
            for piece in self.answer:
                yield "content", chunk(choice({"content": piece}))
            yield "end", chunk(choice({}, self.finish_reason()))
            if usage:
                yield "end", chunk([], {"usage": self.openai_usage()})
            yield "end", "data: [DONE]\n\n"
        elif self.protocol == "anthropic":
            def event(name, obj):
                return "event: %s\ndata: %s\n\n" % (name, json.dumps(obj))

            yield "start", event("message_start", {"type": "message_start", "message": {
                "id": "msg_fault_%d" % self.attempt, "type": "message", "role": "assistant", "model": self.model,
                "content": [], "stop_reason": None, "stop_sequence": None,
                "usage": self.anthropic_usage(1)}})
            yield "start", event("content_block_start", {"type": "content_block_start", "index": 0,
                                                         "content_block": {"type": "text", "text": ""}})
            yield "start", event("ping", {"type": "ping"})
            for piece in self.answer:
                yield "content", event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                             "delta": {"type": "text_delta", "text": piece}})
            yield "end", event("content_block_stop", {"type": "content_block_stop", "index": 0})
            yield "end", event("message_delta", {"type": "message_delta",
                                                 "delta": {"stop_reason": self.finish_reason(),
                                                           "stop_sequence": self.stop_sequence()},
                                                 "usage": {"output_tokens": completion}})
            yield "end", event("message_stop", {"type": "message_stop"})
        else:
            for piece in self.answer:
                yield "content", json.dumps(self.ollama_line(piece)) + "\n"
            yield "end", json.dumps(self.ollama_line("", done=True)) + "\n"

    def error_event(self):
        if self.protocol == "openai":
            return "data: %s\n\n" % json.dumps({"error": {"message": "The server had an error while streaming.",
                                                         "type": "server_error", "param": None, "code": None}})
        if self.protocol == "anthropic":
            return "event: error\ndata: %s\n\n" % json.dumps(
                {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
        return json.dumps({"error": "an error was encountered while running the model"}) + "\n"

    def answer_stream(self, gap=CHUNK_GAP, cut_after=None, error_after=None):
        """Writes the stream, `gap` seconds between writes; with cut_after/error_after, only that many
        answer pieces before cutting the connection / sending the error event."""
        self.h.start_stream(self.stream_type())
        limit = cut_after if cut_after is not None else error_after
        pieces = 0
        for index, (kind, data) in enumerate(self.events()):
            if limit is not None and kind != "start" and (kind == "end" or pieces >= limit):
                break
            if index > 0:
                self.h.wait(gap)
            self.h.chunk(data)
            pieces += kind == "content"
        if cut_after is not None:
            self.h.cut_connection()
            return
        if error_after is not None:
            self.h.chunk(self.error_event())
        self.h.end_chunks()

def main():
    serve(Handler, __doc__)


if __name__ == "__main__":
    main()
