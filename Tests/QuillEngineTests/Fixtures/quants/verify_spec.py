#!/usr/bin/env python3
"""Check README.md's block-layout spec against the fixtures.

An independent, deliberately scalar re-implementation of each dequantization,
written from README.md (not from gguf's vectorised code). For every type it
must reproduce <TYPE>.f32 bit for bit, and the .f32 files must still equal
gguf.quants.dequantize(<TYPE>.bin) for the installed gguf.

Usage:  python3 verify_spec.py    (exit status 0 when everything matches)
"""
from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
f32 = np.float32


def f16(b: bytes, off: int) -> np.float32:
    return f32(struct.unpack_from("<e", b, off)[0])


def u32(b: bytes, off: int) -> int:
    return struct.unpack_from("<I", b, off)[0]


def i8(x: int) -> int:
    return x - 256 if x >= 128 else x


# --- one function per type: (block bytes) -> list of float32 ------------------

def deq_f32(b):
    return [f32(struct.unpack_from("<f", b, 0)[0])]


def deq_f16(b):
    return [f16(b, 0)]


def deq_bf16(b):
    bits = struct.unpack_from("<H", b, 0)[0] << 16
    return [np.array([bits], dtype=np.uint32).view(np.float32)[0]]


def deq_q4_0(b):
    d, qs = f16(b, 0), b[2:18]
    out = [f32(0)] * 32
    for j in range(16):
        out[j] = d * f32((qs[j] & 0xF) - 8)
        out[j + 16] = d * f32((qs[j] >> 4) - 8)
    return out


def deq_q4_1(b):
    d, m, qs = f16(b, 0), f16(b, 2), b[4:20]
    out = [f32(0)] * 32
    for j in range(16):
        out[j] = d * f32(qs[j] & 0xF) + m
        out[j + 16] = d * f32(qs[j] >> 4) + m
    return out


def deq_q5_0(b):
    d, qh, qs = f16(b, 0), u32(b, 2), b[6:22]
    out = [f32(0)] * 32
    for j in range(16):
        lo = (qs[j] & 0xF) | (((qh >> j) & 1) << 4)
        hi = (qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)
        out[j] = d * f32(lo - 16)
        out[j + 16] = d * f32(hi - 16)
    return out


def deq_q5_1(b):
    d, m, qh, qs = f16(b, 0), f16(b, 2), u32(b, 4), b[8:24]
    out = [f32(0)] * 32
    for j in range(16):
        lo = (qs[j] & 0xF) | (((qh >> j) & 1) << 4)
        hi = (qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)
        out[j] = d * f32(lo) + m
        out[j + 16] = d * f32(hi) + m
    return out


def deq_q8_0(b):
    d = f16(b, 0)
    return [d * f32(i8(b[2 + j])) for j in range(32)]


