// RUN: aster-opt %s --aster-gpu-attention-kernels=async-copy=true --split-input-file | FileCheck %s
// RUN: aster-opt %s --aster-gpu-attention-kernels=instruction=mfma --split-input-file | FileCheck %s --check-prefix=MFMA
// RUN: aster-opt %s --aster-gpu-attention-kernels=shared-memory=65536 --split-input-file | FileCheck %s --check-prefix=LDS64
// RUN: aster-opt %s --aster-gpu-attention-kernels="async-copy=true shared-memory-limit=232448" --split-input-file | FileCheck %s --check-prefix=OPTIN
// RUN: not aster-opt %s --aster-gpu-attention-kernels=instruction=wmma --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// Causal bf16 attention with grouped-query heads (4 query heads, 2 key and
// value heads) that saves its log-sum-exp. The op becomes a call of a
// kernel function holding one launch: 8 blocks (1 batch x 4 heads x 2
// blocks of 64 query rows, the second partial), 4 warps of 32 lanes.
// Shared memory: the query rows [64][32 + 8], 64 keys [2][64][32 + 8] and
// values [2][64][16 + 8] per step (two stages), and the f32 staging of the output [4
// warps][16 rows][64 + 2]; P stays in registers. The key loop carries the
// two output tiles of 16 x 8 (four f32 per lane) and, per row the lane
// holds (two), the running max, its part of the sum of P as rounded and
// of the exact sum (for the log-sum-exp); causal, it stops at the block's
// last row (min with the sequence length). With cp.async, keys and values
// have two stages: the first block's copies are waited for with the query
// rows'. Per step: start the next block's copies into the other stage
// (when there is a next block) and commit them | S = Q K^T, the row
// maxima over each quad of lanes (clustered subgroup_reduce), P =
// exp(s - max), P V with the S accumulators as A fragments (no shared
// memory) | wait for the copies, barrier. The sums are combined over the
// quads once, after the loop.
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
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %[[C8]], {{.*}} threads({{.*}}) in (%{{.*}} = %[[C128]], {{.*}} workgroup(%[[QT:.*]] : memref<64x40xbf16, #gpu.address_space<workgroup>>, %[[KT:.*]] : memref<2x64x40xbf16, #gpu.address_space<workgroup>>, %[[VT:.*]] : memref<2x64x24xbf16, #gpu.address_space<workgroup>>, %[[ST:.*]] : memref<4x16x66xf32, #gpu.address_space<workgroup>>)
// CHECK: vector.load %[[Q]]{{.*}} {alignment = 16 : i64} : memref<1x4x80x32xbf16>, vector<8xbf16>
// CHECK: vector.store %{{.*}}, %[[QT]]{{.*}} {alignment = 16 : i64}
// CHECK: nvgpu.device_async_copy %[[K]][{{.*}}], %[[KT]][{{.*}}], 8, %{{.*}} {bypassL1} : memref<1x2x80x32xbf16> to memref<2x64x40xbf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_copy %[[V]][{{.*}}], %[[VT]][{{.*}}], 8, %{{.*}} {bypassL1} : memref<1x2x80x16xbf16> to memref<2x64x24xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[FIRST:.*]] = nvgpu.device_async_create_group
// CHECK-NEXT: nvgpu.device_async_wait %[[FIRST]] {numGroups = 0 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-2: nvgpu.ldmatrix %[[QT]]{{.*}} {numTiles = 4 : i32, transpose = false}
// CHECK: %[[END:.*]] = arith.minui %{{.*}}, %{{.*}} : index
// CHECK: scf.for %[[KS:.*]] = %{{.*}} to %[[END]] step %{{.*}} iter_args({{.*}}) -> (vector<4xf32>, vector<4xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>)
// CHECK-NOT: gpu.barrier
// CHECK:   %[[NEXT:.*]] = arith.addi %[[KS]], %{{.*}} : index
// CHECK:   %[[MORE:.*]] = arith.cmpi ult, %[[NEXT]], %[[END]] : index
// CHECK:   scf.if %[[MORE]] {
// CHECK:     nvgpu.device_async_copy %[[K]]{{.*}}, %[[KT]]
// CHECK:     nvgpu.device_async_copy %[[V]]{{.*}}, %[[VT]]
// CHECK:   %[[GROUP:.*]] = nvgpu.device_async_create_group
// CHECK-NEXT: %[[KS2:.*]] = memref.subview %[[KT]][%[[STAGE:.*]], 0, 0] [1, 64, 40] [1, 1, 1]
// CHECK-NEXT: %[[VS:.*]] = memref.subview %[[VT]][%[[STAGE]], 0, 0] [1, 64, 24] [1, 1, 1]
// CHECK-NOT: gpu.barrier
// CHECK:   nvgpu.ldmatrix %[[KS2]]{{.*}} {numTiles = 2 : i32, transpose = false}
// CHECK:   nvvm.mma.sync
// CHECK-NOT: gpu.barrier
// CHECK:   arith.maximumf
// CHECK:   gpu.subgroup_reduce maximumf %{{.*}} uniform cluster(size = 4) : (f32) -> f32
// CHECK:   gpu.subgroup_reduce maximumf %{{.*}} uniform cluster(size = 4) : (f32) -> f32
// CHECK:   math.exp %{{.*}} : vector<2xf32>
// CHECK:   math.exp %{{.*}} : f32
// CHECK:   arith.truncf %{{.*}} : vector<8xf32> to vector<8xbf16>
// CHECK:   vector.bitcast %{{.*}} : vector<8xbf16> to vector<4xi32>
// CHECK:   nvgpu.ldmatrix %[[VS]]{{.*}} {numTiles = 2 : i32, transpose = true}
// CHECK:   nvvm.mma.sync
// CHECK:   nvgpu.device_async_wait %[[GROUP]] {numGroups = 0 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: scf.yield
// CHECK: gpu.subgroup_reduce add %{{.*}} uniform cluster(size = 4)
// CHECK: arith.divf
// CHECK: math.log
// CHECK: scf.if
// CHECK:   memref.store %{{.*}}, %[[L]]
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
// The accumulator holds a column per lane where MFMA's A wants a row, so
// P goes through shared memory ([64][64 + 8], a barrier before reading
// it); a row is spread over 16 lanes, four rows per lane.
// MFMA-LABEL: func.func private @causal_gqa_attention
// MFMA: %[[C256:.*]] = arith.constant 256 : index
// MFMA: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %[[C256]], {{.*}} workgroup({{.*}}, %[[PT:.*]] : memref<64x72xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<4x16x66xf32, #gpu.address_space<workgroup>>)
// MFMA: scf.for {{.*}} -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// MFMA:   amdgpu.mfma
// MFMA:   gpu.subgroup_reduce maximumf %{{.*}} uniform cluster(size = 16)
// MFMA:   memref.store %{{.*}}, %[[PT]]{{.*}} : memref<64x72xbf16, #gpu.address_space<workgroup>>
// MFMA:   gpu.barrier
// MFMA:   vector.load %[[PT]]
// MFMA:   amdgpu.mfma

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
// registers across both loops. With cp.async, the first launch's keys
// and values are double-buffered as in the forward, the second launch's
// query and dO rows (with their log-sum-exp and D) likewise, each head's
// first step copied before its query loop. P and dS stay in registers (the score
// accumulators are the A fragments of dV, dQ and dK), so neither launch
// has a P tile: the query or key rows, dO or V rows, the other side's
// rows, the output staging and two f32 per row.
// CHECK-LABEL: func.func @backward
// CHECK: %[[R:.*]]:3 = call @backward_attention_bwd(%arg0, %arg1, %arg2, %arg3, %arg4, %arg5)
// CHECK-LABEL: func.func private @backward_attention_bwd
// CHECK-SAME: attributes {aster.kernel = "attention"}
// CHECK-COUNT-6: bufferization.to_buffer %arg{{[0-5]}} read_only
// CHECK: %[[DQ:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x4x80x32xbf16>
// CHECK: %[[DK:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x2x80x32xbf16>
// CHECK: %[[DV:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x2x80x16xbf16>
// CHECK: %[[D:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x4x80xf32>
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c8, {{.*}} workgroup(%{{.*}} : memref<64x40xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x24xbf16, #gpu.address_space<workgroup>>, %[[KT:.*]] : memref<2x64x40xbf16, #gpu.address_space<workgroup>>, %[[VT:.*]] : memref<2x64x24xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<4x16x66xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<64xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<64xf32, #gpu.address_space<workgroup>>) {
// CHECK:   nvgpu.device_async_copy %{{.*}}, %[[KT]]
// CHECK:   nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK:   memref.store %{{.*}}, %[[D]]
// CHECK:   scf.for {{.*}} -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>) {
// CHECK:     scf.if
// CHECK:       nvgpu.device_async_copy %{{.*}}, %[[KT]]
// CHECK:       nvgpu.device_async_copy %{{.*}}, %[[VT]]
// CHECK:     %[[GROUP:.*]] = nvgpu.device_async_create_group
// CHECK-COUNT-5: nvvm.mma.sync
// CHECK:     math.exp
// CHECK:     nvgpu.device_async_wait %[[GROUP]] {numGroups = 0 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: scf.yield
// CHECK:   memref.store %{{.*}}, %[[DQ]]
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c4, {{.*}} workgroup(%{{.*}} : memref<64x40xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x24xbf16, #gpu.address_space<workgroup>>, %[[QT:.*]] : memref<2x64x40xbf16, #gpu.address_space<workgroup>>, %[[GT:.*]] : memref<2x64x24xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<4x16x66xf32, #gpu.address_space<workgroup>>, %[[LSE:.*]] : memref<2x64xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x64xf32, #gpu.address_space<workgroup>>) {
// CHECK:   scf.for %{{.*}} = %c0{{.*}} to %c2{{.*}} step %c1{{.*}} iter_args({{.*}}) -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// CHECK:     nvgpu.device_async_copy %{{.*}}, %[[QT]]
// CHECK:     nvgpu.device_async_copy %{{.*}}, %[[GT]]
// CHECK:     memref.load %[[D]]
// CHECK:     memref.store %{{.*}}, %[[LSE]]
// CHECK:     nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK:     scf.for
// CHECK:       scf.if
// CHECK:         nvgpu.device_async_copy %{{.*}}, %[[QT]]
// CHECK:         memref.load %[[D]]
// CHECK:       %[[COPIES:.*]] = nvgpu.device_async_create_group
// CHECK:       nvvm.mma.sync
// CHECK:       math.exp
// CHECK:       nvgpu.device_async_wait %[[COPIES]] {numGroups = 0 : i32}
// CHECK-NEXT:  gpu.barrier
// CHECK-NEXT:  scf.yield
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

// f16, head dimension 128: 64 keys per step would need 69,120 bytes of shared
// memory, so 32 keys (43,520 bytes); no log-sum-exp, so no exact sum. f16
// A fragments are vector<2xf16> registers.
// CHECK-LABEL: func.func private @d128_attention
// CHECK: workgroup(%{{.*}} : memref<64x136xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x32x136xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x32x136xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<4x16x34xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} -> (vector<4xf32>, {{.*}}vector<4xf32>, vector<2xf32>, vector<2xf32>) {
// CHECK: arith.truncf %{{.*}} : vector<8xf32> to vector<8xf16>
func.func @d128(%q: tensor<1x2x64x128xf16>, %k: tensor<1x2x64x128xf16>, %v: tensor<1x2x64x128xf16>) -> tensor<1x2x64x128xf16> {
  %o = aster.attention %q, %k, %v : tensor<1x2x64x128xf16>, tensor<1x2x64x128xf16>, tensor<1x2x64x128xf16> -> tensor<1x2x64x128xf16>
  return %o : tensor<1x2x64x128xf16>
}

// -----

// An additive key-padding mask ([B, 1, 1, Skv]): the kernel function takes
// it as a fourth buffer; each score adds its mask element (the batch's, at
// the key clamped into the sequence; the broadcast dimensions at 0) after
// the scale, before the causal mask.
// CHECK-LABEL: func.func @masked
// CHECK: call @masked_attention(%arg0, %arg1, %arg2, %arg3)
// CHECK-LABEL: func.func private @masked_attention
// CHECK: %[[M:.*]] = bufferization.to_buffer %arg3 read_only : tensor<2x1x1x40xbf16> to memref<2x1x1x40xbf16>
// CHECK: scf.for
// CHECK:   nvvm.mma.sync
// CHECK:   arith.minui %{{.*}}, %c39{{.*}} : index
// CHECK:   %[[KEY:.*]] = arith.minui %{{.*}}, %c39{{.*}} : index
// CHECK:   %[[BIAS:.*]] = memref.load %[[M]][%{{.*}}, %c0{{.*}}, %c0{{.*}}, %[[KEY]]] : memref<2x1x1x40xbf16>
// CHECK:   %[[F:.*]] = arith.extf %[[BIAS]] : bf16 to f32
// CHECK:   arith.addf %{{.*}}, %[[F]] : f32
// CHECK:   gpu.subgroup_reduce maximumf
func.func @masked(%q: tensor<2x4x40x32xbf16>, %k: tensor<2x2x40x32xbf16>, %v: tensor<2x2x40x16xbf16>, %m: tensor<2x1x1x40xbf16>) -> tensor<2x4x40x16xbf16> {
  %o = aster.attention %q, %k, %v mask %m causal : tensor<2x4x40x32xbf16>, tensor<2x2x40x32xbf16>, tensor<2x2x40x16xbf16>, tensor<2x1x1x40xbf16> -> tensor<2x4x40x16xbf16>
  return %o : tensor<2x4x40x16xbf16>
}

// -----

// Left to convert-aster-to-linalg: f32 (no tensor cores; with or without
// a mask), a head dimension that is not a multiple of 16, and head
// dimension 256, which fits no step in 48 KB (but 16 rows per step in
// 64 KB).
// CHECK-LABEL: func.func @not_taken
// CHECK-COUNT-4: aster.attention
// CHECK: aster.attention_bwd
// CHECK-NOT: call
// LDS64-LABEL: func.func @not_taken
// LDS64-COUNT-3: aster.attention
// LDS64: call @not_taken_attention
// LDS64-LABEL: func.func private @not_taken_attention
// LDS64: memref<1x16x264xbf16, #gpu.address_space<workgroup>>
// With sm_90's opt-in maximum (227 KB) as the limit, the head dimension
// 256 forward takes 32 keys a step (at most, for registers' sake) in two
// stages: 64 + 2 x 2 x 32 rows of 264 halves and the staging, 110,080 bytes of
// dynamic shared memory. The backward takes 16 rows a step (at most), four
// warps of rows; its dK/dV launch splits the head dimension in two: two
// warps per 16 keys (256 threads), each with columns from part x 128 of
// dK and dV.
// OPTIN-LABEL: func.func @not_taken
// OPTIN-COUNT-3: aster.attention
// OPTIN: call @not_taken_attention(
// OPTIN: call @not_taken_attention_bwd(
// OPTIN-LABEL: func.func private @not_taken_attention(
// OPTIN: workgroup(%{{.*}} : memref<64x264xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x32x264xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x32x264xbf16, #gpu.address_space<workgroup>>
// OPTIN-LABEL: func.func private @not_taken_attention_bwd(
// OPTIN: threads({{.*}}) in (%{{.*}} = %c128, {{.*}} workgroup(%{{.*}} : memref<64x264xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x264xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x16x264xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x16x264xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<4x16x18xf32, #gpu.address_space<workgroup>>
// OPTIN: threads(%[[TID:[^,]*]], {{.*}}) in (%{{.*}} = %c256, {{.*}} workgroup(%{{.*}} : memref<64x264xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x264xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x16x264xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<2x16x264xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<8x16x18xf32, #gpu.address_space<workgroup>>
// OPTIN: %[[WARP:.*]] = arith.divui %[[TID]], %c32
// OPTIN: %[[PAIR:.*]] = arith.divui %[[WARP]], %[[TWO:.*]] : index
// OPTIN: %[[PART:.*]] = arith.remui %[[WARP]], %[[TWO2:.*]] : index
// OPTIN: arith.muli %[[PART]], %{{.*}}c128
// OPTIN: arith.muli %[[PART]], %{{.*}}c128
func.func @not_taken(%q: tensor<1x2x16x32xf32>, %m: tensor<1x1x16x16xf32>, %q2: tensor<1x2x16x24xbf16>, %q3: tensor<1x2x16x256xbf16>)
    -> (tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16x24xbf16>, tensor<1x2x16x256xbf16>) {
  %a = aster.attention %q, %q, %q : tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32> -> tensor<1x2x16x32xf32>
  %b = aster.attention %q, %q, %q mask %m : tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32>, tensor<1x1x16x16xf32> -> tensor<1x2x16x32xf32>
  %c = aster.attention %q2, %q2, %q2 causal : tensor<1x2x16x24xbf16>, tensor<1x2x16x24xbf16>, tensor<1x2x16x24xbf16> -> tensor<1x2x16x24xbf16>
  %d = aster.attention %q3, %q3, %q3 causal : tensor<1x2x16x256xbf16>, tensor<1x2x16x256xbf16>, tensor<1x2x16x256xbf16> -> tensor<1x2x16x256xbf16>
  %lse = arith.constant dense<0.0> : tensor<1x2x16xf32>
  %dq, %dk, %dv = aster.attention_bwd %q3, %q3, %q3, %d, %lse, %q3 causal : tensor<1x2x16x256xbf16>, tensor<1x2x16x256xbf16>, tensor<1x2x16x256xbf16>, tensor<1x2x16x256xbf16>, tensor<1x2x16xf32>, tensor<1x2x16x256xbf16> -> tensor<1x2x16x256xbf16>, tensor<1x2x16x256xbf16>, tensor<1x2x16x256xbf16>
  return %a, %b, %c, %dq : tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16x24xbf16>, tensor<1x2x16x256xbf16>
}

// BAD: aster-gpu-attention-kernels: instruction 'wmma' is not mma.sync, mfma, mma.sync-emulated or mfma-emulated
