# RUN: %python %s
# The ops that training steps use (AsterTrainingOps.td), against numpy in
# float64 from their descriptions: sin, cos; scatter_add (repeated indices
# accumulate, negative indices, out-of-range index an error); insert_slice
# with steps; attention_fwd (result of aster.attention, lse per row, causal,
# grouped heads, masks) and attention_bwd (dq, dk, dv from the formulas of
# its description, grouped-query heads summed); layer_norm_fwd/bwd and
# rms_norm_fwd/bwd (statistics and gradients); cross_entropy_fwd (lse, 0
# where ignored) and cross_entropy_bwd (mean, sum, none, ignored
# positions); rope with `inverse` (rotation by the negated angle).
#
# The backward references below follow the formulas of the descriptions;
# they were checked against central finite differences of the forward
# references while writing this test.

import numpy as np

import aster_check as ac
from aster_check import T

rng = np.random.default_rng(20250)


def func(args, body, results):
    """An @forward taking `args` [(name, type)] and returning `results`
    [(value name, type)], with `body` the lines in between."""
    sig = ", ".join("%%%s: %s" % a for a in args)
    rtypes = ", ".join(t for _, t in results)
    return """
func.func @forward(%s) -> (%s) {
%s
  return %s : %s
}
""" % (sig, rtypes, body, ", ".join("%" + v for v, _ in results), rtypes)


def f32(a):
    return np.asarray(a).astype(np.float32)


def f64(a):
    return np.asarray(a).astype(np.float64)


# ---------------------------------------------------------------------------
# sin, cos
# ---------------------------------------------------------------------------

x = f32(rng.standard_normal((3, 7)) * 4)
x.flat[:6] = [0.0, np.pi, -np.pi / 2, 100.0, -1000.0, 1e-30]
t = T(x.shape)
text = func([("x", t)], """  %s = aster.sin %x : {t}
  %c = aster.cos %x : {t}""".format(t=t), [("s", t), ("c", t)])
s, c = ac.run(text, {0: x})
ac.assert_close(s, np.sin(f64(x)), rtol=1e-12, atol=1e-300, what="sin f32")
ac.assert_close(c, np.cos(f64(x)), rtol=1e-12, what="cos f32")

# bf16 / f16: one rounding of the exact value; bit-exact.
for elem, rnd, npdt in (("bf16", ac.bf16_round, np.float32),
                        ("f16", ac.f16_round, np.float16)):
    x = (rng.standard_normal((5, 3)) * 3).astype(npdt)
    t = T(x.shape, elem)
    text = func([("x", t)], """  %s = aster.sin %x : {t}
  %c = aster.cos %x : {t}""".format(t=t), [("s", t), ("c", t)])
    s, c = ac.run(text, {0: x})
    xr = rnd(f64(x))
    ac.assert_equal(s, rnd(np.sin(xr)), what="sin %s" % elem)
    ac.assert_equal(c, rnd(np.cos(xr)), what="cos %s" % elem)

# ---------------------------------------------------------------------------
# scatter_add
# ---------------------------------------------------------------------------


def scatter_add_ref(updates, idx, axis, shape):
    """zeros(shape), then result[i..., idx[j...], k...] += updates[i...,
    j..., k...]; a negative index counts from the end."""
    res = np.zeros(shape)
    n = shape[axis]
    pre = (slice(None),) * axis
    for j in np.ndindex(idx.shape):
        t_ = int(idx[j])
        res[pre + (t_ + n if t_ < 0 else t_,)] += updates[pre + j]
    return res


def scatter_add_text(ushape, ishape, ielem, axis, rshape, elem="f32"):
    tu, ti, tr = T(ushape, elem), T(ishape, ielem), T(rshape, elem)
    return func([("u", tu), ("i", ti)],
                "  %%r = aster.scatter_add %%u[%%i] axis = %d : %s, %s -> %s"
                % (axis, tu, ti, tr), [("r", tr)])


def scatter_add_case(rshape, axis, idx, ielem, what):
    ushape = rshape[:axis] + idx.shape + rshape[axis + 1:]
    u = f32(rng.standard_normal(ushape))
    idx = idx.astype(np.int32 if ielem == "i32" else np.int64)
    (r,) = ac.run(scatter_add_text(ushape, idx.shape, ielem, axis, rshape),
                  {0: u, 1: idx})
    # A few f32 values summed in f64 are exact whatever the order.
    ac.assert_close(r, scatter_add_ref(f64(u), idx, axis, rshape), rtol=1e-12,
                    what="scatter_add " + what)
    return u, idx, r


for ielem in ("i32", "i64"):
    # The adjoint of an embedding lookup: axis 0, 2-D ids, repeats
    # (id 3 three times) and negative ids (-1 is row 10, -11 is row 0).
    ids = rng.integers(0, 11, (2, 7))
    ids[0, 0] = ids[1, 3] = ids[0, 5] = 3
    ids[1, 1], ids[1, 6] = -1, -11
    scatter_add_case((11, 5), 0, ids, ielem, "axis 0 %s" % ielem)
    # axis 1 of three, 1-D indices covering [-5, 5) with repeats.
    idx = np.array([4, -1, 0, -5, 2, 2, -3, 1, 4])
    scatter_add_case((3, 5, 2), 1, idx, ielem, "axis 1 %s" % ielem)
    # axis 1 with 2-D indices: updates [4, 2, 3, 5].
    idx = np.array([[0, 2, -1], [2, 2, 1]])
    scatter_add_case((4, 3, 5), 1, idx, ielem, "axis 1 2-D %s" % ielem)
    # The last axis with a scalar index: updates lose that dimension.
    scatter_add_case((2, 3, 7), 2, np.array(-2), ielem,
                     "scalar index %s" % ielem)

# Repeated indices by hand: every update is 1, so each entry counts how
# often its index occurs.
idx = np.array([2, 0, 2, -1, 2], np.int32)
(r,) = ac.run(scatter_add_text((5, 2), (5,), "i32", 0, (4, 2)),
              {0: np.ones((5, 2), np.float32), 1: idx})
ac.assert_equal(r, np.array([[1, 1], [0, 0], [3, 3], [1, 1]], np.float64),
                what="scatter_add counts repeats")

