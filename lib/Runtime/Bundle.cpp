//===- Bundle.cpp - plan.json and host tensors ----------------------------===//

#include "aster/Runtime/Runtime.h"
#include "aster/Support/SeededStream.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace aster::runtime;

std::optional<DType> aster::runtime::dtypeFromName(const std::string &name) {
  static const std::map<std::string, DType> names = {
      {"f32", DType::F32}, {"bf16", DType::BF16}, {"f16", DType::F16},
      {"i32", DType::I32}, {"i64", DType::I64},   {"i1", DType::I1}};
  auto it = names.find(name);
  if (it == names.end())
    return std::nullopt;
  return it->second;
}

size_t aster::runtime::dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::BF16:
  case DType::F16:
    return 2;
  case DType::I64:
    return 8;
  case DType::I1:
    return 1;
  }
  return 0;
}

static int64_t product(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

int64_t TensorSpec::numElements() const { return product(shape); }
int64_t HostTensor::numElements() const { return product(shape); }

HostTensor HostTensor::zeros(DType dtype, const std::vector<int64_t> &shape) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = shape;
  t.bytes.assign(product(shape) * dtypeSize(dtype), 0);
  return t;
}

namespace {

/// Reads plan.json; every access is checked so that a malformed plan is a
/// message, not an exception escaping.
struct PlanReader {
  std::string file, error;

  bool fail(const std::string &what) {
    if (error.empty())
      error = file + ": " + what;
    return false;
  }

  bool tensor(const nlohmann::json &j, const std::string &where,
              TensorSpec &out) {
    if (!j.is_object() || !j.contains("dtype") || !j["dtype"].is_string() ||
        !j.contains("shape") || !j["shape"].is_array())
      return fail(where + ": needs a dtype and a shape");
    std::optional<DType> dtype = dtypeFromName(j["dtype"].get<std::string>());
    if (!dtype)
      return fail(where + ": unknown dtype '" + j["dtype"].get<std::string>() + "'");
    out.dtype = *dtype;
    for (const auto &d : j["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0 ||
          d.get<int64_t>() > (int64_t(1) << 40))
        return fail(where + ": bad shape");
      out.shape.push_back(d.get<int64_t>());
    }
    if (j.contains("name") && j["name"].is_string())
      out.name = j["name"].get<std::string>();
    if (j.contains("role") && j["role"].is_string())
      out.role = j["role"].get<std::string>();
    if (j.contains("init")) {
      const auto &i = j["init"];
      if (!i.is_object() || !i.contains("kind") || !i["kind"].is_string())
        return fail(where + ": bad init");
      InitSpec init;
      init.kind = i["kind"].get<std::string>();
      for (auto [key, field] :
           {std::pair<const char *, double *>{"mean", &init.mean},
            {"std", &init.std},
            {"low", &init.low},
            {"high", &init.high},
            {"value", &init.value}})
        if (i.contains(key) && i[key].is_number())
          *field = i[key].get<double>();
      if (init.kind != "zeros" && init.kind != "ones" &&
          init.kind != "constant" && init.kind != "normal" &&
          init.kind != "uniform")
        return fail(where + ": unknown init kind '" + init.kind + "'");
      out.init = init;
    }
    return true;
  }
};

} // namespace

