"""The official openai SDK against a running `quill serve` (QuillServerTests.PythonSDKTests).

Usage: python3 openai_sdk.py BASE_URL API_KEY MODEL
Prints one JSON object with what each call returned; the Swift test checks it.
"""
import base64
import json
import struct
import sys

import openai

base_url, api_key, model = sys.argv[1], sys.argv[2], sys.argv[3]
client = openai.OpenAI(base_url=base_url + "/v1", api_key=api_key, max_retries=0)
out = {"sdk": openai.__version__}
question = [{"role": "user", "content": "What is the capital of France?"}]

# Non-streaming chat, greedy, with log-probabilities.
r = client.chat.completions.create(model=model, messages=question, max_tokens=24, temperature=0,
                                   logprobs=True, top_logprobs=3)
out["chat"] = {
    "id": r.id, "object": r.object, "model": r.model, "content": r.choices[0].message.content,
    "role": r.choices[0].message.role, "finish_reason": r.choices[0].finish_reason,
    "usage": r.usage.model_dump(), "logprob_tokens": len(r.choices[0].logprobs.content),
    "top_logprobs": [len(t.top_logprobs) for t in r.choices[0].logprobs.content],
}

# The same request streamed, usage asked for: role delta first, usage chunk last.
chunks = list(client.chat.completions.create(model=model, messages=question, max_completion_tokens=24, temperature=0,
                                             stream=True, stream_options={"include_usage": True}))
text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
out["stream"] = {
    "content": text, "chunks": len(chunks),
    "first_role": chunks[0].choices[0].delta.role,
    "finish_reason": [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason][-1],
    "usage_in_every_chunk_but_last_is_null": all(c.usage is None for c in chunks[:-1]),
    "last_choices": len(chunks[-1].choices), "usage": chunks[-1].usage.model_dump() if chunks[-1].usage else None,
}

# Structured output: a JSON schema enforced while decoding.
schema = {"type": "object", "properties": {"city": {"type": "string"}, "population": {"type": "integer"},
                                           "capital": {"type": "boolean"}},
          "required": ["city", "population", "capital"], "additionalProperties": False}
r = client.chat.completions.create(model=model, temperature=0, max_tokens=120,
                                   messages=[{"role": "user", "content": "Describe Paris as JSON."}],
                                   response_format={"type": "json_schema",
                                                    "json_schema": {"name": "city", "schema": schema, "strict": True}})
out["json_schema"] = {"content": r.choices[0].message.content, "finish_reason": r.choices[0].finish_reason,
                      "schema": schema}

# n choices, a seed and a stop string.
r = client.chat.completions.create(model=model, messages=question, max_tokens=12, temperature=0.9, seed=7, n=3,
                                   stop=["\n"])
out["n"] = {"choices": [c.message.content for c in r.choices], "indexes": [c.index for c in r.choices],
            "usage": r.usage.model_dump()}

# Legacy completions with a list of prompts.
r = client.completions.create(model=model, prompt=["The capital of France is", "1, 2, 3,"], max_tokens=8, temperature=0)
out["completions"] = {"texts": [c.text for c in r.choices], "finish": [c.finish_reason for c in r.choices],
                      "usage": r.usage.model_dump()}

# Models.
models = client.models.list()
out["models"] = [m.id for m in models.data]
out["model"] = client.models.retrieve(model).id

# Embeddings: the SDK's default (base64, decoded by the SDK) and explicit floats.
texts = ["The quick brown fox jumps over the lazy dog.", "Paris is the capital of France."]
default = client.embeddings.create(model=model, input=texts)
floats = client.embeddings.create(model=model, input=texts, encoding_format="float")
raw = client.embeddings.with_raw_response.create(model=model, input=texts[0])
raw_b64 = json.loads(raw.http_response.text)["data"][0]["embedding"]
decoded = list(struct.unpack("<%df" % (len(base64.b64decode(raw_b64)) // 4), base64.b64decode(raw_b64)))
out["embeddings"] = {
    "default": [d.embedding for d in default.data], "float": [d.embedding for d in floats.data],
    "raw_base64_decoded": decoded, "usage": default.usage.model_dump(),
}

# Errors come back as the SDK's typed exceptions.
try:
    client.chat.completions.create(model="no-such-model", messages=question, max_tokens=4)
    out["not_found"] = None
except openai.NotFoundError as e:
    out["not_found"] = {"status": e.status_code, "message": e.message, "code": e.code}
try:
    client.chat.completions.create(model=model, messages=question, temperature="hot")
    out["bad_request"] = None
except openai.BadRequestError as e:
    out["bad_request"] = {"status": e.status_code, "message": e.message, "param": e.param}

print(json.dumps(out))