# Adjoint of gather: <gather(x, idx), u> = <x, scatter_add(u, idx)>.
x = f32(rng.standard_normal((3, 6, 2)))
idx = np.array([[5, -6], [0, 5], [-1, 3]], np.int64)
u = f32(rng.standard_normal((3, 3, 2, 2)))
tx, ti, tu = T(x.shape), T(idx.shape, "i64"), T(u.shape)
text = func([("x", tx), ("i", ti), ("u", tu)], """  %g = aster.gather %x[%i] axis = 1 : {tx}, {ti} -> {tu}
  %s = aster.scatter_add %u[%i] axis = 1 : {tu}, {ti} -> {tx}""".format(
    tx=tx, ti=ti, tu=tu), [("g", tu), ("s", tx)])
g, s = ac.run(text, {0: x, 1: idx, 2: u})
ac.assert_close((g * f64(u)).sum(), (f64(x) * s).sum(), rtol=1e-12,
                what="scatter_add is gather's adjoint")

# bf16 with distinct indices (no sums): the updates land exactly.
u = rng.standard_normal((4, 3)).astype(np.float32)
idx = np.array([6, 0, -2, 3], np.int32)
(r,) = ac.run(scatter_add_text((4, 3), (4,), "i32", 0, (7, 3), "bf16"),
              {0: u, 1: idx})
ac.assert_equal(r, scatter_add_ref(ac.bf16_round(f64(u)), idx, 0, (7, 3)),
                what="scatter_add bf16")

# An index outside [-n, n) is an error at run time (one diagnostic).
text = scatter_add_text((3, 2, 2), (2,), "i32", 1, (3, 5, 2))
u = np.ones((3, 2, 2), np.float32)
for bad, pos in ((5, 1), (-6, 0)):
    idx = np.array([1, bad] if pos == 1 else [bad, 1], np.int32)
    ac.run_expect_error(text, {0: u, 1: idx},
                        "index %d at position %d is outside [-5, 5) for axis 1"
                        % (bad, pos), one_line=False)
text = scatter_add_text((4, 3), (4,), "i64", 0, (7, 3))
ac.run_expect_error(text, {0: np.ones((4, 3), np.float32),
                           1: np.array([0, 1, 7, 2], np.int64)},
                    "index 7 at position 2 is outside [-7, 7) for axis 0",
                    one_line=False)

# ---------------------------------------------------------------------------
# insert_slice
# ---------------------------------------------------------------------------


