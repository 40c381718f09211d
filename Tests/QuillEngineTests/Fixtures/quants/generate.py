#!/usr/bin/env python3
"""Generate GGUF dequantization fixtures from the `gguf` Python package.

For each ggml type this writes, next to this script:
  <TYPE>.bin  raw block bytes exactly as they would appear in a GGUF tensor
  <TYPE>.f32  little-endian float32 values from gguf.quants.dequantize
and a manifest.json describing them. See README.md for the block layouts.

Usage:  pip install gguf numpy && python3 generate.py
Deterministic: fixed seed, and each type gets its own RNG stream, so adding a
type does not change the data of the others.
"""
from __future__ import annotations

import hashlib
import json
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType as T
from gguf import quants

SEED = 20240607
OUT = Path(__file__).resolve().parent

FLOAT_TYPES = ["F32", "F16", "BF16"]
LEGACY_TYPES = ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"]  # 32-element blocks
K_TYPES = ["Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"]       # 256-element blocks

FLOAT_ELEMENTS = 64
LEGACY_BLOCKS = 8   # 4 quantized from random normal data + 2 random + 2 complemented
K_BLOCKS = 2        # 1 random + 1 complemented (gguf has no K-quant quantizer)

# Byte offsets of the fp16 scale fields ("d", "dmin", "m") inside each block.
# Every other byte of a block is packed quant/scale bits and is filled randomly.
FP16_FIELDS = {
    "Q4_0": [0],
    "Q4_1": [0, 2],
    "Q5_0": [0],
    "Q5_1": [0, 2],
    "Q8_0": [0],
    "Q2_K": [80, 82],
    "Q3_K": [108],
    "Q4_K": [0, 2],
    "Q5_K": [0, 2],
    "Q6_K": [208],
}


def rng_for(name: str) -> np.random.Generator:
    tag = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")
    return np.random.default_rng([SEED, tag])


def random_fp16(rng: np.random.Generator, n: int, neg: int) -> np.ndarray:
    """Finite, small fp16 scales in [-0.1, 0.1]; entry `neg % n` is forced negative
    and the next one positive, so both signs always occur."""
    v = rng.uniform(0.001, 0.1, size=n) * rng.choice([-1.0, 1.0], size=n)
    v[neg % n] = -abs(v[neg % n])
    v[(neg + 1) % n] = abs(v[(neg + 1) % n])
    return v.astype(np.float16)


