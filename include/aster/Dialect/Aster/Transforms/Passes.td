//===- Passes.td - Passes on the aster dialect -------------*- tablegen -*-===//

#ifndef ASTER_DIALECT_ASTER_TRANSFORMS_PASSES_TD
#define ASTER_DIALECT_ASTER_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def RaiseDecomposedOps : Pass<"aster-raise-decomposed"> {
  let summary = "Raise decomposed layer norm, GELU and attention to aster ops";
  let description = [{
    Exporters (ONNX, older PyTorch) spell layer normalisation and GELU as
    chains of elementwise ops and reductions. This pass finds those chains
    and replaces them with `aster.layer_norm` and `aster.gelu`, which later
    phases fuse into one kernel and differentiate with one rule. A chain is
    raised only when it computes exactly the op (the same operand feeding
    each use, reductions over the last dimension only, constants equal to
    `sqrt(2)`, `sqrt(2 / pi)`, `0.044715`, `0.5` and `1` as rounded to
    their element type):

    - `(x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps)`, the mean over the
      last dimension with kept dims, becomes `aster.layer_norm x, ones`;
      a following `* w` and `+ b` with 1-D `w`, `b` are folded into it;
    - `x * 0.5 * (1 + erf(x / sqrt(2)))` (in any order of the products,
      `x * (1 / sqrt(2))` too) becomes `aster.gelu x`;
    - `x * 0.5 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`, the cube
      as `pow(x, 3)` or products, becomes `aster.gelu x approximate = tanh`;
    - `softmax(q k^T * scale [+ mask] [causal]) @ v` becomes
      `aster.attention`. k is transposed by the matmul's flag or a
      transpose of the last two dimensions; the scale is any product of
      splat constants on the scores, q or k; a causal mask is a constant
      that is 0 (or true, for a `select`) exactly where key `j <= i` and
      `-inf` or at most `-1e30` elsewhere (every causal row keeps its
      diagonal, so those entries are exactly 0 after the softmax); any
      other additive mask becomes the op's mask operand. q, k, v have
      rank 4 (rank 3 is read as one batch of heads), k and v the same
      number of heads, equal to q's or 1.
  }];
  let dependentDialects = ["::mlir::aster::AsterDialect"];
}

def Autodiff : Pass<"aster-autodiff", "::mlir::ModuleOp"> {
  let summary = "Reverse-mode gradients of a scalar-valued function";
  let description = [{
    For `@F` (option `function`, default `loss`), a single-block function
    returning one rank-0 float tensor, adds `@F_grad` with the same
    arguments that returns that value followed by its gradient with
    respect to every float argument not marked `aster.data`, in argument
    order.

    Each op states its rule through `GradientOpInterface`
    (lib/Dialect/Aster/IR/AsterGradients.cpp). The fused ops first become
    their saving forms (`attention_fwd`, `layer_norm_fwd`, `rms_norm_fwd`,
    `cross_entropy_fwd`), so that their backward is one op that reads the
    saved log-sum-exp or statistics: attention's backward recomputes the
    scores flash-style and never holds the S x S probabilities. Only values
    that depend on a differentiated argument get gradients; gradients of a
    value used several times are summed. Forward values the backward does
    not read are dead afterwards and go with `-canonicalize -cse`.

    Errors: no such function, not exactly one rank-0 float result, an op
    without a rule (the backward ops: no second order), an attention mask
    that depends on a differentiated argument.
  }];
  let options = [
    Option<"function", "function", "std::string", "\"loss\"",
           "the function to differentiate">
  ];
  let dependentDialects = ["::mlir::aster::AsterDialect",
                           "::mlir::func::FuncDialect"];
}

#endif // ASTER_DIALECT_ASTER_TRANSFORMS_PASSES_TD
