# RUN: %python %s
# A transformer-block-like op chain on bf16 and on f16: every op computes in f64 from its (already rounded) operands and rounds
# its result once to the type. Every intermediate is returned and must
# equal, bit for bit, the rounded f64 result of the previous rounded
# values. Transcendental results never fall exactly on a rounding boundary
# and land within an f64 ulp of one with negligible probability, so exact
# comparison is justified; the sums involved are exact in f64 or differ
# from numpy's order by ~1e-16 relative, likewise harmless.

import math
import re

import numpy as np

import aster_check as ac

rng = np.random.default_rng(16)

# Inputs are rounded to bf16 on reading: 1 + 2^-8 (a tie) -> 1, 1 + 3 *
# 2^-8 -> 1 + 2^-6, and returned unchanged by a reshape.
text = """
func.func @forward(%x: tensor<4xbf16>) -> tensor<2x2xbf16> {
  %r = aster.reshape %x : tensor<4xbf16> -> tensor<2x2xbf16>
  return %r : tensor<2x2xbf16>
}
"""
x = np.array([1.0 + 2**-8, 1.0 + 3 * 2**-8, 1.0 + 2**-8 + 2**-20, 0.1],
             np.float32)
(r,) = ac.run(text, {0: x})
ac.assert_equal(r, np.array([[1.0, 1.0 + 2**-6], [1.0 + 2**-7,
                                                  float.fromhex("0x1.9ap-4")]]),
                what="bf16 input rounding")

# Rounding after every op: (1 + 2^-7)^2 = 1 + 2^-6 + 2^-14 rounds to
# 1 + 2^-6, so (a * a) - (1 + 2^-6) is 0 in bf16 (2^-14 without the
# intermediate rounding). The same for f16 with (1 + 2^-10)^2.
for elem, one_ulp in (("bf16", 2**-7), ("f16", 2**-10)):
    text = """
func.func @forward(%%a: tensor<1x%s>, %%b: tensor<1x%s>) -> tensor<1x%s> {
  %%p = aster.mul %%a, %%a : tensor<1x%s>, tensor<1x%s> -> tensor<1x%s>
  %%d = aster.sub %%p, %%b : tensor<1x%s>, tensor<1x%s> -> tensor<1x%s>
  return %%d : tensor<1x%s>
}
""" % ((elem,) * 10)
    npdt = np.float32 if elem == "bf16" else np.float16
    a = np.array([1.0 + one_ulp], npdt)
    b = np.array([1.0 + 2 * one_ulp], npdt)
    (r,) = ac.run(text, {0: a, 1: b})
    ac.assert_equal(r, np.array([0.0]), what="%s rounds after every op" % elem)


