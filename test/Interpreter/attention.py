# RUN: %python %s
# attention: causal and not, grouped-query (Hq = 6 with Hkv = 6, 2, 1),
# explicit scale, additive masks of shape [Sq, Skv] and [B, 1, Sq, Skv],
# Sq != Skv, Dv != D, fully masked rows.

import numpy as np

import aster_check as ac
from aster_check import T

rng = np.random.default_rng(2024)


def attention_ref(q, k, v, mask, causal, scale):
    """q [B,Hq,Sq,D], k [B,Hkv,Skv,D], v [B,Hkv,Skv,Dv]; float64."""
    b, hq, sq, d = q.shape
    hkv, skv = k.shape[1], k.shape[2]
    if scale is None:
        scale = 1.0 / np.sqrt(d)
    group = hq // hkv
    out = np.empty((b, hq, sq, v.shape[-1]))
    full_mask = (np.broadcast_to(mask, (b, hq, sq, skv)) if mask is not None
                 else np.zeros((b, hq, sq, skv)))
    for bi in range(b):
        for h in range(hq):
            kh = h // group  # query head h reads kv head h / (Hq / Hkv)
            s = q[bi, h] @ k[bi, kh].T * scale + full_mask[bi, h]
            if causal:
                i = np.arange(sq)[:, None]
                j = np.arange(skv)[None, :]
                s = np.where(j <= i, s, -np.inf)
            m = np.max(s, axis=-1, keepdims=True)
            e = np.exp(s - m)  # all -inf row: m = -inf, e = NaN
            out[bi, h] = (e / e.sum(axis=-1, keepdims=True)) @ v[bi, kh]
    return out


def mlir(sq_shape, k_shape, v_shape, mask_shape, causal, scale, elem):
    tq, tk, tv = T(sq_shape, elem), T(k_shape, elem), T(v_shape, elem)
    tr = T(sq_shape[:3] + v_shape[3:], elem)
    args = "%%q: %s, %%k: %s, %%v: %s" % (tq, tk, tv)
    types = "%s, %s, %s" % (tq, tk, tv)
    opnds = "%q, %k, %v"
    if mask_shape is not None:
        tm = T(mask_shape, elem)
        args += ", %%m: %s" % tm
        types += ", %s" % tm
        opnds += " mask %m"
    if causal:
        opnds += " causal"
    if scale is not None:
        opnds += " scale = %s" % ac.flt(scale)
    return """
func.func @forward(%s) -> %s {
  %%r = aster.attention %s : %s -> %s
  return %%r : %s
}
""" % (args, tr, opnds, types, tr, tr)


def case(b, hq, hkv, sq, skv, d, dv, mask_kind, causal, scale, elem="f32",
         rnd=None, npdt=np.float32, mask_values=None):
    q = rng.standard_normal((b, hq, sq, d)).astype(npdt)
    k = rng.standard_normal((b, hkv, skv, d)).astype(npdt)
    v = rng.standard_normal((b, hkv, skv, dv)).astype(npdt)
    mask_shape = {None: None, "2d": (sq, skv), "4d": (b, 1, sq, skv),
                  "full": (b, hq, sq, skv), "row": (skv,),
                  "heads": (1, hq, 1, skv), "col": (hq, sq, 1)}[mask_kind]
    inputs = {0: q, 1: k, 2: v}
    mask = None
    if mask_shape is not None:
        mask = (mask_values if mask_values is not None else
                rng.standard_normal(mask_shape) * 2).astype(npdt)
        # A few -inf entries (never a whole row here).
        if mask_values is None and mask.size > 3:
            mask.flat[1] = -np.inf
        inputs[3] = mask
    conv = (lambda a: a.astype(np.float64)) if rnd is None else \
        (lambda a: rnd(a.astype(np.float64)))
    exp = attention_ref(conv(q), conv(k), conv(v),
                        None if mask is None else conv(mask), causal, scale)
    (r,) = ac.run(mlir(q.shape, k.shape, v.shape, mask_shape, causal, scale,
                       elem), inputs)
    what = ("%s attention B%d Hq%d Hkv%d Sq%d Skv%d D%d Dv%d mask %s causal %d "
            "scale %s" % (elem, b, hq, hkv, sq, skv, d, dv, mask_kind, causal,
                          scale))
    if rnd is None:
        # Sums of Skv terms in the implementation's order; outputs are
        # convex combinations of v (|v| ~ 1), so 1e-12 absolute is tight.
        ac.assert_close(r, exp, rtol=1e-12, atol=1e-12, what=what)
    else:
        # One rounding at the end; bit-exact.
        ac.assert_equal(r, rnd(exp), what=what)
    return r, exp


