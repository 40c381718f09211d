"""One streaming completion read over raw HTTP, for the shutdown and disconnect tests.

Usage: python3 stream_client.py BASE_URL API_KEY MODEL MAX_TOKENS MODE
MODE "finish": print STARTED after the first content record, then read to the end and print a JSON
summary (records, whether [DONE] came, the text). MODE "disconnect": close the connection after
three content records and print a JSON summary.
"""
import http.client
import json
import sys
from urllib.parse import urlparse

base_url, api_key, model, max_tokens, mode = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
url = urlparse(base_url)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
body = {"model": model, "prompt": "1, 2, 3, 4, 5,", "max_tokens": max_tokens, "temperature": 0, "stream": True}
conn.request("POST", "/v1/completions", json.dumps(body),
             {"Content-Type": "application/json", "Authorization": "Bearer " + api_key})
response = conn.getresponse()
records, text, done, finish = 0, "", False, None
while True:
    line = response.readline()
    if not line:
        break
    line = line.decode().strip()
    if not line.startswith("data: "):
        continue
    data = line[len("data: "):]
    if data == "[DONE]":
        done = True
        break
    chunk = json.loads(data)
    records += 1
    choice = chunk["choices"][0]
    text += choice["text"]
    finish = choice["finish_reason"] or finish
    if records == 1 and mode == "finish":
        print("STARTED", flush=True)
    if records == 3 and mode == "disconnect":
        response.close()
        conn.close()
        break
print(json.dumps({"status": response.status, "records": records, "done": done, "text": text, "finish": finish}))
