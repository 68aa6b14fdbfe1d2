// RUN: aster-opt %s --pass-pipeline="builtin.module(gpu.module(aster-gpu-check-limits{chip=sm_90 shared-memory-bytes=49152}))" --split-input-file --verify-diagnostics

// Within the limit: no diagnostic.
module attributes {gpu.container_module} {
  gpu.module @fits {
    gpu.func @small(%y: memref<f32>) workgroup(%b : memref<1024xf32, #gpu.address_space<workgroup>>) kernel {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @big {
    // expected-error @+1 {{kernel @tile needs 65536 bytes of shared memory per block; sm_90 allows 49152}}
    gpu.func @tile(%y: memref<f32>) workgroup(%b : memref<16384xf32, #gpu.address_space<workgroup>>) kernel {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @wide {
    // expected-error @+1 {{kernel @many has 2048 threads per block; sm_90 allows 1024}}
    gpu.func @many(%y: memref<f32>) kernel attributes {known_block_size = array<i32: 2048, 1, 1>} {
      gpu.return
    }
  }
}
