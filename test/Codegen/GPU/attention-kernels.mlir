// RUN: aster-opt %s --aster-gpu-attention-kernels --split-input-file | FileCheck %s
// RUN: aster-opt %s --aster-gpu-attention-kernels=instruction=mfma --split-input-file | FileCheck %s --check-prefix=MFMA
// RUN: aster-opt %s --aster-gpu-attention-kernels=shared-memory=65536 --split-input-file | FileCheck %s --check-prefix=LDS64
// RUN: not aster-opt %s --aster-gpu-attention-kernels=instruction=wmma --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// Causal bf16 attention with grouped-query heads (4 query heads, 2 key and
// value heads) that saves its log-sum-exp. The op becomes a call of a
// kernel function holding one launch: 8 blocks (1 batch x 4 heads x 2
// blocks of 64 query rows, the second partial), 4 warps of 32 lanes.
// Shared memory: the query rows [64][32 + 8], 64 keys [64][32 + 8] and
// values [64][16 + 8] per step, P [64][64 + 8], the f32 scores [4 warps][16
// rows][64 + 2] and one f32 per row. The key loop carries the two output
// tiles of 16 x 8 (four f32 per lane), the running max, the sum of P as
// rounded and the exact sum (for the log-sum-exp); causal, it stops at the
// block's last row (min with the sequence length).
// CHECK-LABEL: func.func @causal_gqa
// CHECK: %[[R:.*]]:2 = call @causal_gqa_attention(%arg0, %arg1, %arg2)
// CHECK: return %[[R]]#0, %[[R]]#1
// CHECK-LABEL: func.func private @causal_gqa_attention
// CHECK-SAME: attributes {aster.kernel = "attention"}
// CHECK: %[[Q:.*]] = bufferization.to_buffer %arg0 read_only : tensor<1x4x80x32xbf16> to memref<1x4x80x32xbf16>
// CHECK: %[[K:.*]] = bufferization.to_buffer %arg1 read_only
// CHECK: %[[V:.*]] = bufferization.to_buffer %arg2 read_only
// CHECK: %[[O:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x4x80x16xbf16>
// CHECK: %[[L:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x4x80xf32>
// CHECK: %[[C8:.*]] = arith.constant 8 : index
// CHECK: %[[C128:.*]] = arith.constant 128 : index
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %[[C8]], {{.*}} threads({{.*}}) in (%{{.*}} = %[[C128]], {{.*}} workgroup(%[[QT:.*]] : memref<64x40xbf16, #gpu.address_space<workgroup>>, %[[KT:.*]] : memref<64x40xbf16, #gpu.address_space<workgroup>>, %[[VT:.*]] : memref<64x24xbf16, #gpu.address_space<workgroup>>, %[[PT:.*]] : memref<64x72xbf16, #gpu.address_space<workgroup>>, %[[ST:.*]] : memref<4x16x66xf32, #gpu.address_space<workgroup>>, %[[RS:.*]] : memref<64xf32, #gpu.address_space<workgroup>>)
// CHECK: vector.load %[[Q]]{{.*}} {alignment = 16 : i64} : memref<1x4x80x32xbf16>, vector<8xbf16>
// CHECK: vector.store %{{.*}}, %[[QT]]{{.*}} {alignment = 16 : i64}
// CHECK: gpu.barrier
// CHECK-COUNT-2: nvgpu.ldmatrix %[[QT]]{{.*}} {numTiles = 4 : i32, transpose = false}
// CHECK: %[[END:.*]] = arith.minui %{{.*}}, %{{.*}} : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[END]] step %{{.*}} iter_args({{.*}}) -> (vector<4xf32>, vector<4xf32>, f32, f32, f32)
// CHECK:   vector.load %[[K]]{{.*}} : memref<1x2x80x32xbf16>, vector<8xbf16>
// CHECK:   vector.store %{{.*}}, %[[KT]]
// CHECK:   vector.load %[[V]]{{.*}} : memref<1x2x80x16xbf16>, vector<8xbf16>
// CHECK:   vector.store %{{.*}}, %[[VT]]
// CHECK:   gpu.barrier
// CHECK:   nvgpu.ldmatrix %[[KT]]{{.*}} {numTiles = 2 : i32, transpose = false}
// CHECK:   nvvm.mma.sync
// CHECK:   vector.store %{{.*}}, %[[ST]]
// CHECK:   gpu.barrier
// CHECK:   scf.if %{{.*}} -> (f32, f32, f32) {
// CHECK:     scf.for
// CHECK:       memref.load %[[ST]]
// CHECK:       arith.maximumf
// CHECK:     math.exp
// CHECK:     scf.for
// CHECK:       math.exp
// CHECK:       arith.truncf %{{.*}} : f32 to bf16
// CHECK:       memref.store %{{.*}}, %[[PT]]
// CHECK:     memref.store %{{.*}}, %[[RS]]
// CHECK:   } else {
// CHECK:   gpu.barrier
// CHECK:   memref.load %[[RS]]
// CHECK:   nvgpu.ldmatrix %[[PT]]{{.*}} {numTiles = 4 : i32, transpose = false}
// CHECK:   nvgpu.ldmatrix %[[VT]]{{.*}} {numTiles = 2 : i32, transpose = true}
// CHECK:   nvvm.mma.sync
// CHECK:   gpu.barrier
// CHECK:   scf.yield
// 1 / l per row, m + log(exact l) for the rows inside the sequence.
// CHECK: arith.divf
// CHECK: memref.store %{{.*}}, %[[RS]]
// CHECK: math.log
// CHECK: memref.store %{{.*}}, %[[L]]
// CHECK: gpu.barrier
// CHECK: vector.store %{{.*}}, %[[ST]]
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK:   memref.load %[[ST]]
// CHECK:   scf.if
// CHECK:     arith.truncf %{{.*}} : f32 to bf16
// CHECK:     memref.store %{{.*}}, %[[O]]{{.*}} : memref<1x4x80x16xbf16>
// CHECK: bufferization.to_tensor %[[O]] restrict writable
// CHECK: bufferization.to_tensor %[[L]] restrict writable
// On AMD: 64-lane waves (256 threads), MFMA 16x16x16 (one output tile).
// MFMA-LABEL: func.func private @causal_gqa_attention
// MFMA: %[[C256:.*]] = arith.constant 256 : index
// MFMA: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %[[C256]],
// MFMA: scf.for {{.*}} -> (vector<4xf32>, f32, f32, f32)
// MFMA: amdgpu.mfma

func.func @causal_gqa(%q: tensor<1x4x80x32xbf16>, %k: tensor<1x2x80x32xbf16>, %v: tensor<1x2x80x16xbf16>) -> (tensor<1x4x80x16xbf16>, tensor<1x4x80xf32>) {
  %o, %lse = aster.attention_fwd %q, %k, %v causal : tensor<1x4x80x32xbf16>, tensor<1x2x80x32xbf16>, tensor<1x2x80x16xbf16> -> tensor<1x4x80x16xbf16>, tensor<1x4x80xf32>
  return %o, %lse : tensor<1x4x80x16xbf16>, tensor<1x4x80xf32>
}

// -----

// The backward, causal with grouped-query heads: one kernel function, two
// launches. The first, a block per (batch, head, 64 query rows): D =
// rowsum(dO * O) per row (to shared memory and to a buffer for the second
// launch), then over the keys the rows see: S = Q K^T, P = exp(scale S -
// lse), dP = dO V^T, dS = scale P (dP - D) and dQ += dS K, the four dQ tiles
// of 16 x 8 in registers. The second, a block per (batch, key head, 64 key rows),
// loops over the group's two query heads and the query rows that see its
// keys (from the block's first, causal), dK and dV (four and two tiles) in
// registers across both loops.
// CHECK-LABEL: func.func @backward
// CHECK: %[[R:.*]]:3 = call @backward_attention_bwd(%arg0, %arg1, %arg2, %arg3, %arg4, %arg5)
// CHECK-LABEL: func.func private @backward_attention_bwd
// CHECK-SAME: attributes {aster.kernel = "attention"}
// CHECK-COUNT-6: bufferization.to_buffer %arg{{[0-5]}} read_only
// CHECK: %[[DQ:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x4x80x32xbf16>
// CHECK: %[[DK:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x2x80x32xbf16>
// CHECK: %[[DV:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x2x80x16xbf16>
// CHECK: %[[D:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x4x80xf32>
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c8,
// CHECK:   memref.store %{{.*}}, %[[D]]
// CHECK:   scf.for {{.*}} -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>) {
// CHECK-COUNT-5: nvvm.mma.sync
// CHECK:     math.exp
// CHECK:   memref.store %{{.*}}, %[[DQ]]
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c4,
// CHECK:   scf.for %{{.*}} = %c0{{.*}} to %c2{{.*}} step %c1{{.*}} iter_args({{.*}}) -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// CHECK:     scf.for
// CHECK:       memref.load %[[D]]
// CHECK:       nvvm.mma.sync
// CHECK:       math.exp
// CHECK:   memref.store %{{.*}}, %[[DK]]
// CHECK:   memref.store %{{.*}}, %[[DV]]
// CHECK: bufferization.to_tensor %[[DQ]] restrict writable
// CHECK: bufferization.to_tensor %[[DK]] restrict writable
// CHECK: bufferization.to_tensor %[[DV]] restrict writable
func.func @backward(%q: tensor<1x4x80x32xbf16>, %k: tensor<1x2x80x32xbf16>, %v: tensor<1x2x80x16xbf16>, %o: tensor<1x4x80x16xbf16>, %lse: tensor<1x4x80xf32>, %g: tensor<1x4x80x16xbf16>) -> (tensor<1x4x80x32xbf16>, tensor<1x2x80x32xbf16>, tensor<1x2x80x16xbf16>) {
  %dq, %dk, %dv = aster.attention_bwd %q, %k, %v, %o, %lse, %g causal : tensor<1x4x80x32xbf16>, tensor<1x2x80x32xbf16>, tensor<1x2x80x16xbf16>, tensor<1x4x80x16xbf16>, tensor<1x4x80xf32>, tensor<1x4x80x16xbf16> -> tensor<1x4x80x32xbf16>, tensor<1x2x80x32xbf16>, tensor<1x2x80x16xbf16>
  return %dq, %dk, %dv : tensor<1x4x80x32xbf16>, tensor<1x2x80x32xbf16>, tensor<1x2x80x16xbf16>
}

// -----

// f16, head dimension 128: 64 keys per step would need 66,816 bytes of shared
// memory, so 32 keys (48,896 bytes); no log-sum-exp, so no exact sum.
// CHECK-LABEL: func.func private @d128_attention
// CHECK: workgroup(%{{.*}} : memref<64x136xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x136xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x136xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x40xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<4x16x34xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<64xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} -> (vector<4xf32>, {{.*}}vector<4xf32>, f32, f32) {
func.func @d128(%q: tensor<1x2x64x128xf16>, %k: tensor<1x2x64x128xf16>, %v: tensor<1x2x64x128xf16>) -> tensor<1x2x64x128xf16> {
  %o = aster.attention %q, %k, %v : tensor<1x2x64x128xf16>, tensor<1x2x64x128xf16>, tensor<1x2x64x128xf16> -> tensor<1x2x64x128xf16>
  return %o : tensor<1x2x64x128xf16>
}

// -----

// Left to convert-aster-to-linalg: f32 (no tensor cores), a mask, a head
// dimension that is not a multiple of 16, and head dimension 256, which
// fits no step in 48 KB (but 16 keys per step in 64 KB).
// CHECK-LABEL: func.func @not_taken
// CHECK-COUNT-4: aster.attention
// CHECK-NOT: call
// LDS64-LABEL: func.func @not_taken
// LDS64-COUNT-3: aster.attention
// LDS64: call @not_taken_attention
// LDS64-LABEL: func.func private @not_taken_attention
// LDS64: memref<16x264xbf16, #gpu.address_space<workgroup>>
func.func @not_taken(%q: tensor<1x2x16x32xf32>, %m: tensor<1x1x16x16xf32>, %q2: tensor<1x2x16x24xbf16>, %q3: tensor<1x2x16x256xbf16>)
    -> (tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16x24xbf16>, tensor<1x2x16x256xbf16>) {
  %a = aster.attention %q, %q, %q : tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32> -> tensor<1x2x16x32xf32>
  %b = aster.attention %q, %q, %q mask %m : tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32>, tensor<1x1x16x16xf32> -> tensor<1x2x16x32xf32>
  %c = aster.attention %q2, %q2, %q2 causal : tensor<1x2x16x24xbf16>, tensor<1x2x16x24xbf16>, tensor<1x2x16x24xbf16> -> tensor<1x2x16x24xbf16>
  %d = aster.attention %q3, %q3, %q3 causal : tensor<1x2x16x256xbf16>, tensor<1x2x16x256xbf16>, tensor<1x2x16x256xbf16> -> tensor<1x2x16x256xbf16>
  return %a, %b, %c, %d : tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16x24xbf16>, tensor<1x2x16x256xbf16>
}

// BAD: aster-gpu-attention-kernels: instruction 'wmma' is not mma.sync, mfma, mma.sync-emulated or mfma-emulated
