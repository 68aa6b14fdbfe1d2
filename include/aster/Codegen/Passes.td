//===- Passes.td - Code generation passes --------------------*- tablegen -*-===//

#ifndef ASTER_CODEGEN_PASSES_TD
#define ASTER_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAsterToLinalg : Pass<"convert-aster-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower aster ops to linalg, tensor, arith and math on tensors";
  let description = [{
    The first step of code generation, shared by the CPU and GPU paths:
    every aster op becomes upstream ops on tensors (one conversion file per
    op family in lib/Codegen/Common). Elementwise ops with numpy
    broadcasting become `linalg.generic`s whose indexing maps broadcast;
    matmuls are `linalg.generic` contractions accumulating in f32 for 16-bit
    operands; reductions, softmax and the norms are reductions plus
    elementwise generics, computed in f32 for 16-bit inputs; data movement
    uses `tensor` ops and `linalg.transpose`; gathers and embeddings read
    with `tensor.extract` (an index outside the table is clamped: token ids
    are checked before a step runs). `attention` and `attention_fwd`
    without a mask become flash attention: one `scf.forall` over (batch,
    head, query block) looping over key blocks with an online softmax, so
    that no sequence-by-sequence score matrix is ever formed.

    An op without a lowering yet fails the pass, naming the op.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect"
  ];
  let options = [
    Option<"flashAttention", "flash-attention", "bool", /*default=*/"true",
           "Lower attention without a mask to the flash loop (the CPU "
           "path); off, attention is spelled out as matmuls and a softmax">
  ];
}