def chain_text(elem):
    """The chain, with symbolic sizes in the tensor types; the results are
    every named value, in `names` order."""
    B, S, H, F, V, NH, DH = 2, 5, 8, 7, 11, 2, 4
    t = """
func.func @forward(%wte: tensor<VxHxE>, %tok: tensor<BxSxi32>,
                   %g: tensor<HxE>, %beta: tensor<HxE>, %w1: tensor<FxHxE>,
                   %b1: tensor<FxE>, %w2: tensor<FxHxE>, %labels: tensor<BxSxi32>)
    -> (RESULT_TYPES) {
  %h = aster.embedding %wte[%tok] : tensor<VxHxE>, tensor<BxSxi32> -> tensor<BxSxHxE>
  %n = aster.layer_norm %h, %g, %beta epsilon = 1.0e-05 : tensor<BxSxHxE>, tensor<HxE>, tensor<HxE>
  %u = aster.matmul %n, %w1 transpose_rhs : tensor<BxSxHxE>, tensor<FxHxE> -> tensor<BxSxFxE>
  %ub = aster.add %u, %b1 : tensor<BxSxFxE>, tensor<FxE> -> tensor<BxSxFxE>
  %act = aster.gelu %ub approximate = tanh : tensor<BxSxFxE>
  %o = aster.matmul %act, %w2 : tensor<BxSxFxE>, tensor<FxHxE> -> tensor<BxSxHxE>
  %res = aster.add %h, %o : tensor<BxSxHxE>, tensor<BxSxHxE> -> tensor<BxSxHxE>
  %r4 = aster.reshape %res : tensor<BxSxHxE> -> tensor<BxSxNHxDHxE>
  %qh = aster.transpose %r4, [0, 2, 1, 3] : tensor<BxSxNHxDHxE> -> tensor<BxNHxSxDHxE>
  %qr = aster.rope %qh theta = 1.0e+02 layout = interleaved : tensor<BxNHxSxDHxE>
  %kr = aster.rope %qh : tensor<BxNHxSxDHxE>
  %at = aster.attention %qr, %kr, %qh causal : tensor<BxNHxSxDHxE>, tensor<BxNHxSxDHxE>, tensor<BxNHxSxDHxE> -> tensor<BxNHxSxDHxE>
  %at2 = aster.transpose %at, [0, 2, 1, 3] : tensor<BxNHxSxDHxE> -> tensor<BxSxNHxDHxE>
  %at3 = aster.reshape %at2 : tensor<BxSxNHxDHxE> -> tensor<BxSxHxE>
  %rn = aster.rms_norm %at3, %g : tensor<BxSxHxE>, tensor<HxE>
  %logits = aster.matmul %rn, %wte transpose_rhs : tensor<BxSxHxE>, tensor<VxHxE> -> tensor<BxSxVxE>
  %lp = aster.log_softmax %logits, axis = 2 : tensor<BxSxVxE>
  %mx = aster.reduce max %lp axes = [2] : tensor<BxSxVxE> -> tensor<BxSxE>
  %loss = aster.cross_entropy %logits, %labels : tensor<BxSxVxE>, tensor<BxSxi32> -> tensor<f32>
  %e = aster.exp %rn : tensor<BxSxHxE>
  %sm = aster.silu %e : tensor<BxSxHxE>
  %dv = aster.div %sm, %e : tensor<BxSxHxE>, tensor<BxSxHxE> -> tensor<BxSxHxE>
  %sq = aster.sqrt %e : tensor<BxSxHxE>
  %ls = aster.log %sq : tensor<BxSxHxE>
  %sf = aster.softmax %ls, axis = 1 : tensor<BxSxHxE>
  %mean = aster.reduce mean %sf axes = [0, 2] keep_dims : tensor<BxSxHxE> -> tensor<1xSx1xE>
  %f32 = aster.cast %mean : tensor<1xSx1xE> -> tensor<1xSx1xf32>
  return RESULTS : RESULT_TYPES
}
"""
    names = ["h", "n", "u", "ub", "act", "o", "res", "qh", "qr", "kr", "at",
             "at3", "rn", "logits", "lp", "mx", "loss", "e", "sm", "dv", "sq",
             "ls", "sf", "mean", "f32"]
    types = {}
    for line in t.splitlines():
        line = line.strip()
        if line.startswith("%") and " = aster." in line:
            name = line.split(" ")[0][1:]
            types[name] = line.rsplit("-> ", 1)[1] if "->" in line else \
                line.rsplit(": ", 1)[1].split(",")[0]
    t = t.replace("RESULT_TYPES", ", ".join(types[n] for n in names))
    t = t.replace("RESULTS", ", ".join("%" + n for n in names))
    sizes = {"B": B, "S": S, "H": H, "F": F, "V": V, "NH": NH, "DH": DH,
             "E": elem}
    t = re.sub(r"tensor<([^>]*)>", lambda m: "tensor<%s>" % "x".join(
        str(sizes.get(d, d)) for d in m.group(1).split("x")), t)
    return t, names, (B, S, H, F, V, NH, DH)


def softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(axis=axis, keepdims=True)


