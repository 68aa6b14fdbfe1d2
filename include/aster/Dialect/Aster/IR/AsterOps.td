//===- AsterOps.td - Aster operations ---------------------------*- tablegen -*-===//
//
// The op set of the `aster` dialect. Shape checks of ops whose result type
// is inferred live in inferReturnTypes (so parse-time and build-time errors
// agree); the other rules live in verify().
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_DIALECT_ASTER_IR_ASTEROPS_TD
#define ASTER_DIALECT_ASTER_IR_ASTEROPS_TD

include "aster/Dialect/Aster/IR/AsterBase.td"
include "aster/Dialect/Aster/IR/AsterAttrs.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// Result types inferred from operands and attributes (InferTypeOpInterface),
// with the shape rules checked once, by the op's verifier: refineReturnTypes
// leaves the comparison of inferred and declared types to verify(), so that
// a bad op gets one diagnostic rather than a second "failed to infer
// returned types".
def Aster_InferType : TraitList<[
  DeclareOpInterfaceMethods<InferTypeOpInterface, ["refineReturnTypes"]>,
  NativeOpTrait<"InferTypeOpAdaptor", [], [{
    static ::llvm::LogicalResult
    inferReturnTypes(::mlir::MLIRContext *context,
                     std::optional<::mlir::Location> location,
                     Adaptor adaptor,
                     ::llvm::SmallVectorImpl<::mlir::Type> &inferredReturnTypes);
  }], [{
    ::llvm::LogicalResult
    $cppClass::inferReturnTypes(::mlir::MLIRContext *context,
        std::optional<::mlir::Location> location,
        ::mlir::ValueRange operands, ::mlir::DictionaryAttr attributes,
        ::mlir::OpaqueProperties properties, ::mlir::RegionRange regions,
        ::llvm::SmallVectorImpl<::mlir::Type> &inferredReturnTypes) {
      $cppClass::Adaptor adaptor(operands, attributes, properties, regions);
      return $cppClass::inferReturnTypes(context, location, adaptor,
                                         inferredReturnTypes);
    }
    ::llvm::LogicalResult
    $cppClass::refineReturnTypes(::mlir::MLIRContext *context,
        std::optional<::mlir::Location> location,
        ::mlir::ValueRange operands, ::mlir::DictionaryAttr attributes,
        ::mlir::OpaqueProperties properties, ::mlir::RegionRange regions,
        ::llvm::SmallVectorImpl<::mlir::Type> &returnTypes) {
      if (!returnTypes.empty())
        return ::mlir::success(); // checked by verify()
      return inferReturnTypes(context, location, operands, attributes,
                              properties, regions, returnTypes);
    }
    ::llvm::LogicalResult $cppClass::verify() {
      return ::mlir::aster::verifyInferredResultType(*this);
    }
  }]>
]>;

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

