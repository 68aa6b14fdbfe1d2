//===- ParameterBinding.cpp - Checkpoint tensors for @forward parameters --===//

#include "aster/Weights/ParameterBinding.h"
#include "aster/Dialect/Aster/IR/AsterDialect.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::aster;

static std::string shapeString(ArrayRef<int64_t> shape) {
  return "[" + llvm::join(llvm::map_range(shape, [](int64_t d) {
                            return std::to_string(d);
                          }),
                          ", ") +
         "]";
}

llvm::Expected<ParameterBinding>
mlir::aster::bindParameters(func::FuncOp function,
                            const ::aster::weights::Checkpoint &checkpoint) {
  auto fail = [&](const Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   checkpoint.path() + ": " + message);
  };
  ParameterBinding binding;
  llvm::StringSet<> used;
  SmallVector<std::string> missing;
  for (unsigned i = 0, e = function.getNumArguments(); i < e; ++i) {
    auto name =
        function.getArgAttrOfType<StringAttr>(i, AsterDialect::kNameAttrName);
    if (!name) {
      binding.tensors.push_back(nullptr);
      continue;
    }
    std::string key = name.getValue().str();
    const ::aster::weights::TensorInfo *tensor = checkpoint.find(key);
    if (!tensor && key.find('.') != std::string::npos)
      tensor = checkpoint.find(key.substr(key.find('.') + 1));
    binding.tensors.push_back(tensor);
    if (!tensor) {
      missing.push_back(key);
      continue;
    }
    used.insert(tensor->name);
    auto type = cast<RankedTensorType>(function.getArgumentTypes()[i]);
    if (ArrayRef<int64_t>(tensor->shape) != type.getShape())
      return fail("tensor '" + tensor->name + "' has shape " +
                  shapeString(tensor->shape) + ", parameter '" + key +
                  "' needs " + shapeString(type.getShape()));
    if (!::aster::weights::isFloatDType(tensor->dtype))
      return fail("tensor '" + tensor->name + "' is " +
                  ::aster::weights::dtypeName(tensor->dtype) + ", parameter '" + key +
                  "' needs floating point");
  }
  if (!missing.empty()) {
    std::string list = llvm::join(ArrayRef(missing).take_front(5), ", ");
    if (missing.size() > 5)
      list += ", ... (" + std::to_string(missing.size() - 5) + " more)";
    return fail("has no tensor for " + Twine(missing.size()) +
                " parameter(s): " + list);
  }
  for (const auto &[name, tensor] : checkpoint.tensors())
    if (!used.contains(name))
      binding.unused.push_back(name);
  return binding;
}
