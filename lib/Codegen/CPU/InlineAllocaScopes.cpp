//===- InlineAllocaScopes.cpp - Drop alloca scopes with no allocas --------===//
//
// convert-scf-to-openmp wraps every parallel body in `memref.alloca_scope`.
// Upstream's canonicalization inlines a scope only when nothing in it could
// allocate on the stack, and counts any op with unknown effects (a call to
// the deallocation helper) as a possible alloca; the scope then stays, and
// lowering the loops inside it to blocks breaks its single-block rule. Our
// kernels never allocate on the stack: a scope with no `memref.alloca`
// directly in it (calls allocate in their own frames) is inlined.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::aster {
#define GEN_PASS_DEF_INLINEALLOCASCOPES
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;

namespace {

struct InlineAllocaScopesPass
    : mlir::aster::impl::InlineAllocaScopesBase<InlineAllocaScopesPass> {
  using InlineAllocaScopesBase::InlineAllocaScopesBase;
  void runOnOperation() override {
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation()->walk([&](memref::AllocaScopeOp scope) {
      bool allocates = false;
      scope.getBodyRegion().walk([&](Operation *op) {
        if (isa<memref::AllocaOp>(op))
          allocates = true;
      });
      if (!allocates && scope.getBodyRegion().hasOneBlock())
        scopes.push_back(scope);
    });
    IRRewriter rewriter(&getContext());
    for (memref::AllocaScopeOp scope : scopes) {
      Block *body = &scope.getBodyRegion().front();
      Operation *terminator = body->getTerminator();
      SmallVector<Value> results(terminator->getOperands());
      rewriter.eraseOp(terminator);
      rewriter.inlineBlockBefore(body, scope);
      rewriter.replaceOp(scope, results);
    }
  }
};

} // namespace
