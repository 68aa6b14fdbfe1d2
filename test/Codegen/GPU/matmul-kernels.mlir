// RUN: aster-opt %s --aster-gpu-matmul-kernels=async-copy=true --split-input-file | FileCheck %s
// RUN: aster-opt %s --aster-gpu-matmul-kernels=instruction=mma.sync-emulated --split-input-file | FileCheck %s --check-prefix=EMU
// RUN: aster-opt %s --aster-gpu-matmul-kernels=instruction=mfma --split-input-file | FileCheck %s --check-prefix=MFMA
// RUN: not aster-opt %s --aster-gpu-matmul-kernels=instruction=wmma --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// x @ w + bias, bf16 operands, f32 accumulator, bf16 out (a linear layer
// of a bf16 model). M = 200 gives 4 mma tiles of 16 rows per warp (128
// rows a block, 2 blocks); N = 96 needs 6 tiles of 8 columns per warp,
// rounded up to 8 (128 columns a block, 1 block). x is
// [m][k] (16-byte copies along K, tiles [3][128][40]), w is [k][n]
// (16-byte copies along N, tiles stored transposed [3][32][136], read
// with ldmatrix.trans). With cp.async, three stages: K slices 0 and 1 are
// copied before the loop (a group each, waiting for the first); each of
// the K loop's 2 steps starts the copy of step + 2 (zeros past K), commits
// it, multiplies its stage with the 32 accumulators of 4 f32 per lane
// carried in registers, and waits for all but the latest group. The
// epilogue stages each instruction row, adds the bias and stores bf16,
// guarded at M and N. The f32 accumulator is internal: never stored.
// CHECK-LABEL: func.func private @linear_k0
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[C128:.*]] = arith.constant 128 : index
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %[[C2]], {{.*}} threads({{.*}}) in (%{{.*}} = %[[C128]], {{.*}} workgroup(%[[A:.*]] : memref<3x128x40xbf16, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<3x32x136xbf16, #gpu.address_space<workgroup>>, %[[S:.*]] : memref<4x16x68xf32, #gpu.address_space<workgroup>>)
// CHECK: nvgpu.device_async_copy %{{.*}}, %[[A]][%{{.*}}], 8, %{{.*}} {bypassL1} : memref<200x64xbf16> to memref<3x128x40xbf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_copy %{{.*}}, %[[B]][%{{.*}}], 8, %{{.*}} {bypassL1} : memref<64x96xbf16> to memref<3x32x136xbf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_create_group
// CHECK-NOT: nvgpu.device_async_wait
// CHECK: nvgpu.device_async_copy %{{.*}}, %[[A]]
// CHECK: %[[FIRST:.*]] = nvgpu.device_async_create_group
// CHECK-NEXT: nvgpu.device_async_wait %[[FIRST]] {numGroups = 1 : i32}
// CHECK: scf.for %[[STEP:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (vector<4xf32>,
// CHECK:   gpu.barrier
// CHECK:   %[[NEXT:.*]] = arith.addi %[[STEP]], %[[C2]]
// CHECK:   nvgpu.device_async_copy %{{.*}}, %[[A]]
// CHECK:   nvgpu.device_async_copy %{{.*}}, %[[B]]
// CHECK:   %[[GROUP:.*]] = nvgpu.device_async_create_group
// CHECK:   %[[STAGE:.*]] = arith.remui %[[STEP]]
// CHECK:   %[[SA:.*]] = memref.subview %[[A]][%[[STAGE]], 0, 0] [1, 128, 40] [1, 1, 1]
// CHECK:   %[[SB:.*]] = memref.subview %[[B]][%[[STAGE]], 0, 0] [1, 32, 136] [1, 1, 1]
// CHECK:   nvgpu.ldmatrix %[[SA]]{{.*}} {numTiles = 4 : i32, transpose = false}
// CHECK:   nvgpu.ldmatrix %[[SB]]{{.*}} {numTiles = 2 : i32, transpose = true}
// CHECK:   nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// CHECK-NOT: gpu.barrier
// CHECK:   nvgpu.device_async_wait %[[GROUP]] {numGroups = 1 : i32}
// CHECK-NEXT: scf.yield
// CHECK: %[[LAST:.*]] = nvgpu.device_async_create_group
// CHECK-NEXT: nvgpu.device_async_wait %[[LAST]] {numGroups = 0 : i32}
// CHECK: vector.store %{{.*}}, %[[S]]{{.*}} {alignment = 8 : i64} : memref<4x16x68xf32, #gpu.address_space<workgroup>>, vector<2xf32>
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK:   scf.if
// CHECK:     %[[ACC:.*]] = memref.load %[[S]]
// CHECK-NOT: memref.store %[[ACC]]
// CHECK:     arith.addf
// CHECK:     memref.store %{{.*}}, %{{.*}} : memref<200x96xbf16>
// CHECK: gpu.barrier
// CHECK-NOT: linalg.
// CHECK: return
// On AMD, with MFMA, 64-lane waves (256 threads), 16 x 16 instruction tiles (up
// to 4 x 4 per wave), the [m][k] fragment one 8-byte read, the [k][n] one
// four element reads; four accumulator rows per lane stored. No cp.async:
// two stages, K slice 0 stored before the loop, and each step loads the
// next slice into registers before its multiplications and stores it into
// the other stage after them.
// MFMA-LABEL: func.func private @linear_k0
// MFMA: %[[C256:.*]] = arith.constant 256 : index
// MFMA: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %[[C256]], {{.*}} workgroup(%[[A:.*]] : memref<2x128x40xbf16, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<2x32x136xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<4x16x68xf32, #gpu.address_space<workgroup>>)
// MFMA: vector.store %{{.*}}, %[[A]]
// MFMA: scf.for {{.*}} -> (vector<4xf32>,
// MFMA:   gpu.barrier
// MFMA:   %[[NEXT:.*]] = vector.load %{{.*}} {alignment = 16 : i64} : memref<200x64xbf16>, vector<8xbf16>
// MFMA:   %[[SA:.*]] = memref.subview %[[A]]
// MFMA:   vector.load %[[SA]]{{.*}} {alignment = 8 : i64} : memref<128x40xbf16, strided<[40, 1], offset: ?>, #gpu.address_space<workgroup>>, vector<4xbf16>
// MFMA-COUNT-4: memref.load
// MFMA:   amdgpu.mfma 16x16x16 {{.*}} : vector<4xbf16>, vector<4xbf16>, vector<4xf32>
// MFMA:   vector.store %{{.*}}, %[[A]]
// MFMA-NOT: gpu.barrier
// MFMA:   scf.yield
// MFMA-LABEL: func.func private @grad_k0
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

// A batched x^T-shaped matmul with an f32 result that leaves the kernel
// (a weight gradient): A is [b][k][m] (loads along M, stored [k][m]), B
// [b][k][n] (loads along N, N = 24 being a whole number of 16 bytes);
// K = 20 is one partial step of 32, K past 20 reading as zeros. The
// accumulator is the result: stored, f32. The emulated fragments read
// whole tiles in loops.
// EMU-LABEL: func.func private @grad_k0
// EMU: gpu.launch
// EMU-SAME: workgroup(%[[A:.*]] : memref<2x32x40xbf16, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<2x32x40xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<4x16x20xf32, #gpu.address_space<workgroup>>)
// EMU: arith.cmpi ult
// EMU: arith.select
// EMU: %[[SA:.*]] = memref.subview %[[A]]
// EMU: %[[SB:.*]] = memref.subview %[[B]]
// EMU: memref.load %[[SA]]
// EMU: memref.load %[[SB]]
// EMU: arith.mulf
// EMU: memref.store %{{.*}}, %{{.*}} : memref<3x32x24xf32>
// EMU-NOT: linalg.generic
#a2 = affine_map<(b, m, n, k) -> (b, k, m)>
#b2 = affine_map<(b, m, n, k) -> (b, k, n)>
#c2 = affine_map<(b, m, n, k) -> (b, m, n)>
func.func private @grad_k0(%x: memref<3x20x32xbf16>, %d: memref<3x20x24xbf16>, %g: memref<3x32x24xf32>) attributes {aster.kernel = "matmul"} {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%g : memref<3x32x24xf32>)
  linalg.generic {indexing_maps = [#a2, #b2, #c2], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %d : memref<3x20x32xbf16>, memref<3x20x24xbf16>) outs(%g : memref<3x32x24xf32>) {
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

// f32 operands: not for tensor cores here; left to the generic strategy.
// CHECK-LABEL: func.func private @f32_k0
// EMU-LABEL: func.func private @f32_k0
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
#a3 = affine_map<(m, n, k) -> (m, k)>
#b3 = affine_map<(m, n, k) -> (k, n)>
#c3 = affine_map<(m, n, k) -> (m, n)>
func.func private @f32_k0(%x: memref<8x16xf32>, %w: memref<16x8xf32>, %y: memref<8x8xf32>) attributes {aster.kernel = "matmul"} {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<8x8xf32>)
  linalg.generic {indexing_maps = [#a3, #b3, #c3], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<8x16xf32>, memref<16x8xf32>) outs(%y : memref<8x8xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  return
}

// BAD: instruction 'wmma' is not mma.sync, mfma, mma.sync-emulated or mfma-emulated
