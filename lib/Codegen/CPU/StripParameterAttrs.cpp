//===- StripParameterAttrs.cpp - Drop aster.* argument attributes ---------===//

#include "aster/Codegen/Passes.h"

#include "mlir/Interfaces/FunctionInterfaces.h"

namespace mlir::aster {
#define GEN_PASS_DEF_STRIPPARAMETERATTRS
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;

namespace {

struct StripParameterAttrsPass
    : mlir::aster::impl::StripParameterAttrsBase<StripParameterAttrsPass> {
  using StripParameterAttrsBase::StripParameterAttrsBase;
  void runOnOperation() override {
    getOperation().walk([](FunctionOpInterface function) {
      for (unsigned i = 0; i < function.getNumArguments(); ++i) {
        SmallVector<NamedAttribute> kept;
        bool changed = false;
        for (NamedAttribute a : function.getArgAttrs(i)) {
          if (a.getName().getValue().starts_with("aster."))
            changed = true;
          else
            kept.push_back(a);
        }
        if (changed)
          function.setArgAttrs(i, kept);
      }
    });
  }
};

} // namespace
