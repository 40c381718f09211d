#!/usr/bin/env python3
"""Regenerate Quill's price table from LiteLLM's price map.

LiteLLM (https://github.com/BerriAI/litellm, MIT License, Copyright (c) 2023 Berri AI) keeps a
map of model prices and context windows. Its PyPI wheel ships a copy as the member
`litellm/model_prices_and_context_window_backup.json`. This script reads that map, keeps the
models of the providers Quill has (OpenAI, Anthropic, Ollama), and writes:

  stdlib/pricing.json                            the table: USD per million tokens, as exact
                                                 decimal strings, one model per line
  Sources/QuillLLM/Pricing/PricingTable.swift    the same JSON text compiled in, so every
                                                 binary carries it

Rerun it from anywhere (it writes relative to the repository root) and commit both outputs:

  python3 scripts/update-pricing.py                     # downloads the newest litellm wheel from
                                                        # PyPI (pip download --no-deps; no install)
  python3 scripts/update-pricing.py --wheel W.whl       # use a wheel you already have
  python3 scripts/update-pricing.py --json prices.json  # use a price-map JSON file directly
  ... --date 2026-11-25                                 # the "generated" date (default: today, UTC)

Prices are converted without float arithmetic: a JSON number becomes Decimal(repr(value)), a
JSON string Decimal(value), then times 1,000,000, written in plain notation without trailing
zeros (2.5e-06 -> "2.5", 1.5e-07 -> "0.15"). The map is decoded leniently: unknown fields are
ignored, and a missing, null or unreadable value counts as absent.

Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JSON_OUT = ROOT / "stdlib" / "pricing.json"
SWIFT_OUT = ROOT / "Sources" / "QuillLLM" / "Pricing" / "PricingTable.swift"

MEMBER = "litellm/model_prices_and_context_window_backup.json"

# LiteLLM's litellm_provider -> Quill's provider.
PROVIDERS = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "anthropic": "anthropic",
    "ollama": "ollama",
}
# Providers whose models are kept without prices (local models cost nothing per token).
UNPRICED_OK = {"ollama"}
MODES = {"chat", "completion", "responses", "embedding"}

# Output field -> LiteLLM field, in output order (token limits and mode follow).
PRICE_FIELDS = [
    ("input", "input_cost_per_token"),
    ("output", "output_cost_per_token"),
    ("cache_read", "cache_read_input_token_cost"),
    ("cache_write", "cache_creation_input_token_cost"),
    ("input_above_200k", "input_cost_per_token_above_200k_tokens"),
    ("output_above_200k", "output_cost_per_token_above_200k_tokens"),
]
LIMIT_FIELDS = ["max_input_tokens", "max_output_tokens"]

# Used only with --json, where no wheel (and so no LICENSE file) is at hand: the MIT notice of
# LiteLLM's LICENSE as of litellm 1.110.2.
FALLBACK_LICENSE = """MIT License

Copyright (c) 2023 Berri AI

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE."""

NOTICE_PREFIX = (
    "Prices and context windows from LiteLLM's model_prices_and_context_window.json "
    "(https://github.com/BerriAI/litellm), used under the MIT License:\n\n"
)

MILLION = Decimal(1_000_000)


def fail(message: str) -> None:
    print(f"update-pricing: {message}", file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------- reading the sources


def download_wheel(directory: Path) -> Path:
    """Downloads the newest litellm wheel (no dependencies, no install) into directory."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "litellm", "-d", str(directory)]
    print("running: " + " ".join(command[1:]), file=sys.stderr)
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        fail("pip download failed:\n" + result.stdout)
    wheels = sorted(directory.glob("litellm-*.whl"))
    if len(wheels) != 1:
        fail(f"expected one litellm wheel in {directory}, found {[w.name for w in wheels]}")
    return wheels[0]


