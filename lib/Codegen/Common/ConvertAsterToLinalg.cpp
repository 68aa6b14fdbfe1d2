//===- ConvertAsterToLinalg.cpp - The convert-aster-to-linalg pass --------===//
//
// Applies the per-family patterns (ElementwiseToLinalg.cpp, ...) as a full
// conversion: any aster op left is an error naming it.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"
#include "aster/Dialect/Aster/IR/AsterDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::aster {
#define GEN_PASS_DEF_CONVERTASTERTOLINALG
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;
using namespace mlir::aster;

namespace {

struct ConvertAsterToLinalgPass
    : mlir::aster::impl::ConvertAsterToLinalgBase<ConvertAsterToLinalgPass> {
  using ConvertAsterToLinalgBase::ConvertAsterToLinalgBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    ConversionTarget target(*context);
    target.addIllegalDialect<AsterDialect>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect,
                           func::FuncDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    target.addIllegalDialect<AsterDialect>();
    RewritePatternSet patterns(context);
    populateElementwiseToLinalgPatterns(patterns);
    populateMatmulToLinalgPatterns(patterns);
    populateReductionsToLinalgPatterns(patterns);
    populateDataMovementToLinalgPatterns(patterns);
    populateCompositeToLinalgPatterns(patterns);
    if (flashAttention)
      populateAttentionToLinalgPatterns(patterns);
    if (failed(applyFullConversion(getOperation(), target,
                                   std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
