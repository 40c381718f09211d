"""Many clients streaming chat completions at once with the official async openai SDK.

Usage: python3 concurrent_streams.py BASE_URL API_KEY MODEL CLIENTS MAX_TOKENS
Prints one JSON object: per client the text, chunk count, finish reason and usage; and errors.
"""
import asyncio
import json
import sys

import openai

base_url, api_key, model, clients, max_tokens = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])


async def one(client, i):
    stream = await client.chat.completions.create(
        model=model, max_tokens=max_tokens, temperature=0, stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": f"Write one sentence about the number {i}."}])
    text, chunks, finish, usage = "", 0, None, None
    async for chunk in stream:
        chunks += 1
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
            finish = chunk.choices[0].finish_reason or finish
        if chunk.usage:
            usage = chunk.usage.completion_tokens
    return {"text": text, "chunks": chunks, "finish": finish, "completion_tokens": usage}


async def main():
    client = openai.AsyncOpenAI(base_url=base_url + "/v1", api_key=api_key, max_retries=0, timeout=600)
    results = await asyncio.gather(*(one(client, i) for i in range(clients)), return_exceptions=True)
    out = {"results": [r for r in results if isinstance(r, dict)],
           "errors": [repr(r) for r in results if not isinstance(r, dict)]}
    print(json.dumps(out))


asyncio.run(main())
