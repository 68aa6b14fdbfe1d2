//===- AsterBase.td - Aster dialect definition and type constraints -------===//
//
// The dialect record and the tensor constraints shared by every op.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_DIALECT_ASTER_IR_ASTERBASE_TD
#define ASTER_DIALECT_ASTER_IR_ASTERBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Aster_Dialect : Dialect {
  let name = "aster";
  let cppNamespace = "::mlir::aster";
  let summary = "High-level tensor ops for training transformer models";
  let description = [{
    The `aster` dialect is the input IR of the Aster compiler. Frontends (the
    HuggingFace and ONNX importers, the Python builder) produce it; training
    transforms (loss, autodiff, optimizer), planning and code generation
    consume it.

    Every value is a ranked tensor with a static shape. Compute tensors hold
    `f32`, `bf16` or `f16`; token ids and indices are `i32` or `i64`;
    comparisons give `i1` booleans, which `select` consumes. Ops have value
    semantics and no side effects.

    ## Parameters

    Model parameters are arguments of the entry function (`@forward`, later
    `@train_step`), each carrying two argument attributes:

    - `aster.name`: the checkpoint key, a non-empty string unique among the
      function's arguments. Importers use the framework's own key (the
      HuggingFace state-dict key, the ONNX initializer name) so that a
      checkpoint maps onto the arguments one to one.
    - `aster.init` (optional, needs `aster.name` and a floating-point tensor):
      an `#aster.init` attribute saying how to initialise the parameter when
      no checkpoint provides it.

    Arguments without `aster.name` are data: token ids, labels, masks. They
    may carry `aster.data`, a name unique among the function's arguments
    that tools use to bind inputs (`aster-reference -i tokens=...`). An
    argument is a parameter or data, not both; no other `aster.*` argument
    attribute is allowed.

    ```mlir
    func.func @forward(
        %wte: tensor<256x64xf32> {aster.name = "transformer.wte.weight",
                                  aster.init = #aster.init<normal, std = 0.02>},
        %tokens: tensor<2x16xi32> {aster.data = "tokens"}) -> tensor<2x16x64xf32> {
      %h = aster.embedding %wte[%tokens]
          : tensor<256x64xf32>, tensor<2x16xi32> -> tensor<2x16x64xf32>
      return %h : tensor<2x16x64xf32>
    }
    ```

    ## Conventions

    Element types must match exactly between operands (no implicit
    promotion: use `aster.cast`). Axes are non-negative (importers normalise
    negative ones). Ops whose result type follows from their operands infer
    it; the assembly format still prints it, so IR reads without
    recomputing shapes.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let hasRegionArgAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Argument attribute holding a parameter's checkpoint key.
    static constexpr ::llvm::StringLiteral kNameAttrName = "aster.name";
    /// Argument attribute holding a parameter's initialiser (#aster.init).
    static constexpr ::llvm::StringLiteral kInitAttrName = "aster.init";
    /// Argument attribute naming a data (non-parameter) input.
    static constexpr ::llvm::StringLiteral kDataAttrName = "aster.data";

  private:
    void registerAttributes();
  public:
  }];
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Aster_FloatElement : AnyTypeOf<[F32, BF16, F16]>;
def Aster_IndexElement : AnyTypeOf<[I32, I64]>;

// Any aster tensor, booleans (i1: comparison results, select conditions)
// included; arithmetic takes Aster_NumericTensor.
def Aster_Tensor : StaticShapeTensorOf<[F32, BF16, F16, I32, I64, I1]>;
def Aster_NumericTensor : StaticShapeTensorOf<[F32, BF16, F16, I32, I64]>;
def Aster_BoolTensor : StaticShapeTensorOf<[I1]>;
def Aster_FloatTensor : StaticShapeTensorOf<[F32, BF16, F16]>;
def Aster_IndexTensor : StaticShapeTensorOf<[I32, I64]>;
def Aster_F32Tensor : StaticShapeTensorOf<[F32]>;

// Rejects attributes an op does not define, unless they belong to a dialect
// (`dialect.name`), so that a misspelt attribute is an error rather than
// silently ignored.
def Aster_NoUnknownAttributes : NativeOpTrait<"NoUnknownAttributes"> {
  let cppNamespace = "::mlir::aster::OpTrait";
}

def Aster_GradientOpInterface : OpInterface<"GradientOpInterface"> {
  let cppNamespace = "::mlir::aster";
  let description = [{
    An op's reverse-mode gradient rule, used by `aster-autodiff`. Every
    aster op implements it, so a new op states its own rule (in
    lib/Dialect/Aster/IR/AsterGradients.cpp).
  }];
  let methods = [
    InterfaceMethod<[{
        Builds, at the builder's insertion point, the gradients of the
        operands given those of the results (`resultGradients`, one per
        result, null where none flows). Appends one value per operand to
        `operandGradients`, null for an operand that has none (integers,
        masks, constants). Fails with a diagnostic when the op has no rule
        (a backward op: no second-order gradients).
      }], "::llvm::LogicalResult", "buildGradients",
      (ins "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$resultGradients,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGradients)>,
    InterfaceMethod<[{
        For a fused op whose backward reads values its forward computes
        (attention's log-sum-exp, a norm's statistics), builds the form
        that also returns them, whose result 0 replaces this op's result;
        returns null when the op differentiates as it is.
      }], "::mlir::Operation *", "buildSavingForm",
      (ins "::mlir::OpBuilder &":$builder), [{}], [{ return nullptr; }]>
  ];
}

/// `gradientOverrides` names the GradientOpInterface methods with a default
/// that the op defines itself (buildSavingForm).
class Aster_Op<string mnemonic, list<Trait> traits = [],
               list<string> gradientOverrides = []>
    : Op<Aster_Dialect, mnemonic,
         !listconcat([Aster_NoUnknownAttributes,
                      DeclareOpInterfaceMethods<Aster_GradientOpInterface,
                                                gradientOverrides>],
                     traits)>;

#endif // ASTER_DIALECT_ASTER_IR_ASTERBASE_TD