def rope(x, theta, interleaved):
    d = x.shape[-1]
    ang = np.arange(x.shape[-2])[:, None] * theta ** (-2.0 * np.arange(d // 2)
                                                       / d)
    c, s = np.cos(ang), np.sin(ang)
    out = np.empty_like(x)
    if interleaved:
        a, b = x[..., 0::2], x[..., 1::2]
        out[..., 0::2], out[..., 1::2] = a * c - b * s, b * c + a * s
    else:
        a, b = x[..., : d // 2], x[..., d // 2:]
        out[..., : d // 2], out[..., d // 2:] = a * c - b * s, b * c + a * s
    return out


def expected_chain(R, wte, tok, g, beta, w1, b1, w2, labels, sizes):
    B, S, H, F, V, NH, DH = sizes
    x = {}
    x["h"] = wte[tok]
    mu = x["h"].mean(-1, keepdims=True)
    var = ((x["h"] - mu) ** 2).mean(-1, keepdims=True)
    x["n"] = R((x["h"] - mu) / np.sqrt(var + 1e-5) * g + beta)
    x["u"] = R(x["n"] @ w1.T)
    x["ub"] = R(x["u"] + b1)
    ub = x["ub"]
    x["act"] = R(0.5 * ub * (1 + np.tanh(math.sqrt(2 / math.pi) *
                                         (ub + 0.044715 * ub**3))))
    x["o"] = R(x["act"] @ w2)
    x["res"] = R(x["h"] + x["o"])
    x["qh"] = x["res"].reshape(B, S, NH, DH).transpose(0, 2, 1, 3)
    x["qr"] = R(rope(x["qh"], 100.0, True))
    x["kr"] = R(rope(x["qh"], 10000.0, False))
    sc = x["qr"] @ np.swapaxes(x["kr"], -1, -2) / math.sqrt(DH)
    sc = np.where(np.tri(S, S, dtype=bool), sc, -np.inf)
    x["at"] = R(softmax(sc, -1) @ x["qh"])
    x["at3"] = x["at"].transpose(0, 2, 1, 3).reshape(B, S, H)
    a3 = x["at3"]
    x["rn"] = R(a3 / np.sqrt((a3 * a3).mean(-1, keepdims=True) + 1e-6) * g)
    x["logits"] = R(x["rn"] @ wte.T)
    lg = x["logits"]
    m = lg.max(-1, keepdims=True)
    lse = m + np.log(np.exp(lg - m).sum(-1, keepdims=True))
    x["lp"] = R(lg - lse)
    x["mx"] = x["lp"].max(-1)
    picked = np.take_along_axis(lg, labels[..., None].astype(np.int64), -1)
    x["loss"] = np.array((lse - picked).mean())  # f32 result: not rounded
    x["e"] = R(np.exp(x["rn"]))
    x["sm"] = R(x["e"] / (1.0 + np.exp(-x["e"])))
    x["dv"] = R(x["sm"] / x["e"])
    x["sq"] = R(np.sqrt(x["e"]))
    x["ls"] = R(np.log(x["sq"]))
    x["sf"] = R(softmax(x["ls"], 1))
    x["mean"] = R(x["sf"].mean(axis=(0, 2), keepdims=True))
    x["f32"] = x["mean"]
    return x


for elem, rnd, npdt in (("bf16", ac.bf16_round, np.float32),
                        ("f16", ac.f16_round, np.float16)):
    text, names, sizes = chain_text(elem)
    B, S, H, F, V, NH, DH = sizes
    wte = rng.standard_normal((V, H)).astype(npdt)
    tok = rng.integers(0, V, (B, S)).astype(np.int32)
    g = (1 + 0.1 * rng.standard_normal(H)).astype(npdt)
    beta = (0.1 * rng.standard_normal(H)).astype(npdt)
    w1 = (rng.standard_normal((F, H)) / math.sqrt(H)).astype(npdt)
    b1 = (0.1 * rng.standard_normal(F)).astype(npdt)
    w2 = (rng.standard_normal((F, H)) / math.sqrt(F)).astype(npdt)
    labels = rng.integers(0, V, (B, S)).astype(np.int32)
    results = ac.run(text, {0: wte, 1: tok, 2: g, 3: beta, 4: w1, 5: b1,
                            6: w2, 7: labels})
    R = lambda a: rnd(a)  # noqa: E731
    f = lambda a: rnd(a.astype(np.float64))  # noqa: E731
    exp = expected_chain(R, f(wte), tok, f(g), f(beta), f(w1), f(b1), f(w2),
                         labels, sizes)
    assert len(results) == len(names)
    for name, r in zip(names, results):
        if name == "loss":
            # An f32 result computed in f64 from the rounded logits.
            ac.assert_close(r, exp[name], rtol=1e-12,
                            what="%s chain %s" % (elem, name))
        else:
            ac.assert_equal(r, exp[name], what="%s chain %s" % (elem, name))

ac.done("bf16")