std::optional<Bundle> aster::runtime::loadBundle(const std::string &dir,
                                                 std::string &error) {
  PlanReader r;
  r.file = dir + "/plan.json";
  std::ifstream in(r.file);
  if (!in) {
    error = r.file + ": cannot open (not a bundle directory?)";
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json plan =
      nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (plan.is_discarded() || !plan.is_object()) {
    error = r.file + ": not valid JSON (truncated?)";
    return std::nullopt;
  }
  Bundle bundle;
  bundle.dir = dir;
  if (!plan.contains("format") || plan["format"] != "aster-bundle") {
    error = r.file + ": not an aster bundle (format is not \"aster-bundle\")";
    return std::nullopt;
  }
  if (!plan.contains("version") || !plan["version"].is_number_integer() ||
      plan["version"].get<int>() != 2) {
    error = r.file + ": bundle version " +
            (plan.contains("version") ? plan["version"].dump() : "missing") +
            ", this aster-run reads version 2 (recompile with this "
            "aster-compile)";
    return std::nullopt;
  }
  bundle.version = 2;
  if (!plan.contains("target") || !plan["target"].is_string() ||
      !plan.contains("kernels") || !plan["kernels"].is_string() ||
      !plan.contains("entry_points") || !plan["entry_points"].is_object()) {
    error = r.file + ": needs target, kernels and entry_points";
    return std::nullopt;
  }
  bundle.target = plan["target"].get<std::string>();
  if (bundle.target != "cpu") {
    if (!plan.contains("runtime") || !plan["runtime"].is_string() ||
        (plan["runtime"] != "cuda" && plan["runtime"] != "hip")) {
      error = r.file + ": target " + bundle.target +
              " needs runtime \"cuda\" or \"hip\"";
      return std::nullopt;
    }
    bundle.runtime = plan["runtime"].get<std::string>();
  }
  bundle.kernels = dir + "/" + plan["kernels"].get<std::string>();
  for (const auto &[name, e] : plan["entry_points"].items()) {
    EntryPoint entry;
    entry.name = name;
    if (!e.is_object() || !e.contains("wrapper") || !e["wrapper"].is_string() ||
        !e.contains("args") || !e["args"].is_array() ||
        !e.contains("results") || !e["results"].is_array()) {
      error = r.file + ": entry point '" + name + "' is incomplete";
      return std::nullopt;
    }
    entry.wrapper = e["wrapper"].get<std::string>();
    for (size_t i = 0; i < e["args"].size(); ++i) {
      TensorSpec t;
      if (!r.tensor(e["args"][i], name + " argument " + std::to_string(i), t)) {
        error = r.error;
        return std::nullopt;
      }
      entry.args.push_back(t);
    }
    for (size_t i = 0; i < e["results"].size(); ++i) {
      TensorSpec t;
      if (!r.tensor(e["results"][i], name + " result " + std::to_string(i), t)) {
        error = r.error;
        return std::nullopt;
      }
      entry.results.push_back(t);
    }
    if (e.contains("state")) {
      for (const auto &pair : e["state"]) {
        if (!pair.is_array() || pair.size() != 2 ||
            !pair[0].is_number_unsigned() || !pair[1].is_number_unsigned() ||
            pair[0].get<size_t>() >= entry.results.size() ||
            pair[1].get<size_t>() >= entry.args.size()) {
          error = r.file + ": entry point '" + name + "': bad state pair";
          return std::nullopt;
        }
        entry.state.push_back({pair[0].get<size_t>(), pair[1].get<size_t>()});
      }
    }
    bundle.entries[name] = std::move(entry);
  }
  return bundle;
}

HostTensor aster::runtime::initialise(const TensorSpec &spec, uint64_t seed) {
  HostTensor t = HostTensor::zeros(spec.dtype, spec.shape);
  if (spec.dtype != DType::F32 || !spec.init)
    return t;
  const InitSpec &init = *spec.init;
  aster::SeededStream stream(seed, spec.name);
  float *v = t.f32();
  const int64_t n = t.numElements();
  if (init.kind == "ones" || init.kind == "constant") {
    std::fill(v, v + n, static_cast<float>(init.kind == "ones" ? 1.0 : init.value));
  } else if (init.kind == "normal") {
    for (int64_t i = 0; i < n; ++i)
      v[i] = static_cast<float>(init.mean + init.std * stream.normal());
  } else if (init.kind == "uniform") {
    for (int64_t i = 0; i < n; ++i)
      v[i] = static_cast<float>(init.low +
                                (init.high - init.low) * stream.uniform());
  }
  return t;
}
