//===- CPUBundle.h - Writing a bundle for the CPU ----------------*- C++ -*-===//

#ifndef ASTER_TARGET_CPUBUNDLE_H
#define ASTER_TARGET_CPUBUNDLE_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace mlir::aster {

/// Compiles the entry points of `module` (@forward, and @train_step when
/// present) for the host CPU and writes the bundle directory `dir`:
/// plan.json and kernels.so (docs/bundle.md). The directory appears whole
/// or not at all. Returns false with a one-line `error`.
/// Compiles `module` for an x86 CPU (`cpu`: a -march name, "native" for
/// this machine) and writes the bundle directory `dir` atomically.
bool writeCPUBundle(ModuleOp module, const std::string &dir,
                    const std::string &cpu, std::string &error);

} // namespace mlir::aster

#endif // ASTER_TARGET_CPUBUNDLE_H
