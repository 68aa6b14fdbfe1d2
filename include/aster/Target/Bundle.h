//===- Bundle.h - Writing a bundle for a target ------------------*- C++ -*-===//

#ifndef ASTER_TARGET_BUNDLE_H
#define ASTER_TARGET_BUNDLE_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace mlir::aster {

struct BundleOptions {
  /// `cpu`, or a GPU chip: sm_80, sm_90, gfx90a, gfx942.
  std::string target = "cpu";
  /// The x86-64 CPU of the host code, as for -march ("native": this
  /// machine). For GPU targets the host code only launches kernels.
  std::string cpu = "native";
  /// The CUDA or ROCm toolkit for GPU binaries; empty: found on its own.
  std::string toolkit;
  /// The tensor-core instruction of NVIDIA matmuls: "auto" (wgmma on sm_90
  /// where both operands copy in 16-byte chunks, its tiles loaded by TMA
  /// where they have tensor maps, else mma.sync), "wgmma-cp.async" (the
  /// same with cp.async instead of TMA) or "mma.sync" (everywhere).
  std::string gpuMatmul = "auto";
};

/// Compiles the entry points of `module` (@forward, and @train_step when
/// present) for `options.target` and writes the bundle directory `dir`:
/// plan.json and kernels.so (docs/bundle.md), and for a GPU the device
/// code's assembly beside them. The directory appears whole or not at all.
/// Returns false with a one-line `error`.
bool writeBundle(ModuleOp module, const std::string &dir,
                 const BundleOptions &options, std::string &error);

/// Whether `target` names something writeBundle compiles for; `error` says
/// why not (checked before any compilation work).
bool checkBundleTarget(const BundleOptions &options, std::string &error);

} // namespace mlir::aster

#endif // ASTER_TARGET_BUNDLE_H