def slice_shape(start, limit, step):
    return tuple(-(-(l - s) // st) for s, l, st in zip(start, limit, step))


def insert_slice_ref(src, start, limit, step, shape):
    r = np.zeros(shape)
    r[tuple(slice(s, l, st) for s, l, st in zip(start, limit, step))] = src
    return r


def insert_slice_case(shape, start, limit, step, elem="f32", rnd=None):
    steps = step if step is not None else [1] * len(shape)
    sshape = slice_shape(start, limit, steps)
    src = f32(rng.standard_normal(sshape))
    ts, tr = T(sshape, elem), T(shape, elem)
    attrs = "[%s] to [%s]" % (", ".join(map(str, start)),
                              ", ".join(map(str, limit)))
    if step is not None:
        attrs += " step [%s]" % ", ".join(map(str, step))
    # insert_slice, then the slice with the same attributes reads the
    # source back.
    text = func([("s", ts)], """  %r = aster.insert_slice %s {a} : {ts} -> {tr}
  %b = aster.slice %r {a} : {tr} -> {ts}""".format(a=attrs, ts=ts, tr=tr),
                [("r", tr), ("b", ts)])
    r, b = ac.run(text, {0: src})
    s64 = f64(src) if rnd is None else rnd(f64(src))
    what = "insert_slice %s %s %s %s %s" % (shape, start, limit, step, elem)
    ac.assert_equal(r, insert_slice_ref(s64, start, limit, steps, shape),
                    what=what)
    ac.assert_equal(b, s64, what=what + " (slice reads it back)")


insert_slice_case((5, 4, 7), [1, 0, 2], [5, 4, 7], [2, 3, 2])
insert_slice_case((4, 6), [1, 2], [3, 5], None)
insert_slice_case((9,), [1], [8], [3])           # 1, 4, 7
insert_slice_case((9,), [2], [9], [4])           # 2, 6
insert_slice_case((3, 5), [0, 0], [3, 5], None)  # the whole tensor
insert_slice_case((3, 5), [0, 1], [3, 5], [5, 1])  # step beyond the size
insert_slice_case((2, 5, 3), [1, 4, 0], [2, 5, 3], [1, 1, 2])
insert_slice_case((6, 5), [1, 0], [6, 5], [2, 2], "bf16", ac.bf16_round)

# ---------------------------------------------------------------------------
# attention_fwd, attention_bwd
# ---------------------------------------------------------------------------


def attn_scores(q, k, mask, causal, scale):
    """Scaled, masked scores [B, Hq, Sq, Skv]; query head h reads kv head
    h // (Hq / Hkv); -inf where causal hides a key."""
    hq, d = q.shape[1], q.shape[3]
    hkv, sq, skv = k.shape[1], q.shape[2], k.shape[2]
    if scale is None:
        scale = 1.0 / np.sqrt(d)
    s = np.einsum("bhid,bhjd->bhij", q, np.repeat(k, hq // hkv, axis=1))
    s = s * scale
    if mask is not None:
        s = s + np.broadcast_to(mask, s.shape)
    if causal:
        s = np.where(np.arange(skv)[None, :] <= np.arange(sq)[:, None], s,
                     -np.inf)
    return s, scale


def attention_fwd_ref(q, k, v, mask, causal, scale):
    s, _ = attn_scores(q, k, mask, causal, scale)
    m = s.max(axis=-1, keepdims=True)
    # A row with every key hidden: sum exp = 0, so lse = log(0) = -inf and
    # the result 0 / 0 = NaN.
    m = np.where(m == -np.inf, 0.0, m)
    e = np.exp(s - m)
    tot = e.sum(axis=-1, keepdims=True)
    lse = (m + np.log(tot))[..., 0]
    vv = np.repeat(v, q.shape[1] // k.shape[1], axis=1)
    return np.einsum("bhij,bhjd->bhid", e / tot, vv), lse


def attention_bwd_ref(q, k, v, o, lse, g, mask, causal, scale):
    """p = exp(s - lse); D_i = sum_p g[i, p] o[i, p]; dS = p (g v^T - D);
    dq = scale dS k, dk = scale dS^T q, dv = p^T g, dk and dv summed over
    the query heads of a group."""
    b, hq = q.shape[:2]
    hkv, skv = k.shape[1], k.shape[2]
    group = hq // hkv
    s, scale = attn_scores(q, k, mask, causal, scale)
    p = np.exp(s - lse[..., None])
    kk, vv = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
    dd = (g * o).sum(axis=-1)
    ds = p * (np.einsum("bhid,bhjd->bhij", g, vv) - dd[..., None])
    dq = scale * np.einsum("bhij,bhjd->bhid", ds, kk)
    dk = scale * np.einsum("bhij,bhid->bhjd", ds, q)
    dv = np.einsum("bhij,bhid->bhjd", p, g)
    return (dq, dk.reshape(b, hkv, group, skv, -1).sum(axis=2),
            dv.reshape(b, hkv, group, skv, -1).sum(axis=2))


def attn_suffix(mask_shape, causal, scale, elem):
    opnds, types = "", ""
    if mask_shape is not None:
        opnds += " mask %m"
        types = ", " + T(mask_shape, elem)
    if causal:
        opnds += " causal"
    if scale is not None:
        opnds += " scale = %s" % ac.flt(scale)
    return opnds, types


def attn_inputs(b, hq, hkv, sq, skv, d, dv, mask_kind, npdt=np.float32):
    q = rng.standard_normal((b, hq, sq, d)).astype(npdt)
    k = rng.standard_normal((b, hkv, skv, d)).astype(npdt)
    v = rng.standard_normal((b, hkv, skv, dv)).astype(npdt)
    mask_shape = {None: None, "2d": (sq, skv), "4d": (b, 1, sq, skv),
                  "heads": (1, hq, 1, skv)}[mask_kind]
    mask = None
    if mask_shape is not None:
        mask = (rng.standard_normal(mask_shape) * 2).astype(npdt)
        mask.flat[1] = -np.inf  # one hidden key, never a whole row
    return q, k, v, mask


def attention_fwd_case(b, hq, hkv, sq, skv, d, dv, mask_kind, causal, scale,
                       elem="f32", rnd=None, npdt=np.float32):
    q, k, v, mask = attn_inputs(b, hq, hkv, sq, skv, d, dv, mask_kind, npdt)
    tq, tk, tv = T(q.shape, elem), T(k.shape, elem), T(v.shape, elem)
    to, tl = T((b, hq, sq, dv), elem), T((b, hq, sq))
    args = [("q", tq), ("k", tk), ("v", tv)]
    inputs = {0: q, 1: k, 2: v}
    if mask is not None:
        args.append(("m", T(mask.shape, elem)))
        inputs[3] = mask
    opnds, mtype = attn_suffix(None if mask is None else mask.shape, causal,
                               scale, elem)
    text = func(args, """  %o, %l = aster.attention_fwd %q, %k, %v{o} : {tq}, {tk}, {tv}{mt} -> {to}, {tl}
  %a = aster.attention %q, %k, %v{o} : {tq}, {tk}, {tv}{mt} -> {to}""".format(
        o=opnds, tq=tq, tk=tk, tv=tv, mt=mtype, to=to, tl=tl),
        [("o", to), ("l", tl), ("a", to)])
    o, lse, a = ac.run(text, inputs)
    conv = f64 if rnd is None else (lambda z: rnd(f64(z)))
    eo, else_ = attention_fwd_ref(conv(q), conv(k), conv(v),
                                  None if mask is None else conv(mask),
                                  causal, scale)
    what = ("%s attention_fwd B%d Hq%d Hkv%d Sq%d Skv%d D%d Dv%d mask %s "
            "causal %d scale %s" % (elem, b, hq, hkv, sq, skv, d, dv,
                                    mask_kind, causal, scale))
    if rnd is None:
        ac.assert_close(o, eo, rtol=1e-12, atol=1e-12, what=what + " result")
    else:
        ac.assert_equal(o, rnd(eo), what=what + " result")
    # lse is f32 (held in f64): no 16-bit rounding whatever the inputs.
    ac.assert_close(lse, else_, rtol=1e-12, atol=1e-12, what=what + " lse")
    ac.assert_close(o, a, rtol=1e-13, atol=1e-14,
                    what=what + " result = aster.attention's")


SEQS = ((5, 5), (3, 7), (7, 3))
n = 0
for hkv in (6, 2, 1):
    for causal in (False, True):
        for mask_kind in (None, "2d", "4d"):
            sq, skv = SEQS[n % 3]
            n += 1
            attention_fwd_case(2, 6, hkv, sq, skv, 4, 3, mask_kind, causal,
                               None)
attention_fwd_case(1, 2, 2, 4, 6, 5, 5, None, False, 0.3)
attention_fwd_case(2, 4, 2, 3, 5, 3, 7, "heads", True, 1.5)
attention_fwd_case(1, 3, 1, 1, 4, 2, 3, None, True, None)  # one query
attention_fwd_case(2, 6, 2, 3, 5, 4, 3, "4d", True, None, "bf16",
                   ac.bf16_round)
attention_fwd_case(1, 2, 1, 5, 5, 3, 4, None, False, 0.25, "f16",
                   ac.f16_round, np.float16)

# lse by hand: q . k = 0 for every key, so every score is 0 and
# lse = log(Skv); with causal, row i sees i + 1 keys: lse = log(i + 1).
q = np.zeros((1, 1, 4, 2), np.float32)
k = f32(rng.standard_normal((1, 1, 4, 2)))
for causal in (False, True):
    opnds, _ = attn_suffix(None, causal, None, "f32")
    t4, tl = T((1, 1, 4, 2)), T((1, 1, 4))
    text = func([("q", t4), ("k", t4)],
                "  %%o, %%l = aster.attention_fwd %%q, %%k, %%k%s : %s, %s, %s -> %s, %s"
                % (opnds, t4, t4, t4, t4, tl), [("l", tl)])
    (lse,) = ac.run(text, {0: q, 1: k})
    exp = np.log(np.arange(1, 5) if causal else np.full(4, 4.0))
    ac.assert_close(lse, exp.reshape(1, 1, 4), rtol=1e-14, atol=1e-15,
                    what="attention_fwd lse by hand causal %d" % causal)

# A row whose keys are all masked: its result is NaN (as aster.attention),
# and its lse is log(sum of no exp) = log(0) = -inf; other rows unaffected.
q, k, v, _ = attn_inputs(1, 2, 2, 4, 4, 3, 3, None)
mask = np.zeros((4, 4), np.float32)
mask[2, :] = -np.inf
t4, tm, tl = T(q.shape), T(mask.shape), T((1, 2, 4))
text = func([("q", t4), ("k", t4), ("v", t4), ("m", tm)],
            "  %%o, %%l = aster.attention_fwd %%q, %%k, %%v mask %%m : %s, %s, %s, %s -> %s, %s"
            % (t4, t4, t4, tm, t4, tl), [("o", t4), ("l", tl)])
o, lse = ac.run(text, {0: q, 1: k, 2: v, 3: mask})
eo, else_ = attention_fwd_ref(f64(q), f64(k), f64(v), f64(mask), False, None)
assert np.all(np.isnan(eo[:, :, 2])) and np.all(else_[:, :, 2] == -np.inf)
ac.assert_close(o, eo, rtol=1e-12, atol=1e-12, what="fully masked row result")
ac.assert_close(lse, else_, rtol=1e-12, atol=1e-12,
                what="fully masked row lse (-inf)")


def attention_bwd_case(b, hq, hkv, sq, skv, d, dv, mask_kind, causal, scale):
    q, k, v, mask = attn_inputs(b, hq, hkv, sq, skv, d, dv, mask_kind)
    g = f32(rng.standard_normal((b, hq, sq, dv)))
    mask64 = None if mask is None else f64(mask)
    # o and lse from the numpy forward, rounded to the f32 of their types;
    # the expected gradients use exactly these values.
    eo, else_ = attention_fwd_ref(f64(q), f64(k), f64(v), mask64, causal,
                                  scale)
    o, lse = f32(eo), f32(else_)
    tq, tk, tv = T(q.shape), T(k.shape), T(v.shape)
    to, tl = T(o.shape), T(lse.shape)
    args = [("q", tq), ("k", tk), ("v", tv), ("o", to), ("l", tl), ("g", to)]
    inputs = {0: q, 1: k, 2: v, 3: o, 4: lse, 5: g}
    if mask is not None:
        args.append(("m", T(mask.shape)))
        inputs[6] = mask
    opnds, mtype = attn_suffix(None if mask is None else mask.shape, causal,
                               scale, "f32")
    text = func(args, """  %dq, %dk, %dv = aster.attention_bwd %q, %k, %v, %o, %l, %g{o}
      : {tq}, {tk}, {tv}, {to}, {tl}, {to}{mt} -> {tq}, {tk}, {tv}""".format(
        o=opnds, tq=tq, tk=tk, tv=tv, to=to, tl=tl, mt=mtype),
        [("dq", tq), ("dk", tk), ("dv", tv)])
    dq, dk, dv_ = ac.run(text, inputs)
    edq, edk, edv = attention_bwd_ref(f64(q), f64(k), f64(v), f64(o),
                                      f64(lse), f64(g), mask64, causal, scale)
    what = ("attention_bwd B%d Hq%d Hkv%d Sq%d Skv%d D%d Dv%d mask %s causal "
            "%d scale %s" % (b, hq, hkv, sq, skv, d, dv, mask_kind, causal,
                             scale))
    ac.assert_close(dq, edq, rtol=1e-12, atol=1e-12, what=what + " dq")
    ac.assert_close(dk, edk, rtol=1e-12, atol=1e-12, what=what + " dk")
    ac.assert_close(dv_, edv, rtol=1e-12, atol=1e-12, what=what + " dv")

    # Chained: the op's own forward feeds its backward. o and lse then
    # stay exact (f32 held in f64), so compare with the f64 reference.
    args = [a for a in args if a[0] not in ("o", "l")]
    inputs = {0: q, 1: k, 2: v, 3: g}
    if mask is not None:
        inputs[4] = mask
    text = func(args, """  %o, %l = aster.attention_fwd %q, %k, %v{o} : {tq}, {tk}, {tv}{mt} -> {to}, {tl}
  %dq, %dk, %dv = aster.attention_bwd %q, %k, %v, %o, %l, %g{o}
      : {tq}, {tk}, {tv}, {to}, {tl}, {to}{mt} -> {tq}, {tk}, {tv}""".format(
        o=opnds, tq=tq, tk=tk, tv=tv, to=to, tl=tl, mt=mtype),
        [("dq", tq), ("dk", tk), ("dv", tv)])
    dq, dk, dv_ = ac.run(text, inputs)
    edq, edk, edv = attention_bwd_ref(f64(q), f64(k), f64(v), eo, else_,
                                      f64(g), mask64, causal, scale)
    ac.assert_close(dq, edq, rtol=1e-11, atol=1e-11, what=what + " chained dq")
    ac.assert_close(dk, edk, rtol=1e-11, atol=1e-11, what=what + " chained dk")
    ac.assert_close(dv_, edv, rtol=1e-11, atol=1e-11,
                    what=what + " chained dv")


n = 0
for hq, hkv in ((3, 3), (6, 2), (4, 1)):
    for causal in (False, True):
        for mask_kind in (None, "2d", "4d"):
            sq, skv = SEQS[n % 3]
            n += 1
            attention_bwd_case(2, hq, hkv, sq, skv, 4, 3, mask_kind, causal,
                               None)
attention_bwd_case(1, 2, 2, 4, 6, 5, 5, None, False, 0.3)
attention_bwd_case(2, 4, 2, 3, 5, 3, 7, "heads", True, 1.5)
attention_bwd_case(1, 6, 3, 1, 4, 2, 3, "2d", False, None)

# dk and dv of a group by construction: with Hq = 2, Hkv = 1 and q of both
# heads equal, dk and dv are twice those of one head attending alone.
q1, k1, v1, _ = attn_inputs(1, 1, 1, 3, 4, 2, 2, None)
g1 = f32(rng.standard_normal((1, 1, 3, 2)))
eo, else_ = attention_fwd_ref(f64(q1), f64(k1), f64(v1), None, True, None)
_, edk1, edv1 = attention_bwd_ref(f64(q1), f64(k1), f64(v1), f32(eo),
                                  f32(else_), f64(g1), None, True, None)
q2, g2 = np.concatenate([q1, q1], 1), np.concatenate([g1, g1], 1)
o2 = np.concatenate([f32(eo)] * 2, 1)
l2 = np.concatenate([f32(else_)] * 2, 1)
tq, tk, to, tl = T(q2.shape), T(k1.shape), T(o2.shape), T(l2.shape)
text = func([("q", tq), ("k", tk), ("v", tk), ("o", to), ("l", tl),
             ("g", to)],
            "  %%dq, %%dk, %%dv = aster.attention_bwd %%q, %%k, %%v, %%o, %%l, %%g causal"
            " : %s, %s, %s, %s, %s, %s -> %s, %s, %s"
            % (tq, tk, tk, to, tl, to, tq, tk, tk),
            [("dk", tk), ("dv", tk)])
dk, dv_ = ac.run(text, {0: q2, 1: k1, 2: v1, 3: o2, 4: l2, 5: g2})
ac.assert_close(dk, 2 * edk1, rtol=1e-12, atol=1e-13, what="gqa dk summed")
ac.assert_close(dv_, 2 * edv1, rtol=1e-12, atol=1e-13, what="gqa dv summed")

# ---------------------------------------------------------------------------
# layer_norm_fwd, layer_norm_bwd
# ---------------------------------------------------------------------------


def layer_norm_fwd_ref(x, w, b, eps):
    mean = x.mean(axis=-1)
    var = ((x - mean[..., None]) ** 2).mean(axis=-1)  # biased
    rstd = 1.0 / np.sqrt(var + eps)
    y = (x - mean[..., None]) * rstd[..., None] * w
    return (y + b if b is not None else y), mean, rstd


def layer_norm_bwd_ref(x, w, mean, rstd, g):
    xhat = (x - mean[..., None]) * rstd[..., None]
    rows = tuple(range(x.ndim - 1))
    gw = g * w
    dx = rstd[..., None] * (gw - gw.mean(axis=-1, keepdims=True)
                            - xhat * (gw * xhat).mean(axis=-1, keepdims=True))
    return dx, (g * xhat).sum(axis=rows), g.sum(axis=rows)


def eps_attr(eps):
    return "" if eps is None else " epsilon = %s" % ac.flt(eps)


NORM_SHAPES = ((3, 7), (2, 3, 5), (9,), (4, 1))
for shape in NORM_SHAPES:
    for with_bias, (eps_a, eps) in ((True, (None, 1e-5)), (False, (0.5, 0.5)),
                                    (True, (1e-3, 1e-3))):
        x = f32(rng.standard_normal(shape) * 2 + 1)
        w = f32(rng.standard_normal(shape[-1]))
        b = f32(rng.standard_normal(shape[-1]))
        tx, tw, ts = T(shape), T(shape[-1:]), T(shape[:-1])
        args = [("x", tx), ("w", tw)]
        inputs = {0: x, 1: w}
        opnds, types = "%x, %w", "%s, %s" % (tx, tw)
        if with_bias:
            args.append(("b", tw))
            inputs[2] = b
            opnds += ", %b"
            types += ", " + tw
        text = func(args, """  %y, %m, %r = aster.layer_norm_fwd {o}{e} : {t} -> {tx}, {ts}, {ts}
  %z = aster.layer_norm {o}{e} : {t}""".format(o=opnds, e=eps_attr(eps_a),
                                                 t=types, tx=tx, ts=ts),
                    [("y", tx), ("m", ts), ("r", ts), ("z", tx)])
        y, m, r, z = ac.run(text, inputs)
        ey, em, er = layer_norm_fwd_ref(f64(x), f64(w),
                                        f64(b) if with_bias else None, eps)
        what = "layer_norm_fwd %s bias %d eps %s" % (shape, with_bias, eps_a)
        ac.assert_close(y, ey, rtol=1e-12, atol=1e-12, what=what + " result")
        ac.assert_close(m, em, rtol=1e-12, atol=1e-13, what=what + " mean")
        ac.assert_close(r, er, rtol=1e-12, what=what + " rstd")
        ac.assert_close(y, z, rtol=1e-13, atol=1e-14,
                        what=what + " result = aster.layer_norm's")

    # The backward from saved statistics (f32, as the types hold them).
    x = f32(rng.standard_normal(shape) * 2 + 1)
    w = f32(rng.standard_normal(shape[-1]))
    g = f32(rng.standard_normal(shape))
    _, em, er = layer_norm_fwd_ref(f64(x), f64(w), None, 1e-5)
    mean, rstd = f32(em), f32(er)
    tx, tw, ts = T(shape), T(shape[-1:]), T(shape[:-1])
    text = func([("x", tx), ("w", tw), ("m", ts), ("r", ts), ("g", tx)],
                "  %%dx, %%dw, %%db = aster.layer_norm_bwd %%x, %%w, %%m, %%r, %%g"
                " : %s, %s, %s, %s, %s -> %s, %s, %s"
                % (tx, tw, ts, ts, tx, tx, tw, tw),
                [("dx", tx), ("dw", tw), ("db", tw)])
    dx, dw, db = ac.run(text, {0: x, 1: w, 2: mean, 3: rstd, 4: g})
    edx, edw, edb = layer_norm_bwd_ref(f64(x), f64(w), f64(mean), f64(rstd),
                                       f64(g))
    what = "layer_norm_bwd %s" % (shape,)
    ac.assert_close(dx, edx, rtol=1e-12, atol=1e-12, what=what + " dx")
    ac.assert_close(dw, edw, rtol=1e-12, atol=1e-12, what=what + " dw")
    ac.assert_close(db, edb, rtol=1e-12, atol=1e-13, what=what + " db")

    # Chained with the op's own forward (statistics exact in f64).
    text = func([("x", tx), ("w", tw), ("b", tw), ("g", tx)],
                """  %%y, %%m, %%r = aster.layer_norm_fwd %%x, %%w, %%b : %s, %s, %s -> %s, %s, %s
  %%dx, %%dw, %%db = aster.layer_norm_bwd %%x, %%w, %%m, %%r, %%g : %s, %s, %s, %s, %s -> %s, %s, %s"""
                % (tx, tw, tw, tx, ts, ts, tx, tw, ts, ts, tx, tx, tw, tw),
                [("dx", tx), ("dw", tw), ("db", tw)])
    dx, dw, db = ac.run(text, {0: x, 1: w, 2: w, 3: g})
    edx, edw, edb = layer_norm_bwd_ref(f64(x), f64(w), em, er, f64(g))
    ac.assert_close(dx, edx, rtol=1e-11, atol=1e-11, what=what + " chained dx")
    ac.assert_close(dw, edw, rtol=1e-11, atol=1e-11, what=what + " chained dw")
    ac.assert_close(db, edb, rtol=1e-12, atol=1e-13, what=what + " chained db")

# bf16 forward: the result rounds once; mean and rstd are f32 (in f64).
x = rng.standard_normal((3, 7)).astype(np.float32)
w = rng.standard_normal(7).astype(np.float32)
tx, tw, ts = T((3, 7), "bf16"), T((7,), "bf16"), T((3,))
text = func([("x", tx), ("w", tw)],
            "  %%y, %%m, %%r = aster.layer_norm_fwd %%x, %%w : %s, %s -> %s, %s, %s"
            % (tx, tw, tx, ts, ts), [("y", tx), ("m", ts), ("r", ts)])
y, m, r = ac.run(text, {0: x, 1: w})
ey, em, er = layer_norm_fwd_ref(ac.bf16_round(f64(x)), ac.bf16_round(f64(w)),
                                None, 1e-5)
ac.assert_equal(y, ac.bf16_round(ey), what="bf16 layer_norm_fwd result")
ac.assert_close(m, em, rtol=1e-12, atol=1e-13, what="bf16 layer_norm_fwd mean")
ac.assert_close(r, er, rtol=1e-12, what="bf16 layer_norm_fwd rstd")

# ---------------------------------------------------------------------------
# rms_norm_fwd, rms_norm_bwd
# ---------------------------------------------------------------------------


def rms_norm_fwd_ref(x, w, eps):
    rstd = 1.0 / np.sqrt((x * x).mean(axis=-1) + eps)
    return x * rstd[..., None] * w, rstd


def rms_norm_bwd_ref(x, w, rstd, g):
    xhat = x * rstd[..., None]
    gw = g * w
    dx = rstd[..., None] * (gw - xhat * (gw * xhat).mean(axis=-1,
                                                          keepdims=True))
    return dx, (g * xhat).sum(axis=tuple(range(x.ndim - 1)))


for shape in NORM_SHAPES:
    for eps_a, eps in ((None, 1e-6), (0.25, 0.25)):
        x = f32(rng.standard_normal(shape) * 2)
        w = f32(rng.standard_normal(shape[-1]))
        tx, tw, ts = T(shape), T(shape[-1:]), T(shape[:-1])
        text = func([("x", tx), ("w", tw)], """  %y, %r = aster.rms_norm_fwd %x, %w{e} : {tx}, {tw} -> {tx}, {ts}
  %z = aster.rms_norm %x, %w{e} : {tx}, {tw}""".format(
            e=eps_attr(eps_a), tx=tx, tw=tw, ts=ts),
            [("y", tx), ("r", ts), ("z", tx)])
        y, r, z = ac.run(text, {0: x, 1: w})
        ey, er = rms_norm_fwd_ref(f64(x), f64(w), eps)
        what = "rms_norm_fwd %s eps %s" % (shape, eps_a)
        ac.assert_close(y, ey, rtol=1e-12, what=what + " result")
        ac.assert_close(r, er, rtol=1e-12, what=what + " rstd")
        ac.assert_close(y, z, rtol=1e-13, what=what + " result = rms_norm's")

    x = f32(rng.standard_normal(shape) * 2)
    w = f32(rng.standard_normal(shape[-1]))
    g = f32(rng.standard_normal(shape))
    _, er = rms_norm_fwd_ref(f64(x), f64(w), 1e-6)
    rstd = f32(er)
    tx, tw, ts = T(shape), T(shape[-1:]), T(shape[:-1])
    text = func([("x", tx), ("w", tw), ("r", ts), ("g", tx)],
                "  %%dx, %%dw = aster.rms_norm_bwd %%x, %%w, %%r, %%g"
                " : %s, %s, %s, %s -> %s, %s" % (tx, tw, ts, tx, tx, tw),
                [("dx", tx), ("dw", tw)])
    dx, dw = ac.run(text, {0: x, 1: w, 2: rstd, 3: g})
    edx, edw = rms_norm_bwd_ref(f64(x), f64(w), f64(rstd), f64(g))
    what = "rms_norm_bwd %s" % (shape,)
    ac.assert_close(dx, edx, rtol=1e-12, atol=1e-12, what=what + " dx")
    ac.assert_close(dw, edw, rtol=1e-12, atol=1e-12, what=what + " dw")

    text = func([("x", tx), ("w", tw), ("g", tx)],
                """  %%y, %%r = aster.rms_norm_fwd %%x, %%w : %s, %s -> %s, %s
  %%dx, %%dw = aster.rms_norm_bwd %%x, %%w, %%r, %%g : %s, %s, %s, %s -> %s, %s"""
                % (tx, tw, tx, ts, tx, tw, ts, tx, tx, tw),
                [("dx", tx), ("dw", tw)])
    dx, dw = ac.run(text, {0: x, 1: w, 2: g})
    edx, edw = rms_norm_bwd_ref(f64(x), f64(w), er, f64(g))
    ac.assert_close(dx, edx, rtol=1e-11, atol=1e-11, what=what + " chained dx")
    ac.assert_close(dw, edw, rtol=1e-11, atol=1e-11, what=what + " chained dw")

# ---------------------------------------------------------------------------
# cross_entropy_fwd, cross_entropy_bwd
# ---------------------------------------------------------------------------


def ce_fwd_ref(logits, labels, ignore_index, reduction):
    """(loss, lse): lse = logsumexp(logits) per position, 0 where ignored."""
    m = logits.max(axis=-1, keepdims=True)
    lse = (m + np.log(np.exp(logits - m).sum(axis=-1, keepdims=True)))[..., 0]
    keep = labels != ignore_index
    safe = np.where(keep, labels, 0).astype(np.int64)
    picked = np.take_along_axis(logits, safe[..., None], axis=-1)[..., 0]
    loss = np.where(keep, lse - picked, 0.0)
    lse = np.where(keep, lse, 0.0)
    if reduction == "none":
        return loss, lse
    if reduction == "sum":
        return np.array(loss.sum()), lse
    cnt = keep.sum()
    return np.array(loss.sum() / cnt if cnt else np.nan), lse


def ce_bwd_ref(logits, labels, lse, grad, ignore_index, reduction):
    """w_r (exp(logits - lse) - onehot(label)); w_r = grad (per position for
    none), / the count not ignored for mean, 0 where ignored."""
    keep = labels != ignore_index
    if reduction == "none":
        w = np.asarray(grad, np.float64)
    elif reduction == "sum":
        w = np.full(labels.shape, float(grad))
    else:
        w = np.full(labels.shape, float(grad) / max(int(keep.sum()), 1))
    onehot = np.arange(logits.shape[-1]) == np.where(keep, labels,
                                                     -1)[..., None]
    p = np.exp(logits - np.where(keep, lse, 0.0)[..., None])
    return np.where(keep[..., None], w[..., None] * (p - onehot), 0.0)


def ce_attrs(ignore_attr, red_attr):
    s = ""
    if ignore_attr is not None:
        s += " ignore_index = %d" % ignore_attr
    if red_attr is not None:
        s += " reduction = %s" % red_attr
    return s


CE_SHAPES = ((5, 7), (2, 3, 5), (7,), (4, 3, 1))
CE_IGNORES = ((None, -100), (2, 2), (-1, -1))
n = 0
for label_elem, ldt in (("i32", np.int32), ("i64", np.int64)):
    for ignore_attr, ignore in CE_IGNORES:
        for red_attr in (None, "mean", "sum", "none"):
            lshape = CE_SHAPES[n % len(CE_SHAPES)]
            n += 1
            red = red_attr or "mean"
            c = lshape[-1]
            x = f32(rng.standard_normal(lshape) * 3)
            y = rng.integers(0, c, size=lshape[:-1]).astype(ldt)
            if y.size > 1:
                y.flat[0] = ignore
                y.flat[-1] = ignore
            tl, tb = T(lshape), T(lshape[:-1], label_elem)
            tpos = T(lshape[:-1])
            tloss = tpos if red == "none" else T(())
            attrs = ce_attrs(ignore_attr, red_attr)
            text = func([("x", tl), ("y", tb)], """  %loss, %lse = aster.cross_entropy_fwd %x, %y{a} : {tl}, {tb} -> {tr}, {tp}
  %plain = aster.cross_entropy %x, %y{a} : {tl}, {tb} -> {tr}""".format(
                a=attrs, tl=tl, tb=tb, tr=tloss, tp=tpos),
                [("loss", tloss), ("lse", tpos), ("plain", tloss)])
            loss, lse, plain = ac.run(text, {0: x, 1: y})
            eloss, else_ = ce_fwd_ref(f64(x), y, ignore, red)
            what = "cross_entropy_fwd %s %s ignore %s %s" % (
                lshape, label_elem, ignore_attr, red_attr)
            ac.assert_close(loss, eloss, rtol=1e-12, atol=1e-13,
                            what=what + " loss")
            ac.assert_close(lse, else_, rtol=1e-12, atol=1e-13,
                            what=what + " lse")
            ac.assert_close(loss, plain, rtol=1e-13, atol=1e-14,
                            what=what + " loss = cross_entropy's")

            # Backward from a saved f32 lse; ignored positions get an
            # arbitrary lse (the backward must not read it).
            lse_in = f32(np.where(y != ignore, else_,
                                  rng.standard_normal(y.shape) * 5))
            grad = f32(rng.standard_normal(eloss.shape) + 0.5)
            tg = tloss
            text = func([("x", tl), ("y", tb), ("l", tpos), ("g", tg)],
                        "  %%d = aster.cross_entropy_bwd %%x, %%y, %%l, %%g%s"
                        " : %s, %s, %s, %s -> %s"
                        % (attrs, tl, tb, tpos, tg, tl), [("d", tl)])
            (d,) = ac.run(text, {0: x, 1: y, 2: lse_in, 3: grad})
            ed = ce_bwd_ref(f64(x), y, f64(lse_in), f64(grad), ignore, red)
            ac.assert_close(d, ed, rtol=1e-12, atol=1e-13,
                            what=what.replace("fwd", "bwd"))

            # Chained: fwd's lse feeds bwd; equals softmax - onehot scaled.
            text = func([("x", tl), ("y", tb), ("g", tg)], """  %loss, %lse = aster.cross_entropy_fwd %x, %y{a} : {tl}, {tb} -> {tr}, {tp}
  %d = aster.cross_entropy_bwd %x, %y, %lse, %g{a} : {tl}, {tb}, {tp}, {tg} -> {tl}""".format(
                a=attrs, tl=tl, tb=tb, tr=tloss, tp=tpos, tg=tg), [("d", tl)])
            (d,) = ac.run(text, {0: x, 1: y, 2: grad})
            ed = ce_bwd_ref(f64(x), y, else_, f64(grad), ignore, red)
            ac.assert_close(d, ed, rtol=1e-12, atol=1e-13,
                            what=what.replace("fwd", "fwd+bwd"))

# By hand: logits [0, ln 3] (softmax [1/4, 3/4]), labels [1, ignored, 0],
# mean with grad 1 over the 2 positions not ignored: rows
# (softmax - onehot) / 2 = [1/8, -1/8] and [-3/8, 3/8]; the ignored row 0.
x = np.array([[0.0, np.log(3.0)]] * 3, np.float32)
y = np.array([1, -100, 0], np.int32)
x64 = f64(x)
lse_row = np.log(1.0 + np.exp(x64[0, 1]))
p = np.exp(x64[0] - lse_row)
tl, tb, tp = T((3, 2)), T((3,), "i32"), T((3,))
text = func([("x", tl), ("y", tb), ("g", T(()))], """  %loss, %lse = aster.cross_entropy_fwd %x, %y : {tl}, {tb} -> tensor<f32>, {tp}
  %d = aster.cross_entropy_bwd %x, %y, %lse, %g : {tl}, {tb}, {tp}, tensor<f32> -> {tl}""".format(
    tl=tl, tb=tb, tp=tp), [("lse", tp), ("d", tl)])
lse, d = ac.run(text, {0: x, 1: y, 2: np.array(1.0, np.float32)})
ac.assert_close(lse, [lse_row, 0.0, lse_row], rtol=1e-15,
                what="cross_entropy_fwd lse by hand")
ac.assert_close(d, [(p - [0, 1]) / 2, [0, 0], (p - [1, 0]) / 2], rtol=1e-14,
                what="cross_entropy_bwd by hand")
ac.assert_close(d, [[0.125, -0.125], [0, 0], [-0.375, 0.375]], rtol=1e-7,
                what="cross_entropy_bwd by hand (approx)")

# Everything ignored: lse all 0, and every reduction's gradient all 0.
x = f32(rng.standard_normal((3, 4)))
y = np.full((3,), -100, np.int32)
for red, tg, gval in (("mean", T(()), np.array(1.0, np.float32)),
                      ("sum", T(()), np.array(2.0, np.float32)),
                      ("none", T((3,)), np.ones(3, np.float32))):
    tr = T((3,)) if red == "none" else T(())
    text = func([("x", T((3, 4))), ("y", T((3,), "i32")), ("g", tg)], """  %loss, %lse = aster.cross_entropy_fwd %x, %y reduction = {r} : {tl}, {tb} -> {tr}, {tp}
  %d = aster.cross_entropy_bwd %x, %y, %lse, %g reduction = {r} : {tl}, {tb}, {tp}, {tg} -> {tl}""".format(
        r=red, tl=T((3, 4)), tb=T((3,), "i32"), tr=tr, tp=T((3,)), tg=tg),
        [("lse", T((3,))), ("d", T((3, 4)))])
    lse, d = ac.run(text, {0: x, 1: y, 2: gval})
    ac.assert_equal(lse, np.zeros(3), what="all ignored lse (%s)" % red)
    ac.assert_equal(d, np.zeros((3, 4)), what="all ignored grad (%s)" % red)

# A label neither ignored nor in [0, C) is a run-time error in the
# backward too.
text = func([("x", T((3, 4))), ("y", T((3,), "i32")), ("l", T((3,))),
             ("g", T(()))], """  %d = aster.cross_entropy_bwd %x, %y, %l, %g : {tl}, {tb}, {tp}, {tg} -> {tl}""".format(
    tl=T((3, 4)), tb=T((3,), "i32"), tp=T((3,)), tg=T(())), [("d", T((3, 4)))])
ac.run_expect_error(text, {0: np.zeros((3, 4), np.float32),
                           1: np.array([0, 4, -100], np.int32),
                           2: np.zeros(3, np.float32),
                           3: np.array(1.0, np.float32)},
                    "label 4 at position 1 is outside [0, 4) and is not the "
                    "ignore_index -100", one_line=False)

# bf16 logits: lse is f32 (in f64, no 16-bit rounding); the gradient has
# the logits' type and rounds once.
x = f32(rng.standard_normal((4, 6)) * 2)
y = np.array([5, -100, 0, 3], np.int64)
grad = f32(rng.standard_normal(4))
tl, tb, tp = T((4, 6), "bf16"), T((4,), "i64"), T((4,))
text = func([("x", tl), ("y", tb), ("g", tp)], """  %loss, %lse = aster.cross_entropy_fwd %x, %y reduction = none : {tl}, {tb} -> {tp}, {tp}
  %d = aster.cross_entropy_bwd %x, %y, %lse, %g reduction = none : {tl}, {tb}, {tp}, {tp} -> {tl}""".format(
    tl=tl, tb=tb, tp=tp), [("lse", tp), ("d", tl)])
lse, d = ac.run(text, {0: x, 1: y, 2: grad})
xr = ac.bf16_round(f64(x))
_, else_ = ce_fwd_ref(xr, y, -100, "none")
ac.assert_close(lse, else_, rtol=1e-12, what="bf16 cross_entropy_fwd lse")
ac.assert_equal(d, ac.bf16_round(ce_bwd_ref(xr, y, else_, f64(grad), -100,
                                            "none")),
                what="bf16 cross_entropy_bwd")

# ---------------------------------------------------------------------------
# rope inverse
# ---------------------------------------------------------------------------


def rope_ref(x, pos, theta, layout):
    """x: [..., S, D] float64; pos: [S]; (a, b) -> (a cos - b sin,
    b cos + a sin) with angle pos * theta^(-2i / D)."""
    d = x.shape[-1]
    inv_freq = theta ** (-2.0 * np.arange(d // 2) / d)
    angle = np.asarray(pos, np.float64)[:, None] * inv_freq
    cos, sin = np.cos(angle), np.sin(angle)
    if layout == "half_split":
        a, b = x[..., : d // 2], x[..., d // 2:]
    else:
        a, b = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    ra, rb = a * cos - b * sin, b * cos + a * sin
    if layout == "half_split":
        out[..., : d // 2], out[..., d // 2:] = ra, rb
    else:
        out[..., 0::2], out[..., 1::2] = ra, rb
    return out


for shape in ((5, 6), (2, 3, 7, 4), (1, 3, 2)):
    s_len = shape[-2]
    for layout in (None, "interleaved"):
        for theta_a, theta in ((None, 10000.0), (3.0, 3.0)):
            for pos_elem in (None, "i32", "i64"):
                x = f32(rng.standard_normal(shape))
                t = T(shape)
                attrs = ""
                if theta_a is not None:
                    attrs += " theta = %s" % ac.flt(theta_a)
                if layout is not None:
                    attrs += " layout = %s" % layout
                args = [("x", t)]
                inputs = {0: x}
                opnd, ptype = "", ""
                if pos_elem is None:
                    pos = np.arange(s_len)
                else:
                    pos = rng.integers(-20, 60, size=s_len).astype(
                        np.int32 if pos_elem == "i32" else np.int64)
                    tp = T((s_len,), pos_elem)
                    args.append(("p", tp))
                    inputs[1] = pos
                    opnd, ptype = ", %p", ", " + tp
                # inverse alone; rope then inverse; inverse then rope.
                text = func(args, """  %i = aster.rope %x{p}{a} inverse : {t}{pt}
  %f = aster.rope %x{p}{a} : {t}{pt}
  %fi = aster.rope %f{p}{a} inverse : {t}{pt}
  %if = aster.rope %i{p}{a} : {t}{pt}""".format(p=opnd, a=attrs, t=t, pt=ptype),
                            [("i", t), ("fi", t), ("if", t)])
                inv, fi, if_ = ac.run(text, inputs)
                what = "rope inverse %s layout %s theta %s pos %s" % (
                    shape, layout, theta_a, pos_elem)
                # The rotation by the negated angle is rope at -pos.
                ac.assert_close(inv, rope_ref(f64(x), -np.asarray(pos), theta,
                                              layout or "half_split"),
                                rtol=1e-12, atol=1e-13, what=what)
                ac.assert_close(fi, f64(x), rtol=1e-12, atol=1e-13,
                                what=what + " undoes rope")
                ac.assert_close(if_, f64(x), rtol=1e-12, atol=1e-13,
                                what=what + " undone by rope")

# The transpose: <rope(x), y> = <x, rope_inverse(y)>.
x = f32(rng.standard_normal((2, 5, 8)))
yv = f32(rng.standard_normal((2, 5, 8)))
t = T(x.shape)
text = func([("x", t), ("y", t)], """  %f = aster.rope %x layout = interleaved : {t}
  %b = aster.rope %y layout = interleaved inverse : {t}""".format(t=t),
            [("f", t), ("b", t)])
fx, by = ac.run(text, {0: x, 1: yv})
ac.assert_close((fx * f64(yv)).sum(), (f64(x) * by).sum(), rtol=1e-12,
                what="rope inverse is rope's transpose")

ac.done("training ops")