def CopiesToLinalg : Pass<"aster-copies-to-linalg"> {
  let summary = "Rewrite memref.copy as linalg.copy";
  let description = [{
    Bufferization copies into out-parameters with `memref.copy`, whose LLVM
    lowering calls the MLIR runtime's `memrefCopy` when a side is strided.
    Kernels link no MLIR runtime, so copies become `linalg.copy` and then
    loops like every other kernel.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def StripParameterAttrs : Pass<"aster-strip-parameter-attrs", "::mlir::ModuleOp"> {
  let summary = "Remove the aster.* argument attributes from lowered functions";
  let description = [{
    `aster.name`, `aster.init` and `aster.data` describe parameters and
    data to the interpreter and the bundle writer, which read them before
    code generation. The lowered module leaves the aster dialect, so that
    `mlir-translate` and LLVM see only upstream attributes.
  }];
}

def FuseElementwise : Pass<"aster-fuse-elementwise"> {
  let summary = "Fuse elementwise producers into consumers that read each element once";
  let description = [{
    Upstream's producer-consumer fusion of `linalg.generic`s, controlled so
    that it never multiplies work: an all-parallel producer with one use is
    fused into its consumer only when the consumer's indexing map for it is
    a permutation of all the consumer's loops, so each produced element is
    computed exactly once. A GELU is not fused into the matmul that reads it
    (that would evaluate the tanh once per output column), and a
    normalization is not fused as a matmul prologue; those stay separate
    generics, and kernel formation puts epilogues after a matmul instead.

    Transposes become generics that fold into their consumers' indexing
    maps, and a generic reading a reshape that only adds or drops unit
    dimensions (a keep-dims reduction result) reads its source through an
    adjusted map, so that the ops of a row stay directly connected.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def FormKernels : Pass<"aster-form-kernels", "::mlir::ModuleOp"> {
  let summary = "Group linalg ops into kernels and outline each as a function";
  let description = [{
    The fusion phase. The ops of every function on tensors are grouped into
    kernels, and each kernel is outlined as a private function
    `@<function>_k<N>_<kind>` carrying `aster.kernel = "<kind>"`, called
    from where its ops were. A kernel is a unit that one launch (GPU) or one
    parallel loop nest (CPU) computes, reading its inputs and writing its
    results once:

    - `matmul`: one contraction, the fill of its accumulator and the
      elementwise epilogue that reads its result (bias, activation,
      residual, scaling, dtype conversion);
    - `reduction`: row reductions (norms, softmax, log-sum-exp,
      cross-entropy) with the elementwise ops around them that share their
      rows: the kernel can be tiled over rows and makes one pass over each;
    - `elementwise`, `gather` (reads a table with computed indices) and
      `copy` (transposes, slice insertions, concatenations, pads);
    - `fill`: a constant tensor that no other kernel consumes.

    Fusion never recomputes: a producer joins a consumer's kernel only along
    edges that keep each element computed once (see aster-fuse-elementwise),
    and never a second contraction. Merges that would make the kernel graph
    cyclic are refused. Views (slices, reshapes), constants and
    `tensor.empty` are cloned into the kernels that read them; the rest
    (calls, scalar code, returns) stays in the calling function.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def CPUTileAndVectorize : Pass<"aster-cpu-tile-and-vectorize", "::mlir::ModuleOp"> {
  let summary = "Tile matmul kernels for caches and threads, vectorize register tiles";
  let description = [{
    For each `aster.kernel = "matmul"` function: the kernel's last op is
    tiled into an `scf.forall` over output tiles of at most 64 x 256 (the
    threads' unit of work) with the contraction and its fill fused into
    each tile. Inside, the contraction is tiled into register tiles of 4 x
    (2 x vector-width) outputs with the reduction loop innermost, each
    vectorized to a `vector.contract` whose accumulator is hoisted out of
    the reduction loop. Tile sizes divide the loop ranges, so tiles have
    static shapes and need no masks.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", "8",
           "f32 lanes of a vector register (8: AVX2, 16: AVX-512)">
  ];
  // Every dialect whose ops tiling creates is loaded before the pass builds
  // its canonicalization patterns (once, in initialize()).
  let dependentDialects = [
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
    "::mlir::tensor::TensorDialect", "::mlir::affine::AffineDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::arith::ArithDialect"
  ];
}

def CPUTileRows : Pass<"aster-cpu-tile-rows", "::mlir::ModuleOp"> {
  let summary = "Tile row and elementwise kernels over rows, on threads";
  let description = [{
    For each `reduction`, `elementwise` or `gather` kernel: every op whose
    results only the kernel's return reads (a sink) is tiled over its
    leading parallel rows into an `scf.forall`, and the kernel's other ops
    are fused into each tile, so that a tile of rows is read once and all
    of its reductions and elementwise steps run on data in cache. The last
    row loop is split into tiles of about `tile-elements` elements (whole
    rows), the loops before it one at a time. A kernel whose sinks share a
    producer is left untiled rather than computing the producer twice.
  }];
  let options = [
    Option<"tileElements", "tile-elements", "int64_t", "4096",
           "elements of a tile (rows are never split)">
  ];
  let dependentDialects = [
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"
  ];
}

def CPUPlanArena : Pass<"aster-cpu-plan-arena", "::mlir::ModuleOp"> {
  let summary = "Place the temporaries of each calling function in one arena";
  let description = [{
    Runs on bufferized IR, before deallocation. In each function that is
    not a kernel (the entry points and the functions they call), every
    statically shaped `memref.alloc` at the top level gets an offset in one
    arena by first fit over live ranges (an allocation lives from its
    definition to the last use of it or of a view of it; offsets are
    64-byte aligned), and becomes a `memref.view` of the arena: a
    zero-initialized global `@__aster_arena_<function>` of the shared
    object, so that a step allocates nothing. The arena's size is the
    function's `aster.arena_bytes` (the bundle's plan.json records it).
    An allocation that calls write and that is then copied whole into an
    out-parameter nothing else uses becomes that out-parameter.

    Kernels run one at a time (their threads work inside them), so the
    top-level temporaries of all kernel functions (packed operands,
    intermediates not fused into tiles) share one scratch arena,
    `@__aster_kernel_scratch`, as large as the largest kernel needs.
    Tile-local temporaries inside parallel loops stay allocations. Arenas
    make the code non-reentrant: two threads must not run entry points of
    one shared object at the same time.
  }];
  let dependentDialects = [
    "::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect"
  ];
}

def InlineAllocaScopes : Pass<"aster-inline-alloca-scopes"> {
  let summary = "Inline memref.alloca_scope ops that hold no memref.alloca";
  let description = [{
    `convert-scf-to-openmp` wraps each parallel body in an
    `memref.alloca_scope`. Upstream canonicalization keeps a scope when an
    op in it has unknown memory effects (a call to the deallocation
    helper), and lowering the loops inside to blocks then breaks the
    scope's single-block rule. Kernels never allocate on the stack, so a
    scope with no `memref.alloca` directly in it is inlined.
  }];
}

def GPUMapLoops : Pass<"aster-gpu-map-loops", "::mlir::ModuleOp"> {
  let summary = "Map each kernel's parallel loops onto GPU blocks and threads";
  let description = [{
    Runs on bufferized IR, before `convert-parallel-loops-to-gpu`. This is
    the generic GPU strategy, the one every kernel gets unless a
    family-specific strategy took it. Each linalg op becomes loops with its
    parallel dimensions outermost (one `scf.parallel`) and its reductions
    innermost (sequential `scf.for`s); then each
    top-level `scf.parallel` of a function is collapsed to one dimension
    and tiled into blocks of `block-size` threads (an `scf.if` guards the
    last block), the outer loop mapped to `block_x` and the inner one to
    `thread_x`; loops nested deeper run sequentially in their thread.
    Top-level loops with no parallel dimension (a reduction to a scalar)
    run in one thread.

    Constant tables reach the kernels that read them, not the host: a
    kernel function argument that every call passes the same constant
    global becomes a `memref.get_global` inside the kernel, and reads of a
    global inside a mapped loop are cloned into it, so that kernel
    outlining copies the global into the device module.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block">
  ];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
    "::mlir::affine::AffineDialect", "::mlir::memref::MemRefDialect"
  ];
}

def GPURowKernels : Pass<"aster-gpu-row-kernels", "::mlir::ModuleOp"> {
  let summary = "Row kernels on the GPU: one block per row, block-wide reductions";
  let description = [{
    Runs on bufferized IR, before the arenas are planned. A kernel of kind
    `reduction` whose ops share their leading parallel loops (the rows) and
    whose other loops (the columns) are, per op, all parallel or all
    reductions becomes one `gpu.launch` with a block per row: each op is a
    loop in which the T threads of the block stride over the row's columns
    (thread t takes chunk t, t + T, ...: coalesced), a reduction is a
    per-thread partial from the combiner's neutral element combined by
    `gpu.all_reduce` and folded into the output by thread 0, and a
    `gpu.barrier` separates consecutive ops, a row-scalar op being
    computed by thread 0. Over a one-dimensional row a chunk is V
    consecutive columns (16 bytes of the op's widest element, when V
    divides the row): operands contiguous along the row are read with one
    vector load and written with one vector store. An elementwise op whose
    result only later ops of the kernel read is not materialized: its
    payload is recomputed at each read. The block has between 64 and 1024 threads,
    about a quarter of the widest row. Kernels of another shape are left to
    `aster-gpu-map-loops`.
  }];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::affine::AffineDialect", "::mlir::memref::MemRefDialect"
  ];
}

def GPUMatmulKernels : Pass<"aster-gpu-matmul-kernels", "::mlir::ModuleOp"> {
  let summary = "Matmuls with bf16/f16 operands on tensor cores, epilogues fused";
  let description = [{
    Runs on bufferized IR before `aster-gpu-row-kernels`. A kernel of kind
    `matmul` made of a zero fill of an f32 accumulator, a contraction
    `acc += ext(a) * ext(b)` of bf16 or f16 operands whose loops are batch,
    M, N and K dimensions (any order, any number of each but at least one
    M, N and K; several are flattened), and elementwise ops over the
    accumulator's shape becomes one `gpu.launch`:
    - a block per (batch index, BM x BN tile of C), four warps in 2 x 2;
      each warp a tile of up to 4 x 8 instruction tiles (64 x 64 with
      mma.sync), fewer for small matrices;
    - per 32-wide slice of K, the A and B tiles copied to shared memory as
      [m][k] and [n][k] (rows padded by 8 elements), with 16-byte copies
      along whichever tile axis is contiguous in memory (else element
      loads); rows past M or N are read clamped, K past its end as zeros;
    - the copies pipelined, one barrier per K step: with `async-copy`
      (NVIDIA), cp.async (`nvgpu.device_async_copy`) into three stages,
      the next two slices in flight while the warps multiply the current
      one (a group per step, `nvgpu.device_async_wait` for all but the
      latest); else two stages, the next slice loaded into registers
      before the multiplications and stored into the other stage after
      them;
    - the warps' instruction tiles multiplied from shared memory, the
      accumulators in registers across the K loop;
    - the epilogue one instruction row at a time through shared memory:
      lanes on consecutive columns compute the fused elementwise ops and
      store what leaves the kernel (results only later ops read are
      recomputed, as in `aster-gpu-row-kernels`).
    `instruction` picks the fragments: `mma.sync` (NVIDIA m16n8k16:
    ldmatrix and nvvm.mma.sync, 32-lane warps), `mfma` (AMD 16x16x16:
    LDS loads and amdgpu.mfma, 64-lane waves), or `mma.sync-emulated` /
    `mfma-emulated`, the same shapes and lanes as whole tiles per lane
    multiplied in loops, which `aster-gpu-emulate-blocks` runs on the CPU.
    With `warpgroup-mma` (sm_90a, with `async-copy` and an `mma.sync`
    instruction), kernels whose A and B both copy in 16-byte chunks (along
    K or along M / N) take wgmma instead:
    - a block of one or two warpgroups computes a 64 or 128 x BN tile
      (BN up to 128), each warp 16 rows of it;
    - per 64-wide slice of K the tiles are copied by cp.async, two steps
      ahead, into four stages, K-major or MN-major with the 128-byte
      swizzle (a 16-byte chunk c of row r at chunk c ^ (r % 8), 1024-byte
      aligned), waited for, fenced for the async proxy
      (`fence.proxy.async.shared::cta`), then a barrier;
    - each warpgroup multiplies its 64 rows by four
      `wgmma.mma_async.m64nBNk16` from matrix descriptors of the stage,
      one group per step, and waits for the previous step's group (one
      stays in flight; the fourth stage keeps its tiles until it is done);
    - the epilogue as above, the staging in the tiles' memory.
    With `tma` as well, where both operands' buffers can be viewed as
    [batch..., outer, inner] with the tile's contiguous axis innermost
    (each flattened group of loops one stride, strides of whole 16 bytes,
    at most five dimensions), the host encodes a tensor map per operand
    (`nvgpu.tma.create.descriptor`, 128-byte swizzle, zeros out of
    bounds) and the kernel loads the stages by TMA instead of cp.async:
    thread 0 initializes four mbarriers, arms a stage's with both tiles'
    bytes and starts its boxes two steps ahead (`nvgpu.tma.async.load`),
    and every thread waits on it (`nvgpu.mbarrier.try_wait.parity`)
    before the step's wgmma.
    With `mma.sync-emulated` the same tiles, copies and epilogue run with
    whole tiles per lane that read the swizzled layout; with `tma`,
    thread 0 copies each box from the same view at the same coordinates,
    element by element (zeros outside it), in place of the TMA load.
    Other kernels are left to the other strategies.
  }];
  let options = [
    Option<"instruction", "instruction", "std::string", "\"mma.sync\"",
           "mma.sync, mfma, mma.sync-emulated or mfma-emulated">,
    Option<"asyncCopy", "async-copy", "bool", /*default=*/"false",
           "Tiles copied with cp.async (nvgpu.device_async_copy) through "
           "three stages, instead of through registers into two">,
    Option<"warpgroupMma", "warpgroup-mma", "bool", /*default=*/"false",
           "sm_90a: matmuls whose operands copy in 16-byte chunks on "
           "wgmma, from 128-byte swizzled K-major or MN-major tiles (needs "
           "async-copy)">,
    Option<"tma", "tma", "bool", /*default=*/"false",
           "With warpgroup-mma: the tiles loaded by TMA from tensor maps "
           "the host encodes (nvgpu.tma.create.descriptor), waited for on "
           "mbarriers, where both operands have one">
  ];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect", "::mlir::nvgpu::NVGPUDialect",
    "::mlir::NVVM::NVVMDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::amdgpu::AMDGPUDialect",
    "::mlir::affine::AffineDialect", "::mlir::memref::MemRefDialect"
  ];
}

def GPUAttentionKernels : Pass<"aster-gpu-attention-kernels", "::mlir::ModuleOp"> {
  let summary = "Flash attention forward and backward on tensor cores";
  let description = [{
    Runs on aster IR, first in the GPU buffer pipeline (before
    `convert-aster-to-linalg` would spell attention out as matmuls and a
    softmax). Each `aster.attention`, `aster.attention_fwd` and
    `aster.attention_bwd` (with or without an additive mask), with static
    shapes, bf16 or f16
    query, key and value, and head dimensions that are multiples of 16 and
    fit shared memory becomes a call of a private kernel function
    (`aster.kernel = "attention"`) whose body is the launches
    (FlashAttention-2). The forward is one launch:
    - a block per (batch, head, 64 query rows), four warps of 16 rows;
      heavy causal blocks (late query rows) are launched first;
    - the block's query rows are copied to shared memory once and each
      warp keeps its query fragments in registers (where they and its
      output accumulators take at most 128 registers a lane; past that,
      at head dimension 256, each step reads them from shared memory);
    - per block of BK keys (64, 32 or 16: the largest that fits in
      `shared-memory` bytes; for head dimensions such as 256 that fit none,
      the largest of at most 32 within `shared-memory-limit`, stages
      counted), keys and
      values are copied to shared memory
      with 16-byte accesses (rows past the sequence as zeros), each warp
      multiplies its scores S = Q K^T on tensor cores and runs the online
      softmax on them in registers: the scale and the causal and length
      masks per element, the running max per row (over the lanes that
      hold the row, `gpu.subgroup_reduce`), P = exp(S - max) rounded to
      the input type, the rescaling of its output accumulators, and
      O += P V with P as the A operand (straight from the accumulators
      with mma.sync; through shared memory with MFMA, whose layouts
      differ); the accumulators stay in registers across the key loop;
      with `async-copy` (NVIDIA) the keys and values are double-buffered
      (here and in the backward's dQ launch; the dK/dV launch likewise
      its query and dO rows): the next block's cp.async copies run
      during this block's multiplications, one barrier per step;
    - the output is divided by the running sum (summed over the row's
      lanes once, at the end) and stored through shared memory in the
      result type; `attention_fwd`'s log-sum-exp is max + log(sum).
    The backward is two launches, each recomputing P from the saved
    log-sum-exp, without atomics:
    - dQ: a block per (batch, head, query rows); D = rowsum(dO * O) per
      row (also stored for the second launch); per step of keys S = Q K^T,
      P, dP = dO V^T, dS = scale P (dP - D), all in registers, and
      dQ += dS K (dS as the A operand);
    - dK and dV: a block per (batch, key and value head, key rows),
      looping over the group's query heads and the query rows that see
      the keys; S^T = K Q^T, P^T, dV += P^T dO, dP^T = V dO^T, dS^T and
      dK += dS^T Q, dK and dV in registers. Where the two 16 x D
      accumulators would take more than 128 registers a lane (D = 256 on
      NVIDIA), two warps share each 16 keys, each computing their whole
      S^T and dP^T and its half of the columns of dK and dV.
    Four warps of 16 rows per block, or two where four do not fit; steps
    of 64, 32 or 16 rows of the other side (at most 16 for head
    dimensions that fit none in `shared-memory`, within
    `shared-memory-limit`).
    Grouped-query heads read key and value head `h / (Hq / Hkv)`; causal
    attention is top-left aligned and stops at the block's last key. A
    mask (any shape that broadcasts to [B, Hq, Sq, Skv]) is read where
    each score is, added after the scale, in the forward and in both
    backward launches.
    `instruction` picks the fragments as in `aster-gpu-matmul-kernels`.
    Other attention ops are left to `convert-aster-to-linalg`.
  }];
  let options = [
    Option<"instruction", "instruction", "std::string", "\"mma.sync\"",
           "mma.sync, mfma, mma.sync-emulated or mfma-emulated">,
    Option<"sharedMemory", "shared-memory", "int64_t", "48 * 1024",
           "Bytes of shared memory a block's tiles are sized for (with "
           "async-copy, the second stage of the other side's rows comes on "
           "top)">,
    Option<"sharedMemoryLimit", "shared-memory-limit", "int64_t", "0",
           "The most shared memory a block may have (the chip's opt-in "
           "maximum): attention whose head dimension fits no tiling in "
           "shared-memory takes the largest within it, every stage counted "
           "(0: none beyond shared-memory)">,
    Option<"asyncCopy", "async-copy", "bool", /*default=*/"false",
           "The other side's rows (keys and values; queries and dO for "
           "dK/dV) copied with cp.async into two stages">
  ];
  let dependentDialects = [
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect", "::mlir::gpu::GPUDialect",
    "::mlir::scf::SCFDialect", "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect", "::mlir::nvgpu::NVGPUDialect",
    "::mlir::NVVM::NVVMDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::amdgpu::AMDGPUDialect", "::mlir::memref::MemRefDialect"
  ];
}

def GPUScatterAddKernels : Pass<"aster-gpu-scatter-add-kernels", "::mlir::ModuleOp"> {
  let summary = "scatter_add on the GPU by f32 atomic adds";
  let description = [{
    Runs on aster IR, first in the GPU buffer pipeline (beside
    `aster-gpu-attention-kernels`), before `convert-aster-to-linalg` would
    spell `aster.scatter_add` out as a one-hot contraction. Each
    scatter_add with static shapes and an f32, bf16 or f16 result becomes
    a call of a private kernel function (`aster.kernel = "scatter"`) whose
    launches, each a grid-stride loop over flat elements (256 threads a
    block), zero an f32 accumulator (the result itself when it is f32),
    add every update element into its row with `memref.atomic_rmw addf`
    (a negative index counts from the end; indices are clamped to the
    table), and, for a 16-bit result, round the accumulator into it. The
    work is the number of updates, not updates x rows, and no one-hot
    matrix is formed. The order of the atomic additions can change the
    last bits of a sum from run to run.
  }];
  let dependentDialects = [
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect", "::mlir::gpu::GPUDialect",
    "::mlir::scf::SCFDialect", "::mlir::memref::MemRefDialect"
  ];
}

def GPUElementwiseKernels : Pass<"aster-gpu-elementwise-kernels", "::mlir::ModuleOp"> {
  let summary = "Elementwise ops on the GPU: 16-byte vector accesses, grid-stride";
  let description = [{
    Runs on bufferized IR after `aster-gpu-row-kernels`, before the arenas.
    Every all-parallel linalg op left in a kernel function whose outputs
    are written in iteration order becomes one launch: a grid of at most
    `max-blocks` blocks of `block-size` threads (one `gpu.launch`) strides
    over the iteration
    space in chunks of V consecutive elements of the innermost dimension,
    V x the widest output element = 16 bytes (fewer when V does not divide
    that dimension). Operands contiguous along it are read with one
    `vector.load`, operands that do not depend on it once, others element
    by element; the outputs are written with one aligned `vector.store`.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block">,
    Option<"maxBlocks", "max-blocks", "int64_t", /*default=*/"4096",
           "Blocks of the grid at most (then each thread strides)">
  ];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect", "::mlir::affine::AffineDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

def GPULowerBlockReductions : Pass<"aster-gpu-lower-block-reductions", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Lower gpu.all_reduce and clustered gpu.subgroup_reduce to warp shuffles";
  let description = [{
    Runs on the device module after kernel outlining and scf-to-cf (the
    lowering splits blocks): each `gpu.all_reduce`
    of a kernel becomes upstream's lowering (a shuffle tree within each
    warp, the warps' partials through a workgroup buffer, a final shuffle
    tree), and each `gpu.subgroup_reduce` over clusters of lanes (flash
    attention's row maxima and sums over the lanes that hold a row) a
    butterfly of `gpu.shuffle xor` within the cluster. The NVVM and ROCDL
    conversions then lower the shuffles to `shfl.sync` / `ds_bpermute`.
  }];
  let options = [
    Option<"subgroupSize", "subgroup-size", "unsigned", "32",
           "Lanes of a warp (32) or wave (64)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect", "::mlir::cf::ControlFlowDialect"];
}

def GPUAlignWorkgroupMemory : Pass<"aster-gpu-align-workgroup-memory", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Align every kernel's shared memory to 16 bytes";
  let description = [{
    Runs on each device module after outlining. Workgroup attributions
    become shared-memory globals aligned to their element type (2 bytes
    for bf16) unless the attribution has `llvm.align`; the strategies
    access shared memory 16 bytes at a time (vector stores, ldmatrix rows,
    LDS reads), so each attribution gets `llvm.align = 16` (a larger one
    given is kept).
  }];
}

def NVVMExternDynamicShared : Pass<"aster-nvvm-extern-dynamic-shared", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Give the dynamic shared memory region external linkage";
  let description = [{
    Runs on each device module after the NVVM conversion. Upstream lowers
    `gpu.dynamic_shared_memory` to an internal zero-sized shared-memory
    global, which NVPTX demotes to a one-byte static variable of the
    kernel (`.shared .align 16 .b8 __dynamic_shmem__0;`) instead of
    declaring the dynamic region (`.extern .shared .align 16 .b8
    __dynamic_shmem__0[];`): every zero-sized shared-memory global gets
    external linkage, as CUDA's `extern __shared__` arrays have.
  }];
}

def AMDAtomicHints : Pass<"aster-amd-atomic-hints", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Tell the AMDGPU backend that atomics hit local coarse-grained memory";
  let description = [{
    Runs on each device module after the ROCDL conversion. Every
    `llvm.atomicrmw` on global or flat memory (buffers are flat pointers
    until LLVM infers them global; shared memory is left alone) gets `rocdl.no_fine_grained_memory`
    and `rocdl.no_remote_memory` (Aster's device buffers are `hipMalloc`
    memory of the device itself: coarse-grained, never host or peer
    memory), and an f32 `fadd` also `rocdl.ignore_denormal_mode`. Without
    them the backend must assume memory the hardware's float atomics do not
    serve and emits a compare-and-swap loop; with them, gfx90a and gfx942
    emit one `global_atomic_add_f32` (scatter_add's embedding gradient).
    The f32 atomic add flushes denormal addends on gfx90a: a sum of
    gradients loses values below 1.2e-38.
  }];
}

def GPUDynamicSharedMemory : Pass<"aster-gpu-dynamic-shared-memory", "::mlir::ModuleOp"> {
  let summary = "Shared memory above the static limit as dynamic shared memory";
  let description = [{
    Runs on the host module after outlining (NVIDIA). Static shared memory
    is capped at 48 KB per block; a kernel whose workgroup attributions
    need more (the pipelined matmul's three stages) gets them as
    `memref.view`s into one `gpu.dynamic_shared_memory`, each at an offset
    aligned like the attribution (16 bytes at least), and every
    `gpu.launch_func` of it asks for the total as its dynamic shared
    memory. aster-run raises the function's dynamic limit
    (CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES) before a launch
    above 48 KB. Whether the total fits the chip is
    `aster-gpu-check-limits`' business; kernels within `static-limit` are
    left as they are.
  }];
  let options = [
    Option<"staticLimit", "static-limit", "int64_t", /*default=*/"49152",
           "Shared memory a kernel may have statically">
  ];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect", "::mlir::memref::MemRefDialect",
    "::mlir::arith::ArithDialect"
  ];
}

def GPUCheckLimits : Pass<"aster-gpu-check-limits", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Fail on a kernel that needs more than the chip has";
  let description = [{
    Runs on each device module after the block reductions are lowered:
    a kernel whose shared memory (its workgroup attributions and the
    shared-memory globals it uses) exceeds `shared-memory-bytes`, or whose
    launch asks for more than `max-threads` threads per block, is a
    compile-time error naming the kernel, what it needs and the limit of
    `chip`, instead of a launch failure at run time.
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"\"", "The chip, for messages">,
    Option<"sharedMemoryBytes", "shared-memory-bytes", "int64_t",
           /*default=*/"49152", "Shared memory one block may use">,
    Option<"maxThreads", "max-threads", "int64_t", /*default=*/"1024",
           "Threads one block may have">
  ];
}

def GPUEmulateBlocks : Pass<"aster-gpu-emulate-blocks", "::mlir::ModuleOp"> {
  let summary = "Run GPU strategies' block code on the CPU (for tests)";
  let description = [{
    Part of `aster-gpu-emulate-on-cpu`, which checks the GPU strategies
    against the interpreter on machines without a GPU. Runs on the output
    of the strategies: each one-dimensional `gpu.launch` becomes a loop
    over its blocks whose body is cut at the barriers into phases, each a
    sequential loop over the block's threads; an all-reduce
    stores each thread's partial in an array that the next phase folds.
    An `scf.for` with barriers in its body (a matmul's K loop) becomes a
    loop, the same for all threads, of its own phases. Values used across
    a barrier are recomputed when they are pure arithmetic on what the
    later phase has; others (loads, the values a loop carries, its
    results) are kept per thread in arrays. Workgroup attributions become
    one buffer per launch (blocks run one after another). Private
    attributions and multi-dimensional launches are errors.

    Warp-collective instructions (`nvgpu.ldmatrix`, `nvvm.mma.sync`
    m16n8k16 bf16) end a phase: each lane stores its operands, and a lane's
    result is computed, where a later phase uses it, from its warp's
    operands by the instruction's definition in the PTX ISA (which lane
    addresses which row, which lane holds which elements). This checks the
    lane layout of the mma.sync fragments without a GPU.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def GPUHostMemory : Pass<"aster-gpu-host-memory", "::mlir::ModuleOp"> {
  let summary = "Put the host code's buffers in device memory";
  let description = [{
    Runs after `convert-parallel-loops-to-gpu`, on the code outside
    `gpu.launch` (the entry points, the functions they call and the kernel
    functions' launch sequences): every `memref.alloc` / `memref.dealloc`
    becomes `gpu.alloc` / `gpu.dealloc`, and each arena global of
    `aster-cpu-plan-arena` becomes one `gpu.alloc` at the function's
    entry, freed before it returns (the runtime's allocator caches device
    blocks, so a step does not call the driver's allocator). The host never
    dereferences device memory: a load, store or copy left outside a
    launch, or an allocation inside one, is an error naming the function.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // ASTER_CODEGEN_PASSES_TD
