"""The kernel-family cases the GPU checks share: test/e2e/gpu_models.py
runs them on a GPU, test/e2e/gpu_strategies_cpu.py runs the same GPU
strategies emulated on the CPU."""

import numpy as np


def T(shape, elem):
    return "tensor<%s>" % "x".join([str(d) for d in shape] + [elem])


def op_cases(rng):
    """(name, [(array, elem)], body, [(ssa name, shape, elem)]): one kernel
    family each, with sizes that leave partial blocks and partial rows."""
    def x(*shape, elem="f32"):
        a = rng.standard_normal(shape).astype(np.float32)
        if elem == "bf16":  # values bf16 holds exactly
            a = (a.view(np.uint32) & 0xFFFF0000).view(np.float32)
        return (a, elem)
    labels = rng.integers(0, 5000, (3, 4)).astype(np.int32)
    labels[1, 2] = -100
    ids = rng.integers(0, 300, (4, 9)).astype(np.int32)
    scatter_ids = rng.integers(-300, 300, (4, 9)).astype(np.int32)
    scatter_ids[1, :4] = scatter_ids[0, :4]  # repeated rows accumulate
    # Additive attention masks: per batch, keys padded out with -inf at the
    # end of the second sequence; per (head, query, key), finite biases.
    key_padding = x(2, 1, 1, 40, elem="bf16")[0] * 2
    key_padding[1, ..., -6:] = -np.inf
    bias = x(2, 40, 24, elem="bf16")[0] * 2
    return [
        ("softmax f32", [x(6, 1000)],
         "  %y = aster.softmax %a0, axis = 1 : tensor<6x1000xf32>", [("y", (6, 1000), "f32")]),
        ("softmax bf16", [x(4, 4096, elem="bf16")],
         "  %y = aster.softmax %a0, axis = 1 : tensor<4x4096xbf16>", [("y", (4, 4096), "bf16")]),
        ("layer_norm", [x(5, 768), x(768), x(768)],
         "  %y = aster.layer_norm %a0, %a1, %a2 epsilon = 1.0e-5 : tensor<5x768xf32>, tensor<768xf32>, tensor<768xf32>",
         [("y", (5, 768), "f32")]),
        ("rms_norm bf16", [x(3, 2, 4096, elem="bf16"), x(4096, elem="bf16")],
         "  %y = aster.rms_norm %a0, %a1 : tensor<3x2x4096xbf16>, tensor<4096xbf16>",
         [("y", (3, 2, 4096), "bf16")]),
        ("cross_entropy fwd bwd", [x(3, 4, 5000), (labels, "i32"), x()],
         "  %l, %s = aster.cross_entropy_fwd %a0, %a1 : tensor<3x4x5000xf32>, tensor<3x4xi32> -> tensor<f32>, tensor<3x4xf32>\n"
         "  %d = aster.cross_entropy_bwd %a0, %a1, %s, %a2 : tensor<3x4x5000xf32>, tensor<3x4xi32>, tensor<3x4xf32>, tensor<f32> -> tensor<3x4x5000xf32>",
         [("l", (), "f32"), ("s", (3, 4), "f32"), ("d", (3, 4, 5000), "f32")]),
        ("matmul bias gelu", [x(2, 33, 70), x(70, 45), x(45)],
         "  %m = aster.matmul %a0, %a1 : tensor<2x33x70xf32>, tensor<70x45xf32> -> tensor<2x33x45xf32>\n"
         "  %b = aster.add %m, %a2 : tensor<2x33x45xf32>, tensor<45xf32> -> tensor<2x33x45xf32>\n"
         "  %y = aster.gelu %b : tensor<2x33x45xf32>", [("y", (2, 33, 45), "f32")]),
        ("matmul bf16", [x(64, 128, elem="bf16"), x(128, 96, elem="bf16")],
         "  %y = aster.matmul %a0, %a1 : tensor<64x128xbf16>, tensor<128x96xbf16> -> tensor<64x96xbf16>",
         [("y", (64, 96), "bf16")]),
        # Tensor-core matmuls (aster-gpu-matmul-kernels): element loads
        # (K = 70), loads along M and N (transposed A), along K (transposed
        # B), a broadcast batch, and several blocks and K steps (K = 160:
        # five steps, so the three cp.async stages are each reused).
        ("matmul bf16 bias gelu", [x(2, 33, 70, elem="bf16"), x(70, 45, elem="bf16"), x(45, elem="bf16")],
         "  %m = aster.matmul %a0, %a1 : tensor<2x33x70xbf16>, tensor<70x45xbf16> -> tensor<2x33x45xbf16>\n"
         "  %b = aster.add %m, %a2 : tensor<2x33x45xbf16>, tensor<45xbf16> -> tensor<2x33x45xbf16>\n"
         "  %y = aster.gelu %b : tensor<2x33x45xbf16>", [("y", (2, 33, 45), "bf16")]),
        ("matmul bf16 transpose_lhs", [x(96, 40, elem="bf16"), x(96, 56, elem="bf16")],
         "  %y = aster.matmul %a0, %a1 transpose_lhs : tensor<96x40xbf16>, tensor<96x56xbf16> -> tensor<40x56xbf16>",
         [("y", (40, 56), "bf16")]),
        ("matmul bf16 transpose_rhs f32 out", [x(40, 64, elem="bf16"), x(72, 64, elem="bf16")],
         "  %m = aster.matmul %a0, %a1 transpose_rhs : tensor<40x64xbf16>, tensor<72x64xbf16> -> tensor<40x72xbf16>\n"
         "  %y = aster.cast %m : tensor<40x72xbf16> -> tensor<40x72xf32>",
         [("y", (40, 72), "f32")]),
        ("matmul bf16 batch broadcast", [x(2, 1, 19, 40, elem="bf16"), x(4, 40, 24, elem="bf16")],
         "  %y = aster.matmul %a0, %a1 : tensor<2x1x19x40xbf16>, tensor<4x40x24xbf16> -> tensor<2x4x19x24xbf16>",
         [("y", (2, 4, 19, 24), "bf16")]),
        ("matmul bf16 blocks", [x(130, 160, elem="bf16"), x(160, 136, elem="bf16")],
         "  %y = aster.matmul %a0, %a1 : tensor<130x160xbf16>, tensor<160x136xbf16> -> tensor<130x136xbf16>",
         [("y", (130, 136), "bf16")]),
        # K = 352: six 64-wide steps on sm_90, so its four wgmma stages
        # (copies two steps ahead) are each reused.
        ("matmul bf16 long k", [x(70, 352, elem="bf16"), x(352, 72, elem="bf16")],
         "  %y = aster.matmul %a0, %a1 : tensor<70x352xbf16>, tensor<352x72xbf16> -> tensor<70x72xbf16>",
         [("y", (70, 72), "bf16")]),
        # Flash attention on tensor cores (aster-gpu-attention-kernels):
        # causal with grouped-query heads and the log-sum-exp, several
        # query blocks and a partial one, keys and queries of different
        # lengths, a value head dimension other than the query's.
        ("attention bf16 causal gqa lse", [x(2, 4, 40, 32, elem="bf16"), x(2, 2, 40, 32, elem="bf16"), x(2, 2, 40, 16, elem="bf16")],
         "  %o, %l = aster.attention_fwd %a0, %a1, %a2 causal : tensor<2x4x40x32xbf16>, tensor<2x2x40x32xbf16>, tensor<2x2x40x16xbf16> -> tensor<2x4x40x16xbf16>, tensor<2x4x40xf32>",
         [("o", (2, 4, 40, 16), "bf16"), ("l", (2, 4, 40), "f32")]),
        ("attention bf16 causal blocks", [x(1, 2, 130, 64, elem="bf16"), x(1, 2, 130, 64, elem="bf16"), x(1, 2, 130, 64, elem="bf16")],
         "  %o = aster.attention %a0, %a1, %a2 causal : tensor<1x2x130x64xbf16>, tensor<1x2x130x64xbf16>, tensor<1x2x130x64xbf16> -> tensor<1x2x130x64xbf16>",
         [("o", (1, 2, 130, 64), "bf16")]),
        ("attention bf16 cross scale", [x(1, 2, 70, 32, elem="bf16"), x(1, 1, 50, 32, elem="bf16"), x(1, 1, 50, 48, elem="bf16")],
         "  %o = aster.attention %a0, %a1, %a2 scale = 0.3 : tensor<1x2x70x32xbf16>, tensor<1x1x50x32xbf16>, tensor<1x1x50x48xbf16> -> tensor<1x2x70x48xbf16>",
         [("o", (1, 2, 70, 48), "bf16")]),
        # The backward (dQ and D, then dK and dV summed over the group's
        # query heads) after the forward, causal, grouped-query heads.
        ("attention bf16 backward causal gqa", [x(2, 4, 40, 32, elem="bf16"), x(2, 2, 40, 32, elem="bf16"), x(2, 2, 40, 16, elem="bf16"), x(2, 4, 40, 16, elem="bf16")],
         "  %o, %l = aster.attention_fwd %a0, %a1, %a2 causal : tensor<2x4x40x32xbf16>, tensor<2x2x40x32xbf16>, tensor<2x2x40x16xbf16> -> tensor<2x4x40x16xbf16>, tensor<2x4x40xf32>\n"
         "  %dq, %dk, %dv = aster.attention_bwd %a0, %a1, %a2, %o, %l, %a3 causal : tensor<2x4x40x32xbf16>, tensor<2x2x40x32xbf16>, tensor<2x2x40x16xbf16>, tensor<2x4x40x16xbf16>, tensor<2x4x40xf32>, tensor<2x4x40x16xbf16> -> tensor<2x4x40x32xbf16>, tensor<2x2x40x32xbf16>, tensor<2x2x40x16xbf16>",
         [("dq", (2, 4, 40, 32), "bf16"), ("dk", (2, 2, 40, 32), "bf16"), ("dv", (2, 2, 40, 16), "bf16")]),
        # Head dimension 256 (Gemma's): no tiling fits the 48 KB of
        # static shared memory; NVIDIA takes one within the chip's opt-in
        # maximum (dynamic shared memory), the dK/dV launch with the head
        # dimensions split across two warps per 16 keys.
        ("attention bf16 head dim 256", [x(1, 2, 40, 256, elem="bf16"), x(1, 1, 40, 256, elem="bf16"), x(1, 1, 40, 256, elem="bf16"), x(1, 2, 40, 256, elem="bf16")],
         "  %o, %l = aster.attention_fwd %a0, %a1, %a2 causal : tensor<1x2x40x256xbf16>, tensor<1x1x40x256xbf16>, tensor<1x1x40x256xbf16> -> tensor<1x2x40x256xbf16>, tensor<1x2x40xf32>\n"
         "  %dq, %dk, %dv = aster.attention_bwd %a0, %a1, %a2, %o, %l, %a3 causal : tensor<1x2x40x256xbf16>, tensor<1x1x40x256xbf16>, tensor<1x1x40x256xbf16>, tensor<1x2x40x256xbf16>, tensor<1x2x40xf32>, tensor<1x2x40x256xbf16> -> tensor<1x2x40x256xbf16>, tensor<1x1x40x256xbf16>, tensor<1x1x40x256xbf16>",
         [("o", (1, 2, 40, 256), "bf16"), ("dq", (1, 2, 40, 256), "bf16"), ("dk", (1, 1, 40, 256), "bf16"), ("dv", (1, 1, 40, 256), "bf16")]),
        # The split with unequal parts (D = 256, Dv = 128: 128 and 64
        # columns a warp), not causal, two key blocks (the second partial).
        ("attention bf16 head dims 256 and 128", [x(1, 2, 72, 256, elem="bf16"), x(1, 2, 72, 256, elem="bf16"), x(1, 2, 72, 128, elem="bf16"), x(1, 2, 72, 128, elem="bf16")],
         "  %o, %l = aster.attention_fwd %a0, %a1, %a2 : tensor<1x2x72x256xbf16>, tensor<1x2x72x256xbf16>, tensor<1x2x72x128xbf16> -> tensor<1x2x72x128xbf16>, tensor<1x2x72xf32>\n"
         "  %dq, %dk, %dv = aster.attention_bwd %a0, %a1, %a2, %o, %l, %a3 : tensor<1x2x72x256xbf16>, tensor<1x2x72x256xbf16>, tensor<1x2x72x128xbf16>, tensor<1x2x72x128xbf16>, tensor<1x2x72xf32>, tensor<1x2x72x128xbf16> -> tensor<1x2x72x256xbf16>, tensor<1x2x72x256xbf16>, tensor<1x2x72x128xbf16>",
         [("dq", (1, 2, 72, 256), "bf16"), ("dk", (1, 2, 72, 256), "bf16"), ("dv", (1, 2, 72, 128), "bf16")]),
        # With additive masks: the forward with key padding (causal, the
        # log-sum-exp), the backward with a mask per head.
        ("attention bf16 key padding mask", [x(2, 4, 40, 32, elem="bf16"), x(2, 2, 40, 32, elem="bf16"), x(2, 2, 40, 16, elem="bf16"), (key_padding, "bf16")],
         "  %o, %l = aster.attention_fwd %a0, %a1, %a2 mask %a3 causal : tensor<2x4x40x32xbf16>, tensor<2x2x40x32xbf16>, tensor<2x2x40x16xbf16>, tensor<2x1x1x40xbf16> -> tensor<2x4x40x16xbf16>, tensor<2x4x40xf32>",
         [("o", (2, 4, 40, 16), "bf16"), ("l", (2, 4, 40), "f32")]),
        ("attention bf16 backward mask", [x(1, 2, 40, 32, elem="bf16"), x(1, 1, 24, 32, elem="bf16"), x(1, 1, 24, 16, elem="bf16"), x(1, 2, 40, 16, elem="bf16"), (bias, "bf16")],
         "  %o, %l = aster.attention_fwd %a0, %a1, %a2 mask %a4 : tensor<1x2x40x32xbf16>, tensor<1x1x24x32xbf16>, tensor<1x1x24x16xbf16>, tensor<2x40x24xbf16> -> tensor<1x2x40x16xbf16>, tensor<1x2x40xf32>\n"
         "  %dq, %dk, %dv = aster.attention_bwd %a0, %a1, %a2, %o, %l, %a3 mask %a4 : tensor<1x2x40x32xbf16>, tensor<1x1x24x32xbf16>, tensor<1x1x24x16xbf16>, tensor<1x2x40x16xbf16>, tensor<1x2x40xf32>, tensor<1x2x40x16xbf16>, tensor<2x40x24xbf16> -> tensor<1x2x40x32xbf16>, tensor<1x1x24x32xbf16>, tensor<1x1x24x16xbf16>",
         [("dq", (1, 2, 40, 32), "bf16"), ("dk", (1, 1, 24, 32), "bf16"), ("dv", (1, 1, 24, 16), "bf16")]),
        # scatter_add by atomic adds (aster-gpu-scatter-add-kernels):
        # repeated and negative indices, a bf16 result (f32 accumulator)
        # and an f32 one on an inner axis.
        ("scatter_add bf16", [x(4, 9, 64, elem="bf16"), (scatter_ids, "i32")],
         "  %y = aster.scatter_add %a0[%a1] axis = 0 : tensor<4x9x64xbf16>, tensor<4x9xi32> -> tensor<300x64xbf16>",
         [("y", (300, 64), "bf16")]),
        ("scatter_add f32 axis 1", [x(3, 4, 5, 8), (scatter_ids[:4, :5] % 20 - 7, "i32")],
         "  %y = aster.scatter_add %a0[%a1] axis = 1 : tensor<3x4x5x8xf32>, tensor<4x5xi32> -> tensor<3x20x8xf32>",
         [("y", (3, 20, 8), "f32")]),
        ("embedding transpose add", [x(300, 64), (ids, "i32"), x(64)],
         "  %e = aster.embedding %a0[%a1] : tensor<300x64xf32>, tensor<4x9xi32> -> tensor<4x9x64xf32>\n"
         "  %t = aster.transpose %e, [1, 0, 2] : tensor<4x9x64xf32> -> tensor<9x4x64xf32>\n"
         "  %y = aster.add %t, %a2 : tensor<9x4x64xf32>, tensor<64xf32> -> tensor<9x4x64xf32>",
         [("y", (9, 4, 64), "f32")]),
        ("reduce sum axes", [x(3, 37, 129)],
         "  %y = aster.reduce sum %a0 axes = [0, 2] : tensor<3x37x129xf32> -> tensor<37xf32>",
         [("y", (37,), "f32")]),
    ]