def read_wheel(path: Path) -> tuple[bytes, str, str]:
    """Returns (price map bytes, version, LICENSE text) from a litellm wheel."""
    try:
        wheel = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        fail(f"cannot open wheel {path}: {error}")
    with wheel:
        names = wheel.namelist()
        if MEMBER not in names:
            fail(f"{path.name} has no member {MEMBER}")
        data = wheel.read(MEMBER)

        version = None
        for name in names:
            if re.fullmatch(r"litellm-[^/]+\.dist-info/METADATA", name):
                for line in wheel.read(name).decode("utf-8", "replace").splitlines():
                    if line.startswith("Version:"):
                        version = line.split(":", 1)[1].strip()
                        break
        if not version:
            match = re.match(r"litellm-([^-]+)-", path.name)
            version = match.group(1) if match else "unknown version"

        licenses = [n for n in names
                    if re.fullmatch(r"litellm-[^/]+\.dist-info/(licenses/)?LICEN[CS]E(\.\w+)?", n)]
        if not licenses:
            fail(f"{path.name} has no LICENSE in its .dist-info; cannot keep LiteLLM's notice")
        license_text = wheel.read(sorted(licenses)[0]).decode("utf-8")
    return data, version, license_text


def mit_notice(license_text: str) -> str:
    """The MIT part of LiteLLM's LICENSE (from "MIT License" on), with its copyright line."""
    text = license_text.replace("\r\n", "\n").strip()
    start = text.find("MIT License")
    if start >= 0:
        text = text[start:]
    if "Copyright" not in text or "Permission is hereby granted" not in text:
        fail("LiteLLM's LICENSE no longer looks like the MIT license with a copyright line; "
             "check it and update this script")
    return text


# ---------------------------------------------------------------- lenient decoding


