// RUN: aster-opt %s --aster-gpu-matmul-kernels="async-copy=true warpgroup-mma=true" --split-input-file | FileCheck %s
// RUN: aster-opt %s --aster-gpu-matmul-kernels="instruction=mma.sync-emulated async-copy=true warpgroup-mma=true" --split-input-file | FileCheck %s --check-prefix=EMU
// RUN: aster-opt %s --aster-gpu-matmul-kernels="async-copy=true warpgroup-mma=true tma=true" --split-input-file | FileCheck %s --check-prefix=TMA

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
// With TMA (sm_90's pipeline): on the host, a tensor map per operand, of
// its buffer as [rows][k] or [k][n] (innermost contiguous) for boxes of
// 128 x 64 (A, K-major: one per stage) and 64 x 64 (B, MN-major: one per
// 64 columns); in the block, four mbarriers initialized by thread 0 and
// fenced for the async proxy, the maps acquired by it (tensormap proxy
// fence); thread 0 arms a stage's barrier with both
// tiles' bytes (2 x 128 x 64 x 2 = 32768) and starts the three loads
// (coordinates innermost first: A at (k0, row), B at (column, k0)); every
// thread waits for the stage's barrier, parity alternating with its uses,
// before the wgmma; no cp.async.
// TMA-LABEL: func.func private @linear_k0
// TMA: memref.reinterpret_cast {{.*}} sizes: [200, 64], strides: [64, 1]
// TMA: memref.reinterpret_cast {{.*}} sizes: [64, 96], strides: [96, 1]
// TMA: nvgpu.tma.create.descriptor %{{.*}} box[%c128, %c64] : memref<*xbf16> -> <tensor = memref<128x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_128b, oob = zero, interleave = none>
// TMA: %[[MAPA:.*]] = llvm.ptrtoint
// TMA: nvgpu.tma.create.descriptor %{{.*}} box[%{{.*}}, %{{.*}}] : memref<*xbf16> -> <tensor = memref<64x64xbf16, #gpu.address_space<workgroup>>
// TMA: %[[MAPB:.*]] = llvm.ptrtoint
// TMA: gpu.launch
// TMA: %[[FIRST:.*]] = arith.cmpi eq, %{{.*}}, %c0{{[_0-9]*}} : index
// TMA: %[[BARS:.*]] = nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 4>
// TMA: scf.if %[[FIRST]] {
// TMA-COUNT-4: nvgpu.mbarrier.init %[[BARS]]
// TMA-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// TMA: llvm.inttoptr %[[MAPA]]
// TMA: nvgpu.tma.fence.descriptor
// TMA: llvm.inttoptr %[[MAPB]]
// TMA: nvgpu.tma.fence.descriptor
// TMA: gpu.barrier
// TMA: nvgpu.mbarrier.arrive.expect_tx %[[BARS]][%{{.*}}], %c32768{{[_0-9]*}} :
// TMA: llvm.inttoptr %[[MAPA]]
// TMA: nvgpu.tma.async.load %{{.*}}[%[[K0:.*]], %{{.*}}], %[[BARS]][%{{.*}}] to %{{.*}} : <tensor = memref<128x64xbf16
// TMA: llvm.inttoptr %[[MAPB]]
// TMA: nvgpu.tma.async.load %{{.*}}[%{{.*}}, %[[K0]]], %[[BARS]]
// TMA: nvgpu.tma.async.load %{{.*}}[%{{.*}}, %[[K0]]], %[[BARS]]
// TMA: scf.for
// TMA: gpu.barrier
// TMA: nvgpu.mbarrier.arrive.expect_tx
// TMA-COUNT-3: nvgpu.tma.async.load
// TMA: %[[USE:.*]] = arith.divui %{{.*}}, %c4{{[_0-9]*}} : index
// TMA: %[[ODD:.*]] = arith.andi %[[USE]], %c1{{[_0-9]*}} :
// TMA: %[[PARITY:.*]] = arith.cmpi ne, %[[ODD]], %c0{{[_0-9]*}} :
// TMA: nvgpu.mbarrier.try_wait.parity %[[BARS]][%{{.*}}], %[[PARITY]]
// TMA: nvvm.wgmma.fence.aligned
// TMA-COUNT-4: nvvm.wgmma.mma_async
// TMA: nvvm.wgmma.wait.group.sync.aligned 1
// TMA-NOT: nvgpu.device_async
// TMA: nvvm.wgmma.wait.group.sync.aligned 0

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

