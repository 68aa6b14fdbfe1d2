//===- AsterDialect.cpp - Aster dialect, attributes, argument checks ------===//
//
// Dialect registration, the #aster.init attribute, and the verification of
// the parameter argument attributes (aster.name, aster.init).
//
//===----------------------------------------------------------------------===//

#include "aster/Dialect/Aster/IR/AsterDialect.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::aster;

#include "aster/Dialect/Aster/IR/AsterOpsDialect.cpp.inc"

#include "aster/Dialect/Aster/IR/AsterEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "aster/Dialect/Aster/IR/AsterAttrs.cpp.inc"

void AsterDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "aster/Dialect/Aster/IR/AsterOps.cpp.inc"
      >();
  registerAttributes();
}

void AsterDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "aster/Dialect/Aster/IR/AsterAttrs.cpp.inc"
      >();
}

Operation *AsterDialect::materializeConstant(OpBuilder &builder,
                                             Attribute value, Type type,
                                             Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}

//===----------------------------------------------------------------------===//
// #aster.init
//===----------------------------------------------------------------------===//

namespace {
/// The fields a given initialiser kind accepts, in printing order.
ArrayRef<StringRef> fieldsOf(InitKind kind) {
  static const StringRef constantFields[] = {"value"};
  static const StringRef normalFields[] = {"mean", "std"};
  static const StringRef uniformFields[] = {"low", "high"};
  switch (kind) {
  case InitKind::zeros:
  case InitKind::ones:
    return {};
  case InitKind::constant:
    return constantFields;
  case InitKind::normal:
    return normalFields;
  case InitKind::uniform:
    return uniformFields;
  }
  return {};
}

struct InitFields {
  double mean = 0.0, std = 1.0, low = 0.0, high = 1.0, value = 0.0;
  double *slot(StringRef name) {
    return llvm::StringSwitch<double *>(name)
        .Case("mean", &mean)
        .Case("std", &std)
        .Case("low", &low)
        .Case("high", &high)
        .Case("value", &value)
        .Default(nullptr);
  }
};
} // namespace

Attribute InitAttr::parse(AsmParser &parser, Type) {
  if (parser.parseLess())
    return {};
  SMLoc kindLoc = parser.getCurrentLocation();
  StringRef kindName;
  if (parser.parseKeyword(&kindName))
    return {};
  std::optional<InitKind> kind = symbolizeInitKind(kindName);
  if (!kind) {
    parser.emitError(kindLoc, "unknown initialiser kind '")
        << kindName << "'; expected zeros, ones, constant, normal or uniform";
    return {};
  }
  InitFields fields;
  llvm::SmallVector<StringRef> seen;
  while (succeeded(parser.parseOptionalComma())) {
    SMLoc fieldLoc = parser.getCurrentLocation();
    StringRef field;
    if (parser.parseKeyword(&field))
      return {};
    ArrayRef<StringRef> allowed = fieldsOf(*kind);
    if (!llvm::is_contained(allowed, field)) {
      InFlightDiagnostic diag = parser.emitError(fieldLoc, "initialiser '")
                                << kindName << "' has no field '" << field
                                << "'";
      if (allowed.empty())
        diag << "; it takes none";
      else
        diag << "; its fields are " << llvm::join(allowed, ", ");
      return {};
    }
    if (llvm::is_contained(seen, field)) {
      parser.emitError(fieldLoc, "field '") << field << "' given twice";
      return {};
    }
    seen.push_back(field);
    if (parser.parseEqual() || parser.parseFloat(*fields.slot(field)))
      return {};
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<InitAttr>(
      kindLoc, parser.getContext(), *kind, APFloat(fields.mean),
      APFloat(fields.std), APFloat(fields.low), APFloat(fields.high),
      APFloat(fields.value));
}

void InitAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyInitKind(getKind());
  InitFields defaults;
  auto printField = [&](StringRef name, double v, double defaultValue) {
    if (v == defaultValue || !llvm::is_contained(fieldsOf(getKind()), name))
      return;
    printer << ", " << name << " = ";
    printer.printFloat(llvm::APFloat(v));
  };
  printField("value", getConstantValue(), defaults.value);
  printField("mean", getMeanValue(), defaults.mean);
  printField("std", getStdValue(), defaults.std);
  printField("low", getLowValue(), defaults.low);
  printField("high", getHighValue(), defaults.high);
  printer << ">";
}