def price(value: object) -> str | None:
    """USD per token (JSON number or string) -> USD per million tokens as a plain decimal string."""
    if value is None or isinstance(value, bool):
        return None
    try:
        if isinstance(value, float):
            amount = Decimal(repr(value))
        elif isinstance(value, int):
            amount = Decimal(value)
        elif isinstance(value, str):
            amount = Decimal(value.strip())
        else:
            return None
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0:
        return None
    amount = (amount * MILLION).normalize()
    if amount == 0:
        return "0"
    text = format(amount, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def token_count(value: object) -> int | None:
    """A token limit as an int; numeric strings and whole floats are accepted."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            return None
        number = int(value)
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip().replace("_", "").replace(",", ""))
        except InvalidOperation:
            return None
        if not amount.is_finite() or amount != amount.to_integral_value():
            return None
        number = int(amount)
    else:
        return None
    return number if number >= 0 else None


def model_id(key: str, litellm_provider: str, quill_provider: str) -> str:
    """The LiteLLM key without a leading "<provider>/" prefix."""
    for prefix in (litellm_provider, quill_provider):
        if key.startswith(prefix + "/"):
            return key[len(prefix) + 1:]
    return key


# ---------------------------------------------------------------- building the table


def build(price_map: object) -> tuple[dict[str, dict], list[str]]:
    if not isinstance(price_map, dict):
        fail("the price map is not a JSON object")
    models: dict[str, dict] = {}
    origin: dict[str, str] = {}
    notes: list[str] = []
    for key in sorted(price_map):
        entry = price_map[key]
        if key == "sample_spec" or not isinstance(entry, dict):
            continue
        litellm_provider = entry.get("litellm_provider")
        if not isinstance(litellm_provider, str) or litellm_provider not in PROVIDERS:
            continue
        provider = PROVIDERS[litellm_provider]
        mode = entry.get("mode")
        if mode is not None and (not isinstance(mode, str) or mode not in MODES):
            continue

        row: dict[str, object] = {}
        for out_name, field in PRICE_FIELDS:
            value = price(entry.get(field))
            if value is not None or out_name in ("input", "output"):
                row[out_name] = value
        if (row["input"] is None or row["output"] is None) and provider not in UNPRICED_OK:
            continue
        for field in LIMIT_FIELDS:
            value = token_count(entry.get(field))
            if value is not None:
                row[field] = value
        if mode is not None:
            row["mode"] = mode

        quill_key = f"{provider}:{model_id(key, litellm_provider, provider)}"
        if quill_key in models:
            notes.append(f"note: {key!r} maps to {quill_key!r} like {origin[quill_key]!r}; "
                         f"keeping {origin[quill_key]!r}")
            continue
        models[quill_key] = row
        origin[quill_key] = key
    return models, notes


def render(generated: str, source: str, notice: str, models: dict[str, dict]) -> str:
    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = [
        "{",
        f'  "generated": {dump(generated)},',
        f'  "source": {dump(source)},',
        f'  "notice": {dump(notice)},',
        f'  "unit": {dump("USD per million tokens")},',
        '  "models": {',
    ]
    keys = sorted(models)
    for index, key in enumerate(keys):
        comma = "," if index < len(keys) - 1 else ""
        lines.append(f"    {dump(key)}: {dump(models[key])}{comma}")
    lines += ["  }", "}"]
    text = "\n".join(lines) + "\n"
    # The text must be valid JSON that reads back as what was meant.
    decoded = json.loads(text)
    assert decoded["models"] == models and list(decoded["models"]) == keys
    return text


def swift_source(json_text: str) -> str:
    body = json_text.rstrip("\n")
    # Inside #"""…"""# only these could end the literal or start an escape/interpolation.
    assert '"""#' not in body, 'the JSON contains """#'
    assert "\\#" not in body, "the JSON contains \\#"
    return (
        "// Generated by scripts/update-pricing.py from LiteLLM's price map "
        "(MIT; notice in stdlib/pricing.json). Do not edit.\n"
        "\n"
        "/// The price table `stdlib/pricing.json`, compiled in so every binary carries it.\n"
        "enum PricingTable {\n"
        '    static let json = #"""\n'
        f"{body}\n"
        '"""#\n'
        "}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source_group = parser.add_mutually_exclusive_group()
    source_group.add_argument("--wheel", type=Path, help="a litellm wheel to read instead of downloading one")
    source_group.add_argument("--json", type=Path, help="a LiteLLM price-map JSON file to read directly")
    parser.add_argument("--date", help="the generated date, YYYY-MM-DD (default: today, UTC)")
    args = parser.parse_args()

    if args.date:
        try:
            generated = dt.date.fromisoformat(args.date).isoformat()
        except ValueError:
            fail(f"--date {args.date!r} is not YYYY-MM-DD")
        if generated != args.date:
            fail(f"--date {args.date!r} is not YYYY-MM-DD")
    else:
        generated = dt.datetime.now(dt.timezone.utc).date().isoformat()

    if args.json:
        try:
            data = args.json.read_bytes()
        except OSError as error:
            fail(f"cannot read {args.json}: {error}")
        source = f"{args.json.name} (a LiteLLM price map given with --json)"
        notice = NOTICE_PREFIX + FALLBACK_LICENSE
    else:
        with tempfile.TemporaryDirectory(prefix="litellm-wheel-") as directory:
            wheel = args.wheel or download_wheel(Path(directory))
            data, version, license_text = read_wheel(wheel)
        source = f"litellm {version}: {MEMBER}"
        notice = NOTICE_PREFIX + mit_notice(license_text)

    try:
        price_map = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        fail(f"the price map is not valid JSON: {error}")

    models, notes = build(price_map)
    if not models:
        fail("no models kept; has the price map's format changed?")
    json_text = render(generated, source, notice, models)
    swift_text = swift_source(json_text)

    JSON_OUT.parent.mkdir(parents=True, exist_ok=True)
    SWIFT_OUT.parent.mkdir(parents=True, exist_ok=True)
    JSON_OUT.write_text(json_text, encoding="utf-8")
    SWIFT_OUT.write_text(swift_text, encoding="utf-8")

    for note in notes:
        print(note)
    counts: dict[str, int] = {}
    for key in models:
        provider = key.split(":", 1)[0]
        counts[provider] = counts.get(provider, 0) + 1
    print(f"source:    {source}")
    print(f"generated: {generated}")
    for provider in sorted(counts):
        print(f"{provider + ':':10} {counts[provider]} models")
    print(f"{'total:':10} {len(models)} models")
    print(f"wrote {JSON_OUT.relative_to(ROOT)} ({len(json_text.encode())} bytes)")
    print(f"wrote {SWIFT_OUT.relative_to(ROOT)} ({len(swift_text.encode())} bytes)")


if __name__ == "__main__":
    main()
