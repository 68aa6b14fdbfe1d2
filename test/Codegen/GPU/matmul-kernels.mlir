// RUN: aster-opt %s --aster-gpu-matmul-kernels --split-input-file | FileCheck %s
// RUN: aster-opt %s --aster-gpu-matmul-kernels=instruction=mma.sync-emulated --split-input-file | FileCheck %s --check-prefix=EMU
// RUN: aster-opt %s --aster-gpu-matmul-kernels=instruction=mfma --split-input-file | FileCheck %s --check-prefix=MFMA
// RUN: not aster-opt %s --aster-gpu-matmul-kernels=instruction=wmma --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// x @ w + bias, bf16 operands, f32 accumulator, bf16 out (a linear layer
// of a bf16 model). M = 200 gives 4 mma tiles of 16 rows per warp (128
// rows a block, 2 blocks); N = 96 needs 6 tiles of 8 columns per warp,
// rounded up to 8 (128 columns a block, 1 block). x is
// [m][k] (16-byte loads along K, tile [128][40]), w is [k][n] (16-byte
// loads along N, tile stored transposed [32][136], read with
// ldmatrix.trans). The K loop (K = 64, 2 steps of 32) carries 32
// accumulators of 4 f32 per lane; the epilogue stages each instruction
// row, adds the bias and stores bf16, guarded at M and N. The f32
// accumulator is internal: never stored.
// CHECK-LABEL: func.func private @linear_k0
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[C128:.*]] = arith.constant 128 : index
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %[[C2]], {{.*}} threads({{.*}}) in (%{{.*}} = %[[C128]], {{.*}} workgroup(%[[A:.*]] : memref<128x40xbf16, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<32x136xbf16, #gpu.address_space<workgroup>>, %[[S:.*]] : memref<4x16x68xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (vector<4xf32>, 
// CHECK:   vector.load %{{.*}} {alignment = 16 : i64} : memref<200x64xbf16>, vector<8xbf16>
// CHECK:   vector.store %{{.*}}, %[[A]]{{.*}} {alignment = 16 : i64} : memref<128x40xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK:   vector.load %{{.*}} {alignment = 16 : i64} : memref<64x96xbf16>, vector<8xbf16>
// CHECK:   vector.store %{{.*}}, %[[B]]{{.*}} {alignment = 16 : i64} : memref<32x136xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK:   gpu.barrier
// CHECK:   nvgpu.ldmatrix %[[A]]{{.*}} {numTiles = 4 : i32, transpose = false}
// CHECK:   nvgpu.ldmatrix %[[B]]{{.*}} {numTiles = 2 : i32, transpose = true}
// CHECK:   nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// CHECK:   gpu.barrier
// CHECK:   scf.yield
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
// four element reads; four accumulator rows per lane stored.
// MFMA-LABEL: func.func private @linear_k0
// MFMA: %[[C256:.*]] = arith.constant 256 : index
// MFMA: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %[[C256]], {{.*}} workgroup(%[[A:.*]] : memref<128x40xbf16, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<32x136xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<4x16x68xf32, #gpu.address_space<workgroup>>)
// MFMA: scf.for {{.*}} -> (vector<4xf32>,
// MFMA:   vector.load %[[A]]{{.*}} {alignment = 8 : i64} : memref<128x40xbf16, #gpu.address_space<workgroup>>, vector<4xbf16>
// MFMA-COUNT-4: memref.load %[[B]]
// MFMA:   amdgpu.mfma 16x16x16 {{.*}} : vector<4xbf16>, vector<4xbf16>, vector<4xf32>
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
// EMU-SAME: workgroup(%[[A:.*]] : memref<32x40xbf16, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<32x40xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<4x16x20xf32, #gpu.address_space<workgroup>>)
// EMU: arith.cmpi ult
// EMU: arith.select
// EMU: memref.load %[[A]]
// EMU: memref.load %[[B]]
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
