// RUN: aster-opt %s --aster-gpu-emulate-blocks --split-input-file | FileCheck %s

// A launch of 3 blocks of 4 threads, as loops: over the blocks, then one
// loop over the threads per phase (the barrier and the all-reduce end
// phases); the partials go through a 4-element array that the next phase
// folds; the thread test is recomputed in the phase that uses it.
// CHECK-LABEL: func.func @k
// CHECK: %[[P:.*]] = memref.alloca() : memref<4xf32>
// CHECK: scf.for %[[B:[a-z0-9]+]] = %{{.*}} to %{{.*}} step
// CHECK:   scf.for %[[T:[a-z0-9]+]] = %{{.*}} to %{{.*}} step
// CHECK:     memref.load %{{.*}}[%[[B]], %[[T]]]
// CHECK:     memref.store %{{.*}}, %[[P]][%[[T]]]
// CHECK:   scf.for %[[T2:[a-z0-9]+]] =
// CHECK:     %[[FIRST:.*]] = memref.load %[[P]][%{{.*}}]
// CHECK:     %[[SUM:.*]] = scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[FIRST]])
// CHECK:       arith.addf %[[ACC]]
// CHECK:     arith.cmpi eq, %[[T2]]
// CHECK:     scf.if
// CHECK:       memref.store %[[SUM]]
// CHECK-NOT: gpu.
func.func @k(%x: memref<3x4xf32>, %y: memref<3xf32>) {
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  gpu.launch blocks(%b, %b1, %b2) in (%g0 = %c3, %g1 = %c1, %g2 = %c1) threads(%t, %t1, %t2) in (%s0 = %c4, %s1 = %c1, %s2 = %c1) {
    %c0 = arith.constant 0 : index
    %first = arith.cmpi eq, %t, %c0 : index
    %v = memref.load %x[%b, %t] : memref<3x4xf32>
    %s = gpu.all_reduce add %v uniform {} : (f32) -> f32
    scf.if %first {
      memref.store %s, %y[%b] : memref<3xf32>
    }
    gpu.barrier
    gpu.terminator
  }
  return
}

// -----

// A warp-collective ldmatrix (two 8x8 matrices, transposed) ends its
// phase: each lane stores its row address (two indices); where a later
// phase uses the result, each lane reads the addresses of the lanes that
// hold its rows (lanes 2 (l % 4) and + 1 of each matrix, for .trans) and
// loads its elements from the shared buffer (as 16-bit integers).
// CHECK-LABEL: func.func @ldmatrix
// CHECK-DAG: %[[ROWS:.*]] = memref.alloc() : memref<32xindex>
// CHECK-DAG: %[[COLS:.*]] = memref.alloc() : memref<32xindex>
// CHECK-DAG: %[[SHARED:.*]] = memref.alloca() {alignment = 16 : i64} : memref<16x8xbf16>
// CHECK: scf.for %[[B:[a-z0-9]+]] =
// CHECK:   scf.for %[[T:[a-z0-9]+]] =
// CHECK:     memref.store %{{.*}}, %[[ROWS]][%[[T]]]
// CHECK:     memref.store %{{.*}}, %[[COLS]][%[[T]]]
// CHECK:   scf.for %[[T2:[a-z0-9]+]] =
// CHECK:     memref.load %[[ROWS]]
// CHECK:     memref.load %[[COLS]]
// CHECK:     vector.load %[[SHARED]]
// CHECK:     vector.bitcast %{{.*}} : vector<1xbf16> to vector<1xi16>
// CHECK:     vector.bitcast %{{.*}} : vector<4xi16> to vector<4xbf16>
// CHECK:     vector.shape_cast %{{.*}} : vector<4xbf16> to vector<2x2xbf16>
// CHECK-NOT: nvgpu.ldmatrix
func.func @ldmatrix(%y: memref<32x2x2xbf16>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%b, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1) threads(%t, %t1, %t2) in (%s0 = %c32, %s1 = %c1, %s2 = %c1)
      workgroup(%tile : memref<16x8xbf16, #gpu.address_space<workgroup>>) {
    %c0 = arith.constant 0 : index
    %c16 = arith.constant 16 : index
    %row = arith.remui %t, %c16 : index
    %m = nvgpu.ldmatrix %tile[%row, %c0] {numTiles = 2 : i32, transpose = true} : memref<16x8xbf16, #gpu.address_space<workgroup>> -> vector<2x2xbf16>
    vector.transfer_write %m, %y[%t, %c0, %c0] {in_bounds = [true, true]} : vector<2x2xbf16>, memref<32x2x2xbf16>
    gpu.terminator
  }
  return
}

