"""A minimal safetensors reader and writer written from the format's
specification (8-byte little-endian header length, JSON header, raw
little-endian data), independent of Aster's C++ implementation, for tests."""

import json
import struct

import numpy as np

import aster_check

DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4",
          "U8": "u1"}


def to_bf16_bits(x):
    """float64 -> bf16 bit patterns (uint16), single rounding to even."""
    r = aster_check.bf16_round(np.asarray(x, dtype=np.float64))
    return (r.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)


def encode(array, dtype):
    if dtype == "BF16":
        return to_bf16_bits(array).astype("<u2").tobytes()
    return np.asarray(array).astype(DTYPES[dtype]).tobytes()


def write(path, tensors, metadata=None, header_override=None):
    """tensors: list of (name, dtype, array). Returns the header dict."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, array in tensors:
        data = encode(array, dtype)
        header[name] = {"dtype": dtype, "shape": list(np.shape(array)),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if header_override:
        header_override(header)
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    return header


def read(path):
    """Returns {name: float64 array}."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        chunk = data[begin:end]
        if info["dtype"] == "BF16":
            bits = np.frombuffer(chunk, "<u2").astype(np.uint32) << 16
            values = bits.view(np.float32).astype(np.float64)
        else:
            values = np.frombuffer(chunk, DTYPES[info["dtype"]]).astype(np.float64)
        out[name] = values.reshape(info["shape"])
    return out