// -----

// Batched (two batch loops, each its own dimension of the tensor maps:
// [2, 4, 64, 64] with strides [16384, 4096, 64, 1]): q @ k^T per (b, h),
// both K-major. With TMA the coordinates are innermost first: k, the
// rows, then h and b.
// TMA-LABEL: func.func private @scores_k0
// TMA-COUNT-2: memref.reinterpret_cast {{.*}} sizes: [2, 4, 64, 64], strides: [16384, 4096, 64, 1]
// TMA: gpu.launch
// TMA: %[[H:.*]] = arith.remui %{{.*}}, %c4{{[_0-9]*}} : index
// TMA: %[[B:.*]] = arith.divui %{{.*}}, %c4{{[_0-9]*}} : index
// TMA: nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 4>
// TMA: nvgpu.tma.async.load %{{.*}}[%{{.*}}, %{{.*}}, %[[H]], %[[B]]], %{{.*}} to %{{.*}} : <tensor = memref<1x1x64x64xbf16
#qa = affine_map<(b, h, m, n, k) -> (b, h, m, k)>
#qb = affine_map<(b, h, m, n, k) -> (b, h, n, k)>
#qc = affine_map<(b, h, m, n, k) -> (b, h, m, n)>
func.func private @scores_k0(%q: memref<2x4x64x64xbf16>, %k: memref<2x4x64x64xbf16>, %s: memref<2x4x64x64xf32>) attributes {aster.kernel = "matmul"} {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%s : memref<2x4x64x64xf32>)
  linalg.generic {indexing_maps = [#qa, #qb, #qc], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<2x4x64x64xbf16>, memref<2x4x64x64xbf16>) outs(%s : memref<2x4x64x64xf32>) {
  ^bb0(%p: bf16, %r: bf16, %o: f32):
    %pe = arith.extf %p : bf16 to f32
    %re = arith.extf %r : bf16 to f32
    %m = arith.mulf %pe, %re : f32
    %a = arith.addf %o, %m : f32
    linalg.yield %a : f32
  }
  return
}

// -----

// M flattened from (b, s) while A is [s][b][k]: its rows are not one
// stride, so no tensor map: cp.async copies with wgmma.
// TMA-LABEL: func.func private @strided_rows_k0
// TMA-NOT: nvgpu.tma
// TMA: nvgpu.device_async_copy
// TMA: nvvm.wgmma.mma_async
#sa = affine_map<(b, s, n, k) -> (s, b, k)>
#sb = affine_map<(b, s, n, k) -> (k, n)>
#sc = affine_map<(b, s, n, k) -> (b, s, n)>
func.func private @strided_rows_k0(%x: memref<16x4x64xbf16>, %w: memref<64x64xbf16>, %y: memref<4x16x64xf32>) attributes {aster.kernel = "matmul"} {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<4x16x64xf32>)
  linalg.generic {indexing_maps = [#sa, #sb, #sc], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<16x4x64xbf16>, memref<64x64xbf16>) outs(%y : memref<4x16x64xf32>) {
  ^bb0(%p: bf16, %r: bf16, %o: f32):
    %pe = arith.extf %p : bf16 to f32
    %re = arith.extf %r : bf16 to f32
    %m = arith.mulf %pe, %re : f32
    %a = arith.addf %o, %m : f32
    linalg.yield %a : f32
  }
  return
}