for hkv in (6, 2, 1):
    for causal in (False, True):
        for mask_kind in (None, "2d", "4d"):
            for sq, skv in ((5, 5), (3, 7), (7, 3)):
                case(2, 6, hkv, sq, skv, 4, 3, mask_kind, causal, None)

# Explicit scales, Dv == D and Dv > D, single-row / single-key, full-shape
# and 1-D masks.
case(1, 2, 2, 4, 4, 5, 5, None, False, 0.3)
case(1, 2, 1, 4, 6, 3, 7, "2d", True, 2.0)
case(3, 4, 2, 1, 5, 2, 3, "4d", False, 1.0)
case(2, 3, 3, 5, 1, 4, 2, None, True, None)
case(2, 6, 2, 3, 4, 4, 3, "full", True, 0.5)
case(2, 6, 3, 3, 4, 4, 3, "row", False, None)
case(2, 6, 2, 3, 4, 4, 3, "heads", True, None)  # per-head (ALiBi-like)
case(2, 6, 1, 5, 4, 4, 3, "col", False, None)

# scale = 0: every visible key weighs the same.
case(1, 2, 2, 3, 4, 2, 3, None, False, 0.0)
case(1, 2, 2, 3, 4, 2, 3, None, True, 0.0)

# The head mapping, by construction: with Hkv = 2 and Hq = 6, query heads
# 0-2 read kv head 0 and 3-5 kv head 1. Give kv head 0 values 1 and kv head
# 1 values 2: every output of heads 0-2 is 1 and of heads 3-5 is 2 (an
# h % Hkv mapping would interleave them).
q = rng.standard_normal((1, 6, 3, 4)).astype(np.float32)
k = rng.standard_normal((1, 2, 5, 4)).astype(np.float32)
v = np.concatenate([np.ones((1, 1, 5, 2)), 2 * np.ones((1, 1, 5, 2))],
                   axis=1).astype(np.float32)
(r,) = ac.run(mlir(q.shape, k.shape, v.shape, None, False, None, "f32"),
              {0: q, 1: k, 2: v})
exp = np.concatenate([np.ones((1, 3, 3, 2)), 2 * np.ones((1, 3, 3, 2))], 1)
ac.assert_close(r, exp, rtol=1e-14, what="gqa head mapping")

# Causal by construction: values v[j] = j, keys all equal, so query i
# averages 0..i: output (i / 2) (top-left aligned also for Sq < Skv).
sq, skv = 3, 5
q = np.ones((1, 1, sq, 2), np.float32)
k = np.ones((1, 1, skv, 2), np.float32)
v = np.arange(skv, dtype=np.float32).reshape(1, 1, skv, 1)
(r,) = ac.run(mlir(q.shape, k.shape, v.shape, None, True, None, "f32"),
              {0: q, 1: k, 2: v})
ac.assert_close(r, (np.arange(sq) / 2.0).reshape(1, 1, sq, 1), rtol=1e-14,
                what="causal by construction")

# A row whose keys are all masked gives NaN; other rows are unaffected.
mask = np.zeros((4, 4), np.float32)
mask[2, :] = -np.inf
r, exp = case(1, 2, 2, 4, 4, 3, 3, "2d", False, None, mask_values=mask)
assert np.all(np.isnan(exp[:, :, 2])) and np.all(np.isfinite(exp[:, :, :2]))
# With causal, masking key 0 leaves query 0 with no key at all.
mask = np.zeros((2, 1, 3, 4), np.float32)
mask[:, :, :, 0] = -np.inf
r, exp = case(2, 2, 1, 3, 4, 3, 2, "4d", True, None, mask_values=mask)
assert np.all(np.isnan(exp[:, :, 0])) and np.all(np.isfinite(exp[:, :, 1:]))

# bf16 / f16.
for elem, rnd, npdt in (("bf16", ac.bf16_round, np.float32),
                        ("f16", ac.f16_round, np.float16)):
    for causal in (False, True):
        case(2, 6, 2, 3, 5, 4, 3, "4d", causal, None, elem, rnd, npdt)
        case(1, 2, 1, 5, 5, 3, 4, None, causal, 0.25, elem, rnd, npdt)

ac.done("attention")