LogicalResult
InitAttr::verify(llvm::function_ref<InFlightDiagnostic()> emitError,
                 InitKind kind, APFloat meanValue, APFloat stdValue,
                 APFloat lowValue, APFloat highValue, APFloat constantValue) {
  double std = stdValue.convertToDouble();
  double low = lowValue.convertToDouble(), high = highValue.convertToDouble();
  for (const APFloat &v :
       {meanValue, stdValue, lowValue, highValue, constantValue})
    if (!v.isFinite())
      return emitError() << "initialiser fields must be finite numbers";
  if (kind == InitKind::normal && !(std > 0.0))
    return emitError() << "normal initialiser needs std > 0, got " << std;
  if (kind == InitKind::uniform && !(low < high))
    return emitError() << "uniform initialiser needs low < high, got low = "
                       << low << ", high = " << high;
  return success();
}

//===----------------------------------------------------------------------===//
// Parameter argument attributes
//===----------------------------------------------------------------------===//

LogicalResult AsterDialect::verifyRegionArgAttribute(Operation *op,
                                                     unsigned regionIndex,
                                                     unsigned argIndex,
                                                     NamedAttribute attr) {
  auto function = dyn_cast<FunctionOpInterface>(op);
  if (!function)
    return op->emitOpError("'")
           << attr.getName()
           << "' is only meaningful on the arguments of a function";
  Type argType = function.getArgumentTypes()[argIndex];
  StringRef name = attr.getName().getValue();
  // Once code generation has lowered a function to LLVM its arguments are
  // pointers; the attributes are only carried along (to the bundle).
  if (function->getDialect() &&
      function->getDialect()->getNamespace() == "llvm")
    return success();

  if (name == kNameAttrName || name == kDataAttrName) {
    auto key = dyn_cast<StringAttr>(attr.getValue());
    if (!key || key.getValue().empty())
      return op->emitOpError("argument ")
             << argIndex << ": '" << name << "' must be a non-empty string"
             << (name == kNameAttrName ? " (the checkpoint key)" : "");
    StringRef other = name == kNameAttrName ? kDataAttrName : kNameAttrName;
    if (function.getArgAttr(argIndex, other))
      return op->emitOpError("argument ")
             << argIndex << " has both '" << kNameAttrName << "' and '"
             << kDataAttrName << "': it is a parameter or data, not both";
    for (unsigned i = 0, e = function.getNumArguments(); i < e; ++i) {
      if (i == argIndex)
        continue;
      if (function.getArgAttr(i, kNameAttrName) == key ||
          function.getArgAttr(i, kDataAttrName) == key)
        return op->emitOpError("arguments ")
               << std::min(i, argIndex) << " and " << std::max(i, argIndex)
               << " have the same name " << key;
    }
    return success();
  }

  if (name == kInitAttrName) {
    if (!isa<InitAttr>(attr.getValue()))
      return op->emitOpError("argument ")
             << argIndex << ": '" << kInitAttrName
             << "' must be an #aster.init attribute, got " << attr.getValue();
    // A tensor in aster IR; a memref once code generation has bufferized
    // the function (the names and initialisers travel to the bundle).
    auto shaped = dyn_cast<ShapedType>(argType);
    if (!shaped || !isa<RankedTensorType, MemRefType>(shaped) ||
        !isa<FloatType>(shaped.getElementType()))
      return op->emitOpError("argument ")
             << argIndex << ": '" << kInitAttrName
             << "' needs a floating-point tensor argument, got " << argType;
    if (!function.getArgAttr(argIndex, kNameAttrName))
      return op->emitOpError("argument ")
             << argIndex << " has '" << kInitAttrName << "' but no '"
             << kNameAttrName << "': a parameter needs its checkpoint key";
    return success();
  }

  return op->emitOpError("argument ")
         << argIndex << ": unknown attribute '" << name << "'; expected '"
         << kNameAttrName << "', '" << kInitAttrName << "' or '"
         << kDataAttrName << "'";
}
