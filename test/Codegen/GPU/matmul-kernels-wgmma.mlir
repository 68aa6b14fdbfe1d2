// RUN: aster-opt %s --aster-gpu-matmul-kernels="async-copy=true warpgroup-mma=true" --split-input-file | FileCheck %s
// RUN: aster-opt %s --aster-gpu-matmul-kernels="instruction=mma.sync-emulated async-copy=true warpgroup-mma=true" --split-input-file | FileCheck %s --check-prefix=EMU

// sm_90a's wgmma. x @ w + bias: x is [m][k] (a K-major A tile), w [k][n]
// (an MN-major B tile). M = 200: two warpgroups (256 threads), 128 rows a
// block (2 blocks); N = 96 in one 128-wide block. One buffer of
// 1024 + 4 x (128 + 128) x 64 x 2 bytes, 1024-byte aligned at run time,
// holds the four A stages ([4][128][64]), the four B stages ([4][2][64]
// [64]: two 64-wide blocks of n, a row per k) and, after the K loop, the
// epilogue's staging. Copies (two steps ahead) put 16-byte chunk c of row
// r at chunk c ^ (r % 8). Each wait for copies is followed by the
// async-proxy fence; each warpgroup multiplies its 64 rows of the stage
// with four m64n128k16 wgmma from descriptors (A not transposed, B
// transposed), committed, and waits for the previous step's group (one
// stays in flight; the fourth stage keeps its tiles until it is done); the
// accumulator is carried as the mma.sync layout's 16 vector<4xf32> per
// lane.
// CHECK-LABEL: func.func private @linear_k0
// CHECK: %[[C256:.*]] = arith.constant 256 : index
// CHECK-NEXT: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %[[C256]], {{.*}} workgroup(%[[RAW:.*]] : memref<132096xi8, #gpu.address_space<workgroup>>)
// CHECK: %[[PTR:.*]] = memref.extract_aligned_pointer_as_index %[[RAW]]
// CHECK: %[[C1024:.*]] = arith.constant 1024 : index
// CHECK: %[[GAP:.*]] = arith.subi %[[C1024]], %[[PTR]]
// CHECK: %[[C1023:.*]] = arith.constant 1023 : index
// CHECK: %[[SHIFT:.*]] = arith.andi %[[GAP]], %[[C1023]]
// CHECK: %[[A:.*]] = memref.view %[[RAW]][%[[SHIFT]]][] : memref<132096xi8, #gpu.address_space<workgroup>> to memref<4x128x64xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[B:.*]] = memref.view %[[RAW]][%{{.*}}][] : memref<132096xi8, #gpu.address_space<workgroup>> to memref<4x2x64x64xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[S:.*]] = memref.view %[[RAW]][%[[SHIFT]]][] : memref<132096xi8, #gpu.address_space<workgroup>> to memref<8x16x132xf32, #gpu.address_space<workgroup>>
// CHECK: arith.xori
// CHECK: nvgpu.device_async_copy %{{.*}}, %[[A]][%{{.*}}], 8, %{{.*}} {bypassL1} : memref<200x64xbf16> to memref<4x128x64xbf16, #gpu.address_space<workgroup>>
// CHECK: arith.xori
// CHECK: nvgpu.device_async_copy %{{.*}}, %[[B]][%{{.*}}], 8, %{{.*}} {bypassL1} : memref<64x96xbf16> to memref<4x2x64x64xbf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_create_group
// CHECK-NOT: nvgpu.device_async_wait
// CHECK: %[[FIRST:.*]] = nvgpu.device_async_create_group
// CHECK-NEXT: nvgpu.device_async_wait %[[FIRST]] {numGroups = 1 : i32}
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK: scf.for {{.*}} -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>) {
// CHECK:   gpu.barrier
// CHECK:   %[[GROUP:.*]] = nvgpu.device_async_create_group
// The descriptors' fixed fields: swizzle mode 1 (bit 62), stride offset
// 1024 >> 4 (bit 32), leading offset 1 (K-major A) or 8192 >> 4 (MN-major
// B) at bit 16; the k-th slice 2 k (32 bytes) or 128 k (2048 bytes)
// further.
// CHECK-DAG: arith.constant 4611686293305360384 : i64
// CHECK-DAG: arith.constant 4611686293338849280 : i64
// CHECK:   nvvm.wgmma.fence.aligned
// CHECK:   nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 128, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <row>]
// CHECK-DAG: arith.constant 2 : i64
// CHECK-DAG: arith.constant 128 : i64
// CHECK-COUNT-3: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 128, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <row>]
// CHECK-NEXT: nvvm.wgmma.commit.group.sync.aligned
// CHECK:   nvvm.wgmma.wait.group.sync.aligned 1
// CHECK-NOT: gpu.barrier
// CHECK:   nvgpu.device_async_wait %[[GROUP]] {numGroups = 1 : i32}
// CHECK-NEXT: nvvm.fence.proxy
// CHECK-NEXT: scf.yield
// The last group, and the staging is over the stages: every warpgroup done
// with them first.
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-NEXT: gpu.barrier
// CHECK: vector.store %{{.*}}, %[[S]]
// CHECK: memref.store %{{.*}}, %{{.*}} : memref<200x96xbf16>
// CHECK-NOT: linalg.
// CHECK: return
// Emulated: the same tiles and copies, whole tiles per lane read through
// the swizzle; no wgmma, no fence.
// EMU-LABEL: func.func private @linear_k0
// EMU: workgroup(%{{.*}} : memref<132096xi8, #gpu.address_space<workgroup>>)
// EMU-NOT: nvvm.
// EMU: scf.for
// EMU: arith.xori
// EMU: memref.load %{{.*}} : memref<128x64xbf16, strided<[64, 1], offset: ?>, #gpu.address_space<workgroup>>
// EMU: arith.xori
// EMU: memref.load %{{.*}} : memref<2x64x64xbf16, strided<[4096, 64, 1], offset: ?>, #gpu.address_space<workgroup>>
// EMU-NOT: nvvm.
// EMU: return
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(m, n) -> (m, n)>
#col = affine_map<(m, n) -> (n)>
func.func private @linear_k0(%x: memref<200x64xbf16>, %w: memref<64x96xbf16>, %bias: memref<96xbf16>, %y: memref<200x96xbf16>) attributes {aster.kernel = "matmul"} {
  %zero = arith.constant 0.0 : f32
  %acc = memref.alloc() : memref<200x96xf32>
  linalg.fill ins(%zero : f32) outs(%acc : memref<200x96xf32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<200x64xbf16>, memref<64x96xbf16>) outs(%acc : memref<200x96xf32>) {
  ^bb0(%p: bf16, %q: bf16, %o: f32):
    %pe = arith.extf %p : bf16 to f32
    %qe = arith.extf %q : bf16 to f32
    %m = arith.mulf %pe, %qe : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%acc, %bias : memref<200x96xf32>, memref<96xbf16>) outs(%y : memref<200x96xbf16>) {
  ^bb0(%v: f32, %bb: bf16, %o: bf16):
    %be = arith.extf %bb : bf16 to f32
    %s = arith.addf %v, %be : f32
    %t = arith.truncf %s : f32 to bf16
    linalg.yield %t : bf16
  }
  return
}

// -----

// x @ w^T with w [n][k] (a K-major B tile), f16, M = 40: one warpgroup
// (128 threads, 64 rows a block); N = 24 rounded up to 32 columns
// (m64n32k16, not transposed); K = 136 in three steps of 64, the last
// partial (its chunks past K zero-filled); four stages of 64 + 32 rows.
// CHECK-LABEL: func.func private @attn_scores_k0
// CHECK: %[[C128:.*]] = arith.constant 128 : index
// CHECK-NEXT: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %[[C128]], {{.*}} workgroup(%{{.*}} : memref<50176xi8, #gpu.address_space<workgroup>>)
// CHECK: memref.view {{.*}} to memref<4x64x64xf16, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<4x32x64xf16, #gpu.address_space<workgroup>>
// CHECK-COUNT-4: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 32, k = 16>, D[<f32>, <one>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>]
#a2 = affine_map<(m, n, k) -> (m, k)>
#b2 = affine_map<(m, n, k) -> (n, k)>
#c2 = affine_map<(m, n, k) -> (m, n)>
func.func private @attn_scores_k0(%x: memref<40x136xf16>, %w: memref<24x136xf16>, %y: memref<40x24xf32>) attributes {aster.kernel = "matmul"} {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<40x24xf32>)
  linalg.generic {indexing_maps = [#a2, #b2, #c2], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<40x136xf16>, memref<24x136xf16>) outs(%y : memref<40x24xf32>) {
  ^bb0(%p: f16, %q: f16, %o: f32):
    %pe = arith.extf %p : f16 to f32
    %qe = arith.extf %q : f16 to f32
    %m = arith.mulf %pe, %qe : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// K = 70 is no whole number of 16-byte chunks along K, and A's rows are
// not contiguous: element copies, which wgmma's swizzled tiles do not
// take; the mma.sync strategy instead.
// CHECK-LABEL: func.func private @odd_k0
// CHECK-NOT: nvvm.wgmma
// CHECK: nvvm.mma.sync
// CHECK-NOT: nvvm.wgmma
// CHECK: return
#a3 = affine_map<(m, n, k) -> (m, k)>
#b3 = affine_map<(m, n, k) -> (k, n)>
#c3 = affine_map<(m, n, k) -> (m, n)>
func.func private @odd_k0(%x: memref<33x70xbf16>, %w: memref<70x45xbf16>, %y: memref<33x45xf32>) attributes {aster.kernel = "matmul"} {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<33x45xf32>)
  linalg.generic {indexing_maps = [#a3, #b3, #c3], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<33x70xbf16>, memref<70x45xbf16>) outs(%y : memref<33x45xf32>) {
  ^bb0(%p: bf16, %q: bf16, %o: f32):
    %pe = arith.extf %p : bf16 to f32
    %qe = arith.extf %q : bf16 to f32
    %m = arith.mulf %pe, %qe : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// x^T @ w with x [k][m] (an MN-major A tile: [4][1][64][64], A transposed
// in the instruction) and w [k][n] (MN-major B).
// CHECK-LABEL: func.func private @grad_k0
// CHECK: memref.view {{.*}} to memref<4x1x64x64xbf16, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<4x1x64x64xbf16, #gpu.address_space<workgroup>>
// CHECK-COUNT-4: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 64, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <col>], B[<bf16>, <one>, <row>]
#a4 = affine_map<(m, n, k) -> (k, m)>
#b4 = affine_map<(m, n, k) -> (k, n)>
#c4 = affine_map<(m, n, k) -> (m, n)>
func.func private @grad_k0(%x: memref<96x40xbf16>, %d: memref<96x56xbf16>, %g: memref<40x56xf32>) attributes {aster.kernel = "matmul"} {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%g : memref<40x56xf32>)
  linalg.generic {indexing_maps = [#a4, #b4, #c4], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %d : memref<96x40xbf16>, memref<96x56xbf16>) outs(%g : memref<40x56xf32>) {
  ^bb0(%p: bf16, %q: bf16, %o: f32):
    %pe = arith.extf %p : bf16 to f32
    %qe = arith.extf %q : bf16 to f32
    %m = arith.mulf %pe, %qe : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  return
}