def Aster_ConstantOp : Aster_Op<"constant",
    [ConstantLike, Pure, Aster_InferType]> {
  let hasVerifier = 1;
  let summary = "a tensor literal";
  let description = [{
    Produces the tensor held by `value`, a dense elements attribute whose type
    is the result type.

    ```mlir
    %c = aster.constant dense<[1.0, 2.0]> : tensor<2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Aster_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// embedding
//===----------------------------------------------------------------------===//

def Aster_EmbeddingOp : Aster_Op<"embedding", [Pure, Aster_InferType]> {
  let hasVerifier = 1;
  let summary = "row lookup in an embedding table";
  let description = [{
    `result[i..., d] = table[ids[i...], d]`. The table is `[V, D]`; the ids
    have any shape and an integer element type; the result has the shape of
    the ids followed by `D`. An id outside `[0, V)` is an error at run time.

    ```mlir
    %h = aster.embedding %wte[%tokens]
        : tensor<256x64xf32>, tensor<2x16xi32> -> tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$table, Aster_IndexTensor:$ids);
  let results = (outs Aster_FloatTensor:$result);
  let assemblyFormat = [{
    $table `[` $ids `]` attr-dict `:` type($table) `,` type($ids) `->` type($result)
  }];
}

def Aster_GatherOp : Aster_Op<"gather", [Pure, Aster_InferType]> {
  let hasVerifier = 1;
  let summary = "take slices of a tensor along one axis by index";
  let description = [{
    `result[i..., j..., k...] = input[i..., indices[j...], k...]` with the
    indices on dimension `axis` (numpy `take`, ONNX `Gather`): the result's
    shape is `input.shape[:axis] + indices.shape + input.shape[axis+1:]`.
    A negative index counts from the end; an index outside `[-n, n)` is an
    error at run time.

    ```mlir
    %r = aster.gather %x[%idx] axis = 1
        : tensor<3x5x2xf32>, tensor<4xi64> -> tensor<3x4x2xf32>
    ```
  }];
  let arguments = (ins Aster_Tensor:$input, Aster_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs Aster_Tensor:$result);
  let assemblyFormat = [{
    $input `[` $indices `]` `axis` `=` $axis attr-dict
    `:` type($input) `,` type($indices) `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

def Aster_MatmulOp : Aster_Op<"matmul", [Pure, Aster_InferType]> {
  let hasVerifier = 1;
  let summary = "batched matrix product with optional transposes";
  let description = [{
    Multiplies the last two dimensions of `lhs` (`[..., M, K]`, or
    `[..., K, M]` with `transpose_lhs`) and `rhs` (`[..., K, N]`, or
    `[..., N, K]` with `transpose_rhs`). The leading (batch) dimensions
    broadcast as in numpy, so a `[B, S, H]` activation times a `[H, O]` weight
    gives `[B, S, O]`. Both operands have the same element type, which the
    result keeps; accumulation is at least f32.

    ```mlir
    %y = aster.matmul %x, %w transpose_rhs
        : tensor<2x16x64xf32>, tensor<192x64xf32> -> tensor<2x16x192xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$lhs, Aster_FloatTensor:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs Aster_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`transpose_lhs` $transpose_lhs^)? (`transpose_rhs` $transpose_rhs^)?
    attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Elementwise binary ops
//===----------------------------------------------------------------------===//

class Aster_BinaryOp<string mnemonic, string formula>
    : Aster_Op<mnemonic, [Pure, Aster_InferType]> {
  let hasVerifier = 1;
  let summary = "elementwise " # formula # " with numpy broadcasting";
  let description = [{
    Computes `}] # formula # [{` elementwise. The operands share an element
    type; their shapes broadcast as in numpy (trailing dimensions aligned,
    each pair equal or one of them 1). Integer arithmetic wraps; integer
    division truncates toward zero.

    ```mlir
    %r = aster.}] # mnemonic # [{ %a, %b
        : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Aster_NumericTensor:$lhs, Aster_NumericTensor:$rhs);
  let results = (outs Aster_NumericTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasFolder = 1;
}

def Aster_AddOp : Aster_BinaryOp<"add", "lhs + rhs">;
def Aster_SubOp : Aster_BinaryOp<"sub", "lhs - rhs">;
def Aster_MulOp : Aster_BinaryOp<"mul", "lhs * rhs">;
def Aster_DivOp : Aster_BinaryOp<"div", "lhs / rhs">;

def Aster_PowOp : Aster_Op<"pow", [Pure, Aster_InferType]> {
  let hasVerifier = 1;
  let summary = "elementwise lhs ^ rhs with numpy broadcasting";
  let description = [{
    Raises `lhs` to the power `rhs` elementwise; operands of one element
    type, shapes broadcast as in numpy. For floats this is C `pow` (a
    negative base with a non-integer exponent gives NaN). For integers the
    power is exact, wrapping at the element width as repeated
    multiplication does; a negative exponent gives `1 / lhs^-rhs`
    truncated toward zero (0 unless `lhs` is 1 or -1), and `0` to a
    negative power is an error at run time.

    ```mlir
    %r = aster.pow %x, %two : tensor<2x3xf32>, tensor<f32> -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Aster_NumericTensor:$lhs, Aster_NumericTensor:$rhs);
  let results = (outs Aster_NumericTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
}

def Aster_CompareOp : Aster_Op<"compare", [Pure, Aster_InferType]> {
  let hasVerifier = 1;
  let summary = "elementwise comparison with numpy broadcasting";
  let description = [{
    Compares `lhs` and `rhs` elementwise with `predicate` (`eq`, `ne`, `lt`,
    `le`, `gt`, `ge`), giving an `i1` tensor of the broadcast shape. The
    operands share a numeric element type; comparisons with NaN are false,
    except `ne`, which is true.

    ```mlir
    %m = aster.compare lt %a, %b : tensor<4x4xi64>, tensor<4x1xi64> -> tensor<4x4xi1>
    ```
  }];
  let arguments = (ins Aster_ComparePredicate:$predicate,
                       Aster_NumericTensor:$lhs, Aster_NumericTensor:$rhs);
  let results = (outs Aster_BoolTensor:$result);
  let assemblyFormat = [{
    $predicate $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
}

def Aster_SelectOp : Aster_Op<"select", [Pure, Aster_InferType]> {
  let hasVerifier = 1;
  let summary = "elementwise choice between two tensors";
  let description = [{
    `condition ? true_value : false_value` elementwise. The condition is
    `i1`; the values share an element type; the three shapes broadcast as
    in numpy (ONNX `Where`).

    ```mlir
    %r = aster.select %m, %x, %y
        : tensor<4x4xi1>, tensor<4x4xf32>, tensor<f32> -> tensor<4x4xf32>
    ```
  }];
  let arguments = (ins Aster_BoolTensor:$condition, Aster_Tensor:$true_value,
                       Aster_Tensor:$false_value);
  let results = (outs Aster_Tensor:$result);
  let assemblyFormat = [{
    $condition `,` $true_value `,` $false_value attr-dict
    `:` type($condition) `,` type($true_value) `,` type($false_value)
    `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Elementwise unary ops
//===----------------------------------------------------------------------===//

class Aster_UnaryOp<string mnemonic, string formula, list<Trait> traits = []>
    : Aster_Op<mnemonic, !listconcat([Pure, SameOperandsAndResultType], traits)> {
  let summary = "elementwise " # formula;
  let description = [{
    Computes `}] # formula # [{` for every element; the result has the type
    of the input.

    ```mlir
    %y = aster.}] # mnemonic # [{ %x : tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$input);
  let results = (outs Aster_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Aster_ExpOp : Aster_UnaryOp<"exp", "exp(x)">;
def Aster_LogOp : Aster_UnaryOp<"log", "log(x)">;
def Aster_TanhOp : Aster_UnaryOp<"tanh", "tanh(x)">;
def Aster_RsqrtOp : Aster_UnaryOp<"rsqrt", "1 / sqrt(x)">;
def Aster_SqrtOp : Aster_UnaryOp<"sqrt", "sqrt(x)">;
def Aster_ErfOp : Aster_UnaryOp<"erf", "erf(x)">;
def Aster_SiluOp : Aster_UnaryOp<"silu", "x * sigmoid(x)">;
def Aster_ReluOp : Aster_UnaryOp<"relu", "max(x, 0)">;
def Aster_SigmoidOp : Aster_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def Aster_NegOp : Aster_UnaryOp<"neg", "-x"> {
  let hasFolder = 1;
}

def Aster_GeluOp : Aster_Op<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "Gaussian error linear unit";
  let description = [{
    `approximate = none` (the default) computes the exact
    `0.5 * x * (1 + erf(x / sqrt(2)))`; `approximate = tanh` computes
    `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`, the
    `gelu_new` / `gelu_pytorch_tanh` of GPT-2.

    ```mlir
    %y = aster.gelu %x approximate = tanh : tensor<2x16x256xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$input,
      DefaultValuedAttr<Aster_GeluApproximation, "GeluApproximation::none">:$approximate);
  let results = (outs Aster_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`approximate` `=` $approximate^)? attr-dict `:` type($input)
  }];
}

//===----------------------------------------------------------------------===//
// softmax, log_softmax
//===----------------------------------------------------------------------===//

class Aster_SoftmaxLikeOp<string mnemonic, string formula>
    : Aster_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = formula # " along one axis";
  let description = [{
    Computes `}] # formula # [{` along `axis` (0 <= axis < rank),
    subtracting the maximum first so that large inputs do not overflow.

    ```mlir
    %p = aster.}] # mnemonic # [{ %scores, axis = 3 : tensor<2x4x16x16xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Aster_FloatTensor:$result);
  let assemblyFormat = "$input `,` `axis` `=` $axis attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Aster_SoftmaxOp : Aster_SoftmaxLikeOp<"softmax", "exp(x) / sum(exp(x))">;
def Aster_LogSoftmaxOp
    : Aster_SoftmaxLikeOp<"log_softmax", "x - log(sum(exp(x)))">;

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

def Aster_LayerNormOp : Aster_Op<"layer_norm",
    [Pure, AllTypesMatch<["input", "result"]>], ["buildSavingForm"]> {
  let summary = "layer normalisation over the last dimension";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * weight + bias` with the mean and the
    (biased) variance taken over the last dimension. `weight` and the
    optional `bias` are 1-D of the size of that dimension, with the input's
    element type.

    ```mlir
    %y = aster.layer_norm %x, %gamma, %beta epsilon = 1.0e-05
        : tensor<2x16x64xf32>, tensor<64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$input, Aster_FloatTensor:$weight,
                       Optional<Aster_FloatTensor>:$bias,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs Aster_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? (`epsilon` `=` $epsilon^)? attr-dict
    `:` type($input) `,` type($weight) (`,` type($bias)^)?
  }];
  let hasVerifier = 1;
}

def Aster_RmsNormOp : Aster_Op<"rms_norm",
    [Pure, AllTypesMatch<["input", "result"]>], ["buildSavingForm"]> {
  let summary = "root-mean-square normalisation over the last dimension";
  let description = [{
    `x / sqrt(mean(x^2) + epsilon) * weight`, the mean over the last
    dimension; `weight` is 1-D of that size (LLaMA's RMSNorm).

    ```mlir
    %y = aster.rms_norm %x, %g epsilon = 1.0e-06
        : tensor<2x16x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$input, Aster_FloatTensor:$weight,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$epsilon);
  let results = (outs Aster_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`epsilon` `=` $epsilon^)? attr-dict
    `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// rope
//===----------------------------------------------------------------------===//

def Aster_RopeOp : Aster_Op<"rope",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding";
  let description = [{
    Rotates pairs of the last (head) dimension `D` of a `[..., S, D]` input
    by the angle `pos * theta^(-2i / D)`, `i` in `[0, D/2)`, where `pos` is
    the position along dimension `S`: `positions[s]` when the optional 1-D
    integer `positions` operand is given, else `s`.

    `layout = half_split` (the default, HuggingFace `rotate_half`) pairs
    element `i` with `i + D/2`; `layout = interleaved` (GPT-J, Meta's
    original LLaMA) pairs `2i` with `2i + 1`. Each pair `(a, b)` becomes
    `(a cos - b sin, b cos + a sin)`. With `inverse` the rotation is by
    the negated angle (the transpose, which is rope's gradient).

    ```mlir
    %q2 = aster.rope %q theta = 1.0e+04 : tensor<2x4x16x16xf32>
    %k2 = aster.rope %k, %pos layout = interleaved
        : tensor<2x4x16x16xf32>, tensor<16xi32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$input,
                       Optional<Aster_IndexTensor>:$positions,
                       DefaultValuedAttr<F64Attr, "10000.0">:$theta,
                       DefaultValuedAttr<Aster_RopeLayout, "RopeLayout::half_split">:$layout,
                       UnitAttr:$inverse);
  let results = (outs Aster_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`,` $positions^)? (`theta` `=` $theta^)? (`layout` `=` $layout^)?
    (`inverse` $inverse^)? attr-dict `:` type($input) (`,` type($positions)^)?
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

def Aster_AttentionOp : Aster_Op<"attention", [Pure, Aster_InferType],
                                 ["buildSavingForm"]> {
  let hasVerifier = 1;
  let summary = "scaled dot-product attention with grouped-query heads";
  let description = [{
    `softmax(q k^T * scale + mask) v` per batch and head. `query` is
    `[B, Hq, Sq, D]`, `key` is `[B, Hkv, Skv, D]`, `value` is
    `[B, Hkv, Skv, Dv]`; `Hkv` divides `Hq` and query head `h` reads key and
    value head `h / (Hq / Hkv)` (grouped-query attention; `Hkv = Hq` is
    multi-head, `Hkv = 1` multi-query). The result is `[B, Hq, Sq, Dv]`.

    `scale` defaults to `1 / sqrt(D)`. `causal` lets query `i` see keys
    `j <= i` (top-left aligned, as PyTorch's `is_causal`). The optional
    `mask` is additive, has the query's element type and broadcasts to
    `[B, Hq, Sq, Skv]`. A row whose keys are all masked gives NaN, as in
    PyTorch.

    ```mlir
    %o = aster.attention %q, %k, %v causal
        : tensor<2x8x16x16xf32>, tensor<2x2x16x16xf32>, tensor<2x2x16x16xf32>
        -> tensor<2x8x16x16xf32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$query, Aster_FloatTensor:$key,
                       Aster_FloatTensor:$value,
                       Optional<Aster_FloatTensor>:$mask,
                       UnitAttr:$causal, OptionalAttr<F64Attr>:$scale);
  let results = (outs Aster_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $mask^)? (`causal` $causal^)?
    (`scale` `=` $scale^)? attr-dict
    `:` type($query) `,` type($key) `,` type($value) (`,` type($mask)^)?
    `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

def Aster_ReshapeOp : Aster_Op<"reshape", [Pure]> {
  let summary = "reinterpret a tensor with another shape";
  let description = [{
    Same elements in row-major order, new static shape; the element count
    and the element type are unchanged.

    ```mlir
    %y = aster.reshape %x : tensor<2x16x64xf32> -> tensor<32x64xf32>
    ```
  }];
  let arguments = (ins Aster_Tensor:$input);
  let results = (outs Aster_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Aster_BroadcastOp : Aster_Op<"broadcast", [Pure]> {
  let summary = "broadcast a tensor to a larger shape";
  let description = [{
    numpy `broadcast_to`: the input's shape, aligned on trailing
    dimensions, must broadcast to the result's shape (each input dimension
    equal to the result's or 1). The element type is unchanged.

    ```mlir
    %y = aster.broadcast %x : tensor<3x1xf32> -> tensor<2x3x4xf32>
    ```
  }];
  let arguments = (ins Aster_Tensor:$input);
  let results = (outs Aster_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Aster_TransposeOp : Aster_Op<"transpose", [Pure, Aster_InferType]> {
  let hasVerifier = 1;
  let summary = "permute dimensions";
  let description = [{
    `result` dimension `i` is `input` dimension `permutation[i]`.

    ```mlir
    %y = aster.transpose %x, [0, 2, 1, 3]
        : tensor<2x16x4x16xf32> -> tensor<2x4x16x16xf32>
    ```
  }];
  let arguments = (ins Aster_Tensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs Aster_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $permutation attr-dict `:` type($input) `->` type($result)
  }];
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Aster_SliceOp : Aster_Op<"slice", [Pure, Aster_InferType]> {
  let hasVerifier = 1;
  let summary = "static strided slice";
  let description = [{
    Takes `input[start[d] : limit[d] : step[d]]` in every dimension `d`, with
    `0 <= start <= limit <= size` and `step >= 1` (default 1). Dimension `d`
    of the result has `ceil((limit - start) / step)` elements.

    ```mlir
    %q = aster.slice %qkv [0, 0, 0] to [2, 16, 64]
        : tensor<2x16x192xf32> -> tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Aster_Tensor:$input, DenseI64ArrayAttr:$start,
                       DenseI64ArrayAttr:$limit,
                       OptionalAttr<DenseI64ArrayAttr>:$step);
  let results = (outs Aster_Tensor:$result);
  let assemblyFormat = [{
    $input $start `to` $limit (`step` $step^)? attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasFolder = 1;
  let extraClassDeclaration = [{
    /// The step of every dimension, 1 where `step` is absent.
    ::llvm::SmallVector<int64_t> getSteps();
  }];
}

def Aster_ConcatOp : Aster_Op<"concat", [Pure, Aster_InferType]> {
  let hasVerifier = 1;
  let summary = "join tensors along one axis";
  let description = [{
    All inputs have the same rank and element type and agree on every
    dimension except `axis`, along which they are laid end to end.

    ```mlir
    %y = aster.concat(%a, %b) axis = 1
        : tensor<2x3xf32>, tensor<2x5xf32> -> tensor<2x8xf32>
    ```
  }];
  let arguments = (ins Variadic<Aster_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Aster_Tensor:$result);
  let assemblyFormat = [{
    `(` $inputs `)` `axis` `=` $axis attr-dict `:` type($inputs) `->` type($result)
  }];
  let hasFolder = 1;
}

def Aster_ReduceOp : Aster_Op<"reduce", [Pure, Aster_InferType]> {
  let hasVerifier = 1;
  let summary = "sum, mean or max over axes";
  let description = [{
    Reduces `input` over `axes` (distinct, each in `[0, rank)`, at least one)
    with `sum`, `mean` or `max`. With `keep_dims` the reduced dimensions stay
    as size 1; otherwise they are dropped.

    ```mlir
    %m = aster.reduce mean %x axes = [2] keep_dims
        : tensor<2x16x64xf32> -> tensor<2x16x1xf32>
    ```
  }];
  let arguments = (ins Aster_ReduceKind:$kind, Aster_NumericTensor:$input,
                       DenseI64ArrayAttr:$axes, UnitAttr:$keep_dims);
  let results = (outs Aster_NumericTensor:$result);
  let assemblyFormat = [{
    $kind $input `axes` `=` $axes (`keep_dims` $keep_dims^)? attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasCanonicalizer = 1;
}

def Aster_CastOp : Aster_Op<"cast", [Pure]> {
  let summary = "convert the element type";
  let description = [{
    Converts every element to the result's element type; the shape is
    unchanged. Float to float rounds to nearest even; float to integer
    truncates toward zero (a NaN or out-of-range value is an error at run
    time); integer to integer wraps; anything to `i1` is `x != 0`; `i1` to
    a number is 0 or 1.

    ```mlir
    %y = aster.cast %x : tensor<2x16xf32> -> tensor<2x16xbf16>
    ```
  }];
  let arguments = (ins Aster_Tensor:$input);
  let results = (outs Aster_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// cross_entropy
//===----------------------------------------------------------------------===//

def Aster_CrossEntropyOp : Aster_Op<"cross_entropy", [Pure, Aster_InferType],
                                    ["buildSavingForm"]> {
  let hasVerifier = 1;
  let summary = "softmax cross-entropy against integer labels";
  let description = [{
    `logits` is `[..., C]` and `labels` the same shape without `C`. Each
    position's loss is `logsumexp(logits) - logits[label]`, computed in f32
    or wider whatever the logits' type. Positions whose label equals
    `ignore_index` (default -100) contribute nothing; any other label must
    be in `[0, C)`.

    `reduction = mean` (the default) averages over the positions not
    ignored (NaN if there are none, as in PyTorch) and `sum` adds them, both
    giving a `tensor<f32>`; `none` gives the per-position losses, 0 where
    ignored.

    ```mlir
    %loss = aster.cross_entropy %logits, %labels
        : tensor<2x16x256xf32>, tensor<2x16xi32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Aster_FloatTensor:$logits, Aster_IndexTensor:$labels,
      DefaultValuedAttr<I64Attr, "-100">:$ignore_index,
      DefaultValuedAttr<Aster_LossReduction, "LossReduction::mean">:$reduction);
  let results = (outs Aster_F32Tensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels (`ignore_index` `=` $ignore_index^)?
    (`reduction` `=` $reduction^)? attr-dict
    `:` type($logits) `,` type($labels) `->` type($result)
  }];
}

include "aster/Dialect/Aster/IR/AsterTrainingOps.td"

#endif // ASTER_DIALECT_ASTER_IR_ASTEROPS_TD