def random_blocks(name: str, rng: np.random.Generator, n_blocks: int) -> np.ndarray:
    """n_blocks of random bytes; the second half of the blocks are the bitwise
    complement of the first half (so every quant/scale bit is seen as both 0 and
    1), then every fp16 field is overwritten with a sane random value."""
    assert n_blocks % 2 == 0
    _, type_size = GGML_QUANT_SIZES[T[name]]
    half = rng.integers(0, 256, size=(n_blocks // 2, type_size), dtype=np.uint8)
    if name == "Q8_0":
        half[0, -1] = 0x7F  # so the complement block holds int8 -128
    blocks = np.concatenate([half, ~half], axis=0)
    for k, off in enumerate(FP16_FIELDS[name]):
        blocks[:, off:off + 2] = random_fp16(rng, n_blocks, k).reshape(n_blocks, 1).view(np.uint8)
    return blocks


def float_values(name: str, rng: np.random.Generator) -> np.ndarray:
    """64 float32 inputs: normals over a wide magnitude range plus special values."""
    n_special = 12
    mags = 10.0 ** rng.uniform(-4, 3, size=FLOAT_ELEMENTS - n_special)
    x = (rng.standard_normal(FLOAT_ELEMENTS - n_special) * mags).astype(np.float32)
    if name == "F16":
        # +0, -0, smallest/largest subnormal, smallest normal, max, +-inf, 1, -1, 0.1, -2.5
        special = np.array([0.0, -0.0, 2.0**-24, -(2.0**-14 - 2.0**-24), 2.0**-14, 65504.0,
                            np.inf, -np.inf, 1.0, -1.0, 0.1, -2.5], dtype=np.float32)
    elif name == "BF16":
        # bf16 subnormals, smallest normal, max, +-inf, values needing round-to-nearest-even
        special = np.array([0.0, -0.0, 2.0**-133, -(2.0**-126 - 2.0**-133), 2.0**-126,
                            3.3895313892515355e38, np.inf, -np.inf, 1.0, -1.0,
                            np.float32(1.0 + 2.0**-8), np.float32(1.0 + 3 * 2.0**-8)],
                           dtype=np.float32)
    else:
        special = np.array([0.0, -0.0, 1e-45, -1.1754942e-38, 1.17549435e-38,
                            3.4028235e38, np.inf, -np.inf, 1.0, -1.0, 0.1, -2.5],
                           dtype=np.float32)
    x = np.concatenate([special, x])
    assert x.size == FLOAT_ELEMENTS
    return x


def make(name: str) -> tuple[np.ndarray, list[dict]]:
    """Return (raw bytes as uint8 array, list of provenance ranges in blocks)."""
    rng = rng_for(name)
    qtype = T[name]
    if name in FLOAT_TYPES:
        raw = np.asarray(quants.quantize(float_values(name, rng), qtype))
        return raw.view(np.uint8).reshape(-1), [
            {"blocks": f"0..<{FLOAT_ELEMENTS}",
             "source": "gguf.quants.quantize of 12 special values then 52 random normals"}]
    if name in LEGACY_TYPES:
        block_size, type_size = GGML_QUANT_SIZES[qtype]
        n_q = LEGACY_BLOCKS // 2
        data = rng.standard_normal(n_q * block_size).astype(np.float32)
        data *= np.repeat(np.array([1.0, 0.01, 3.0, 0.5], dtype=np.float32), block_size)
        q = np.asarray(quants.quantize(data, qtype)).reshape(n_q, type_size)
        r = random_blocks(name, rng, LEGACY_BLOCKS - n_q)
        raw = np.concatenate([q, r], axis=0)
        return raw.reshape(-1), [
            {"blocks": f"0..<{n_q}", "source": "gguf.quants.quantize of random normal data"},
            {"blocks": f"{n_q}..<{n_q + 2}", "source": "random bytes, random fp16 scales"},
            {"blocks": f"{n_q + 2}..<{LEGACY_BLOCKS}",
             "source": "bitwise complement of the previous 2 blocks, random fp16 scales"}]
    if name in K_TYPES:
        raw = random_blocks(name, rng, K_BLOCKS)
        return raw.reshape(-1), [
            {"blocks": "0..<1", "source": "random bytes, random fp16 scales"},
            {"blocks": "1..<2",
             "source": "bitwise complement of block 0, random fp16 scales"}]
    raise ValueError(name)


def main() -> int:
    manifest = {
        "generator": "generate.py",
        "gguf_version": version("gguf"),
        "numpy_version": np.__version__,
        "seed": SEED,
        "byte_order": "little-endian (block bytes as in a GGUF file; .f32 is <f4)",
        "types": {},
    }
    total = 0
    for name in FLOAT_TYPES + LEGACY_TYPES + K_TYPES:
        qtype = T[name]
        block_size, type_size = GGML_QUANT_SIZES[qtype]
        raw, provenance = make(name)
        assert raw.dtype == np.uint8 and raw.size % type_size == 0
        n_blocks = raw.size // type_size
        deq = np.asarray(quants.dequantize(raw, qtype), dtype=np.float32).reshape(-1)
        assert deq.size == n_blocks * block_size
        assert not np.isnan(deq).any(), name
        if name not in FLOAT_TYPES:
            assert np.isfinite(deq).all(), name
        bin_bytes = raw.tobytes()
        f32_bytes = deq.astype("<f4").tobytes()
        (OUT / f"{name}.bin").write_bytes(bin_bytes)
        (OUT / f"{name}.f32").write_bytes(f32_bytes)
        total += len(bin_bytes) + len(f32_bytes)
        manifest["types"][name] = {
            "ggml_type_id": int(qtype),
            "block_size": block_size,
            "bytes_per_block": type_size,
            "n_blocks": n_blocks,
            "n_elements": int(deq.size),
            "bin": f"{name}.bin",
            "f32": f"{name}.f32",
            "bin_sha256": hashlib.sha256(bin_bytes).hexdigest(),
            "f32_sha256": hashlib.sha256(f32_bytes).hexdigest(),
            "provenance": provenance,
        }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"gguf {manifest['gguf_version']}, numpy {np.__version__}: "
          f"{len(manifest['types'])} types, {total} data bytes -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