// -----

// cp.async is a copy done when issued: zeros stored first, then, unless it
// reads no element (here: past the end of x), the 16 bytes loaded and
// masked to the elements it reads (as 16-bit integers); its group and
// wait go. A view of shared memory (a pipeline stage) loses the address
// space with the buffer it views.
// CHECK-LABEL: func.func @async_copy
// CHECK: %[[SHARED:.*]] = memref.alloca() {alignment = 16 : i64} : memref<2x4x8xbf16>
// CHECK: scf.for
// CHECK:   scf.for
// CHECK:     %[[MASK:.*]] = vector.create_mask %[[COUNT:.*]] : vector<8xi1>
// CHECK:     %[[READS:.*]] = arith.cmpi ne, %[[COUNT]], %{{.*}} : index
// CHECK:     vector.store %{{.*}}, %[[SHARED]][%{{.*}}] : memref<2x4x8xbf16>, vector<8xbf16>
// CHECK:     scf.if %[[READS]] {
// CHECK:       %[[V:.*]] = vector.load %{{.*}} : memref<16xbf16>, vector<8xbf16>
// CHECK:       %[[BITS:.*]] = vector.bitcast %[[V]] : vector<8xbf16> to vector<8xi16>
// CHECK:       arith.select %[[MASK]], %[[BITS]], %{{.*}} : vector<8xi1>, vector<8xi16>
// CHECK:       vector.store %{{.*}}, %[[SHARED]]
// CHECK:   scf.for
// CHECK:     memref.subview %[[SHARED]][1, 0, 0] [1, 4, 8] [1, 1, 1] : memref<2x4x8xbf16> to memref<4x8xbf16, strided<[8, 1], offset: 32>>
// CHECK-NOT: nvgpu.
func.func @async_copy(%x: memref<16xbf16>, %y: memref<4x8xbf16>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  gpu.launch blocks(%b, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1) threads(%t, %t1, %t2) in (%s0 = %c4, %s1 = %c1, %s2 = %c1)
      workgroup(%tiles : memref<2x4x8xbf16, #gpu.address_space<workgroup>>) {
    %c0 = arith.constant 0 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %start = arith.muli %t, %c8 : index
    %inside = arith.cmpi ult, %start, %c16 : index
    %count = arith.select %inside, %c8, %c0 : index
    %cp = nvgpu.device_async_copy %x[%start], %tiles[%c1, %t, %c0], 8, %count {bypassL1} : memref<16xbf16> to memref<2x4x8xbf16, #gpu.address_space<workgroup>>
    %group = nvgpu.device_async_create_group
    nvgpu.device_async_wait %group {numGroups = 0 : i32}
    gpu.barrier
    %stage = memref.subview %tiles[1, 0, 0] [1, 4, 8] [1, 1, 1] : memref<2x4x8xbf16, #gpu.address_space<workgroup>> to memref<4x8xbf16, strided<[8, 1], offset: 32>, #gpu.address_space<workgroup>>
    %v = vector.load %stage[%t, %c0] : memref<4x8xbf16, strided<[8, 1], offset: 32>, #gpu.address_space<workgroup>>, vector<8xbf16>
    vector.store %v, %y[%t, %c0] : memref<4x8xbf16>, vector<8xbf16>
    gpu.terminator
  }
  return
}