def deq_q2_k(b):
    scales, qs, d, dmin = b[0:16], b[16:80], f16(b, 80), f16(b, 82)
    out = []
    for e in range(256):
        h, s, l = e // 128, (e % 128) // 32, e % 32
        q = (qs[32 * h + l] >> (2 * s)) & 3
        sc = scales[e // 16]
        out.append(d * f32(sc & 0xF) * f32(q) - dmin * f32(sc >> 4))
    return out


def q3_k_scale(sc12: bytes, i: int) -> int:
    low = sc12[i] & 0xF if i < 8 else sc12[i - 8] >> 4
    high = (sc12[8 + i % 4] >> (2 * (i // 4))) & 3
    return (low | (high << 4)) - 32


def deq_q3_k(b):
    hmask, qs, sc12, d = b[0:32], b[32:96], b[96:108], f16(b, 108)
    out = []
    for e in range(256):
        h, s, l = e // 128, (e % 128) // 32, e % 32
        low2 = (qs[32 * h + l] >> (2 * s)) & 3
        hbit = (hmask[l] >> (e // 32)) & 1
        q = low2 - (0 if hbit else 4)
        out.append(d * f32(q3_k_scale(sc12, e // 16)) * f32(q))
    return out


def get_scale_min_k4(j: int, s: bytes) -> tuple[int, int]:
    if j < 4:
        return s[j] & 63, s[j + 4] & 63
    return ((s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4),
            (s[j + 4] >> 4) | ((s[j] >> 6) << 4))


def deq_q4_k(b):
    d, dmin, s, qs = f16(b, 0), f16(b, 2), b[4:16], b[16:144]
    out = []
    for e in range(256):
        c, half, l = e // 64, (e % 64) // 32, e % 32
        q = (qs[32 * c + l] >> (4 * half)) & 0xF
        sc, mn = get_scale_min_k4(e // 32, s)
        out.append(d * f32(sc) * f32(q) - dmin * f32(mn))
    return out


def deq_q5_k(b):
    d, dmin, s, qh, qs = f16(b, 0), f16(b, 2), b[4:16], b[16:48], b[48:176]
    out = []
    for e in range(256):
        c, half, l = e // 64, (e % 64) // 32, e % 32
        q = ((qs[32 * c + l] >> (4 * half)) & 0xF) | (((qh[l] >> (e // 32)) & 1) << 4)
        sc, mn = get_scale_min_k4(e // 32, s)
        out.append(d * f32(sc) * f32(q) - dmin * f32(mn))
    return out


def deq_q6_k(b):
    ql, qh, scales, d = b[0:128], b[128:192], b[192:208], f16(b, 208)
    out = []
    for e in range(256):
        h, r = e // 128, e % 128
        s, l = r // 32, r % 32
        low4 = (ql[64 * h + 32 * (s % 2) + l] >> (4 * (s // 2))) & 0xF
        high2 = (qh[32 * h + l] >> (2 * s)) & 3
        q = (low4 | (high2 << 4)) - 32
        out.append(d * f32(i8(scales[e // 16])) * f32(q))
    return out


SPEC = {
    "F32": deq_f32, "F16": deq_f16, "BF16": deq_bf16,
    "Q4_0": deq_q4_0, "Q4_1": deq_q4_1, "Q5_0": deq_q5_0, "Q5_1": deq_q5_1,
    "Q8_0": deq_q8_0, "Q2_K": deq_q2_k, "Q3_K": deq_q3_k, "Q4_K": deq_q4_k,
    "Q5_K": deq_q5_k, "Q6_K": deq_q6_k,
}


def bits(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float32).view(np.uint32)


def main() -> int:
    manifest = json.loads((HERE / "manifest.json").read_text())
    try:
        from gguf import GGMLQuantizationType, quants
    except ImportError:
        quants = None
        print("gguf not installed: checking the spec against the .f32 files only")
    failed = 0
    for name, t in manifest["types"].items():
        raw = (HERE / t["bin"]).read_bytes()
        want = np.fromfile(HERE / t["f32"], dtype="<f4")
        tsize = t["bytes_per_block"]
        assert len(raw) == t["n_blocks"] * tsize and want.size == t["n_elements"], name
        with np.errstate(over="ignore"):
            got = [v for k in range(t["n_blocks"])
                   for v in SPEC[name](raw[k * tsize:(k + 1) * tsize])]
        ok = np.array_equal(bits(got), bits(want))
        msg = f"{name:5s} spec {'==' if ok else '!='} .f32 (bitwise, {want.size} values)"
        if quants is not None:
            ref = quants.dequantize(np.frombuffer(raw, dtype=np.uint8),
                                    GGMLQuantizationType[name])
            ok_ref = np.array_equal(bits(np.asarray(ref).reshape(-1)), bits(want))
            msg += f"; gguf {'==' if ok_ref else '!='} .f32"
            ok = ok and ok_ref
        print(msg)
        failed += not ok
    print("OK" if not failed else f"{failed} type(s) FAILED")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
