# Encode and decode a nested structure 10,000 times with the built-in json module.
import json


def make_data():
    items = []
    for i in range(10):
        items.append({
            "name": "item" + str(i),
            "id": i,
            "price": i * 1.5 + 0.25,
            "active": i % 2 == 0,
            "tags": ["red", "green", "t" + str(i)],
            "dims": [i, i + 1, [i * 2, "x"]],
        })
    return {
        "name": "catalog",
        "version": 3,
        "seq": 0,
        "scale": 2.0,
        "items": items,
        "meta": {"count": 10, "ratio": 0.5, "ok": True, "note": "say \"hi\"\n\tbye"},
    }


def main():
    data = make_data()
    total_len = 0
    seq_sum = 0
    last = None
    for k in range(10000):
        data["seq"] = k
        text = json.dumps(data)
        total_len += len(text)
        last = json.loads(text)
        seq_sum += last["seq"]
    print(total_len)
    print(seq_sum)
    print(last["items"][9]["price"])
    print(last["items"][9]["tags"][2])
    print(last["scale"])
    print(len(last["meta"]["note"]))
    print(json.dumps(data["items"][3]))


main()
