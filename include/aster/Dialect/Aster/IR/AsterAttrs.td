//===- AsterAttrs.td - Aster enums and attributes ---------------*- tablegen -*-===//
//
// Enums used as op attributes, and the parameter initialiser attribute.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_DIALECT_ASTER_IR_ASTERATTRS_TD
#define ASTER_DIALECT_ASTER_IR_ASTERATTRS_TD

include "aster/Dialect/Aster/IR/AsterBase.td"

def Aster_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "how gelu is computed", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"tanh", 1>,
    ]> {
  let cppNamespace = "::mlir::aster";
}

def Aster_RopeLayout : I32EnumAttr<"RopeLayout",
    "which elements of the head dimension rotate together", [
      I32EnumAttrCase<"half_split", 0>,
      I32EnumAttrCase<"interleaved", 1>,
    ]> {
  let cppNamespace = "::mlir::aster";
}

def Aster_ReduceKind : I32EnumAttr<"ReduceKind", "reduction combiner", [
      I32EnumAttrCase<"sum", 0>,
      I32EnumAttrCase<"mean", 1>,
      I32EnumAttrCase<"max", 2>,
    ]> {
  let cppNamespace = "::mlir::aster";
}

def Aster_LossReduction : I32EnumAttr<"LossReduction",
    "how per-token losses are combined", [
      I32EnumAttrCase<"mean", 0>,
      I32EnumAttrCase<"sum", 1>,
      I32EnumAttrCase<"none", 2>,
    ]> {
  let cppNamespace = "::mlir::aster";
}

def Aster_ComparePredicate : I32EnumAttr<"ComparePredicate",
    "elementwise comparison", [
      I32EnumAttrCase<"eq", 0>,
      I32EnumAttrCase<"ne", 1>,
      I32EnumAttrCase<"lt", 2>,
      I32EnumAttrCase<"le", 3>,
      I32EnumAttrCase<"gt", 4>,
      I32EnumAttrCase<"ge", 5>,
    ]> {
  let cppNamespace = "::mlir::aster";
}

def Aster_InitKind : I32Enum<"InitKind", "parameter initialiser", [
      I32EnumCase<"zeros", 0>,
      I32EnumCase<"ones", 1>,
      I32EnumCase<"constant", 2>,
      I32EnumCase<"normal", 3>,
      I32EnumCase<"uniform", 4>,
    ]> {
  let cppNamespace = "::mlir::aster";
}

def Aster_InitAttr : AttrDef<Aster_Dialect, "Init"> {
  let mnemonic = "init";
  let summary = "how a parameter is initialised when no checkpoint is given";
  let description = [{
    Attached to an entry-function argument as `aster.init`. The kinds and
    their fields (fields not given take the defaults shown):

    | kind       | fields                         |
    |------------|--------------------------------|
    | `zeros`    |                                |
    | `ones`     |                                |
    | `constant` | `value` (0.0)                  |
    | `normal`   | `mean` (0.0), `std` (1.0)      |
    | `uniform`  | `low` (0.0), `high` (1.0)      |

    ```mlir
    #aster.init<normal, std = 0.02>
    #aster.init<uniform, low = -0.1, high = 0.1>
    #aster.init<ones>
    ```
  }];
  let parameters = (ins
    EnumParameter<Aster_InitKind>:$kind,
    APFloatParameter<"mean">:$mean,
    APFloatParameter<"std">:$std,
    APFloatParameter<"low">:$low,
    APFloatParameter<"high">:$high,
    APFloatParameter<"value">:$value
  );
  let extraClassDeclaration = [{
    double getMeanValue() const { return getMean().convertToDouble(); }
    double getStdValue() const { return getStd().convertToDouble(); }
    double getLowValue() const { return getLow().convertToDouble(); }
    double getHighValue() const { return getHigh().convertToDouble(); }
    double getConstantValue() const { return getValue().convertToDouble(); }
  }];
  let builders = [
    AttrBuilder<(ins "InitKind":$kind), [{
      ::llvm::APFloat zero(0.0), one(1.0);
      return $_get($_ctxt, kind, zero, one, zero, one, zero);
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

#endif // ASTER_DIALECT_ASTER_IR_ASTERATTRS_TD
