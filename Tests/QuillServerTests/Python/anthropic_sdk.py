"""The official anthropic SDK against a running `quill serve` (QuillServerTests.PythonSDKTests).

Usage: python3 anthropic_sdk.py BASE_URL API_KEY MODEL
Prints one JSON object with what each call returned; the Swift test checks it.
"""
import json
import sys

import anthropic

base_url, api_key, model = sys.argv[1], sys.argv[2], sys.argv[3]
out = {"sdk": anthropic.__version__}
question = [{"role": "user", "content": "What is the capital of France?"}]

# The current SDK: Authorization: Bearer and anthropic-version 2026-10-21.
client = anthropic.Anthropic(base_url=base_url, api_key=api_key, max_retries=0)
m = client.messages.create(model=model, max_tokens=24, messages=question, system="Answer in one sentence.")
out["message"] = {"id": m.id, "type": m.type, "role": m.role, "model": m.model, "text": m.content[0].text,
                  "content_types": [b.type for b in m.content], "stop_reason": m.stop_reason,
                  "usage": m.usage.model_dump()}

# Streaming with the SDK's helper, and the raw events in order.
with client.messages.stream(model=model, max_tokens=24, messages=question, system="Answer in one sentence.") as s:
    streamed = "".join(s.text_stream)
    final = s.get_final_message()
out["stream"] = {"text": streamed, "final_text": final.content[0].text, "stop_reason": final.stop_reason,
                 "usage": final.usage.model_dump()}
events = client.messages.create(model=model, max_tokens=8, messages=question, stream=True)
out["events"] = [e.type for e in events]

# The older protocol: x-api-key and anthropic-version 2023-06-01 (what SDK 1.x and earlier send),
# with sampling settings, which only that version accepts (SDK 2.x has no parameters for them,
# so they go in extra_body as an older SDK would send them).
old = anthropic.Anthropic(base_url=base_url, api_key=api_key, max_retries=0,
                          default_headers={"anthropic-version": "2023-06-01", "x-api-key": api_key,
                                           "Authorization": anthropic.Omit()})
m = old.messages.with_raw_response.create(model=model, max_tokens=16, messages=question, extra_body={"temperature": 0, "top_k": 1},
                                          system=[{"type": "text", "text": "Answer in one sentence."}])
out["old_protocol"] = {"sent": {k: m.http_request.headers.get(k) for k in ["x-api-key", "authorization", "anthropic-version"]},
                       "text": m.parse().content[0].text, "stop_reason": m.parse().stop_reason}

# A stop sequence, greedy (so under 2023-06-01): the text ends before it.
m = old.messages.create(model=model, max_tokens=24, messages=question, stop_sequences=["Paris"],
                        extra_body={"temperature": 0})
out["stop"] = {"text": m.content[0].text, "stop_reason": m.stop_reason, "stop_sequence": m.stop_sequence}

# Under 2026-10-21, temperature is refused.
try:
    client.messages.create(model=model, max_tokens=8, messages=question, extra_body={"temperature": 0.5})
    out["temperature_2026"] = None
except anthropic.BadRequestError as e:
    out["temperature_2026"] = {"status": e.status_code, "type": e.body["error"]["type"], "message": e.body["error"]["message"]}

# A wrong key.
try:
    anthropic.Anthropic(base_url=base_url, api_key="wrong-" + api_key, max_retries=0).messages.create(
        model=model, max_tokens=8, messages=question)
    out["wrong_key"] = None
except anthropic.AuthenticationError as e:
    out["wrong_key"] = {"status": e.status_code, "type": e.body["error"]["type"]}

print(json.dumps(out))
