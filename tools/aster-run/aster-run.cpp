//===- aster-run.cpp - Run a bundle ---------------------------------------===//
//
//   aster-run DIR --steps N [--data tokens.bin] [--weights in.safetensors]
//                 [--save out.safetensors] [--sample N]
//   aster-run DIR --call ENTRY --inputs IN.safetensors --outputs OUT.safetensors
//
// Loads a bundle written by `aster-compile --target=...`, initialises the
// parameters from their #aster.init and --seed (the values aster-reference
// draws) or from a checkpoint, and runs training steps (or forward passes,
// for a bundle without @train_step), printing loss, tokens/s and memory per
// step. Links neither MLIR nor LLVM.
//
//===----------------------------------------------------------------------===//

#include "aster/Runtime/Runtime.h"
#include "aster/Support/SeededStream.h"
#include "aster/Weights/Safetensors.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

using namespace aster::runtime;

namespace {

struct Options {
  std::string dir, data, weights, save, prompt;
  std::string call, inputs, outputs; // one call of an entry point
  std::string bench;                  // time an entry point
  int64_t repeat = 10;
  int64_t steps = 1, sample = 0;
  unsigned tokenWidth = 2;
  uint64_t seed = 0;
};

int fail(const std::string &message) {
  std::fprintf(stderr, "aster-run: error: %s\n", message.c_str());
  return 1;
}

void usage() {
  std::puts(
      "usage: aster-run DIR [--steps N] [--data FILE [--token-width 1|2|4]]\n"
      "                 [--weights CKPT] [--save OUT.safetensors] [--seed S]\n"
      "                 [--sample N [--prompt TEXT]]\n"
      "       aster-run DIR --call ENTRY --inputs IN.safetensors --outputs OUT.safetensors\n"
      "       aster-run DIR --bench ENTRY [--repeat N] [--seed S]\n\n"
      "Runs the bundle DIR (aster-compile --target=cpu -o DIR): N training\n"
      "steps of @train_step, or N forward passes for a forward-only bundle.\n"
      "  --data FILE      token ids: little-endian uint16 (nanoGPT's .bin),\n"
      "                   uint32 with --token-width 4, or raw bytes with 1;\n"
      "                   step i, row r reads the window at\n"
      "                   ((i * B + r) * S) mod (tokens - S + 1)\n"
      "  --weights CKPT   initial parameters (safetensors, HF names)\n"
      "  --save FILE      write the trained parameters (f32 safetensors)\n"
      "  --seed S         seed of the initial parameters and synthetic tokens\n"
      "  --sample N       afterwards, generate N tokens with @forward\n"
      "                   (temperature 0.8), printed as text for vocabulary 256\n"
      "  --call ENTRY     call entry point ENTRY once with arguments arg0, arg1,\n"
      "                   ... of --inputs (converted to the argument types) and\n"
      "                   write its results as result0, ... to --outputs\n"
      "  --bench ENTRY    time ENTRY on its initialised arguments (zeros where\n"
      "                   there is no initialiser): the mean of N calls (default\n"
      "                   10) after a warm-up, arguments already on the device\n");
}

bool parse(int argc, char **argv, Options &o, std::string &error) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string &out) {
      if (i + 1 >= argc) {
        error = a + " needs a value";
        return false;
      }
      out = argv[++i];
      return true;
    };
    auto number = [&](int64_t &out) {
      std::string v;
      if (!value(v))
        return false;
      char *end = nullptr;
      long long n = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end) {
        error = a + " expects an integer, got '" + v + "'";
        return false;
      }
      out = n;
      return true;
    };
    int64_t n = 0;
    if (a == "--help" || a == "-h") {
      usage();
      std::exit(0);
    } else if (a == "--steps") {
      if (!number(o.steps))
        return false;
    } else if (a == "--data") {
      if (!value(o.data))
        return false;
    } else if (a == "--weights") {
      if (!value(o.weights))
        return false;
    } else if (a == "--save") {
      if (!value(o.save))
        return false;
    } else if (a == "--bench") {
      if (!value(o.bench))
        return false;
    } else if (a == "--repeat") {
      std::string n;
      if (!value(n))
        return false;
      o.repeat = std::atoll(n.c_str());
      if (o.repeat < 1) {
        error = "--repeat " + n + ": expected a positive count";
        return false;
      }
    } else if (a == "--call") {
      if (!value(o.call))
        return false;
    } else if (a == "--inputs") {
      if (!value(o.inputs))
        return false;
    } else if (a == "--outputs") {
      if (!value(o.outputs))
        return false;
    } else if (a == "--prompt") {
      if (!value(o.prompt))
        return false;
    } else if (a == "--sample") {
      if (!number(o.sample))
        return false;
    } else if (a == "--seed") {
      if (!number(n))
        return false;
      o.seed = static_cast<uint64_t>(n);
    } else if (a == "--token-width") {
      if (!number(n))
        return false;
      if (n != 1 && n != 2 && n != 4) {
        error = "--token-width " + std::to_string(n) + ": expected 1, 2 or 4";
        return false;
      }
      o.tokenWidth = static_cast<unsigned>(n);
    } else if (!a.empty() && a[0] == '-') {
      error = "unknown option " + a + " (see --help)";
      return false;
    } else if (o.dir.empty()) {
      o.dir = a;
    } else {
      error = "unexpected argument '" + a + "'";
      return false;
    }
  }
  if (o.dir.empty()) {
    error = "no bundle directory given (see --help)";
    return false;
  }
  if (o.steps < 0 || o.sample < 0) {
    error = "--steps and --sample must be >= 0";
    return false;
  }
  return true;
}

/// Peak resident memory of this process, in MiB (Linux VmHWM).
double peakMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0)
      return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  return 0.0;
}

bool readTokens(const Options &o, int64_t vocab, std::vector<int64_t> &ids,
                std::string &error) {
  std::ifstream in(o.data, std::ios::binary);
  if (!in) {
    error = o.data + ": cannot open";
    return false;
  }
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  if (bytes.size() % o.tokenWidth != 0) {
    error = o.data + ": " + std::to_string(bytes.size()) +
            " bytes is not a whole number of " + std::to_string(o.tokenWidth) +
            "-byte token ids";
    return false;
  }
  ids.resize(bytes.size() / o.tokenWidth);
  for (size_t i = 0; i < ids.size(); ++i) {
    uint64_t v = 0;
    for (unsigned b = 0; b < o.tokenWidth; ++b)
      v |= static_cast<uint64_t>(static_cast<unsigned char>(
               bytes[i * o.tokenWidth + b]))
           << (8 * b);
    if (vocab > 0 && v >= static_cast<uint64_t>(vocab)) {
      error = o.data + ": token " + std::to_string(i) + " is " +
              std::to_string(v) + ", outside the vocabulary of " +
              std::to_string(vocab);
      return false;
    }
    ids[i] = static_cast<int64_t>(v);
  }
  return true;
}

/// Stores token id `v` at element `i` of an integer tensor.
void setInt(HostTensor &t, int64_t i, int64_t v) {
  if (t.dtype == DType::I1)
    t.bytes[i] = v != 0;
  else if (t.dtype == DType::I64)
    t.i64()[i] = v;
  else
    t.i32()[i] = static_cast<int32_t>(v);
}

int64_t tokensIndex(const EntryPoint &e) {
  for (size_t i = 0; i < e.args.size(); ++i)
    if (e.args[i].role == "data" && e.args[i].name == "tokens")
      return static_cast<int64_t>(i);
  return -1;
}

} // namespace

/// The safetensors dtype of a runtime dtype.
aster::weights::DType weightsDType(DType d) {
  switch (d) {
  case DType::F32:
    return aster::weights::DType::F32;
  case DType::BF16:
    return aster::weights::DType::BF16;
  case DType::F16:
    return aster::weights::DType::F16;
  case DType::I32:
    return aster::weights::DType::I32;
  case DType::I64:
    return aster::weights::DType::I64;
  case DType::I1:
    return aster::weights::DType::Bool;
  }
  return aster::weights::DType::F32;
}

/// --call: one call of `entry` on the tensors of --inputs.
int callOnce(const Options &o, Executor &executor, const EntryPoint &entry) {
  std::string error;
  std::optional<aster::weights::Checkpoint> in =
      aster::weights::Checkpoint::open(o.inputs, error);
  if (!in)
    return fail(error);
  std::vector<HostTensor> args, results;
  for (size_t i = 0; i < entry.args.size(); ++i) {
    const TensorSpec &spec = entry.args[i];
    std::string name = "arg" + std::to_string(i);
    const aster::weights::TensorInfo *t = in->find(name);
    if (!t)
      return fail(o.inputs + ": no tensor " + name + " for " + entry.name +
                  " argument " + spec.name);
    if (t->shape != spec.shape)
      return fail(o.inputs + ": " + name + " has the wrong shape for " +
                  spec.name);
    HostTensor h = HostTensor::zeros(spec.dtype, spec.shape);
    if (aster::weights::isFloatDType(t->dtype)) {
      std::vector<double> values;
      if (!in->readFloats(*t, values, error))
        return fail(error);
      if (spec.dtype == DType::F32) {
        for (size_t k = 0; k < values.size(); ++k)
          h.f32()[k] = static_cast<float>(values[k]);
      } else if (spec.dtype == DType::BF16 || spec.dtype == DType::F16) {
        std::string bits = aster::weights::encodeFloats(
            values, weightsDType(spec.dtype));
        std::memcpy(h.bytes.data(), bits.data(), bits.size());
      } else {
        return fail(o.inputs + ": " + name + " is floating point, " +
                    spec.name + " is not");
      }
    } else {
      // Integers: read raw, then widen or narrow to the argument's type.
      std::ifstream f(t->file, std::ios::binary);
      std::string raw(t->bytes, '\0');
      f.seekg(static_cast<std::streamoff>(t->offset));
      f.read(raw.data(), static_cast<std::streamsize>(raw.size()));
      size_t width = aster::weights::dtypeSize(t->dtype);
      for (int64_t k = 0; k < h.numElements(); ++k) {
        int64_t v = 0;
        if (width == 8)
          std::memcpy(&v, raw.data() + k * 8, 8);
        else if (width == 4) {
          int32_t w;
          std::memcpy(&w, raw.data() + k * 4, 4);
          v = w;
        } else {
          v = static_cast<uint8_t>(raw[k]);
        }
        setInt(h, k, v);
      }
    }
    args.push_back(std::move(h));
  }
  for (const TensorSpec &r : entry.results)
    results.push_back(HostTensor::zeros(r.dtype, r.shape));
  if (!executor.call(entry, args, results, error))
    return fail(error);
  std::vector<aster::weights::TensorData> tensors;
  for (size_t i = 0; i < results.size(); ++i)
    tensors.push_back({"result" + std::to_string(i),
                       weightsDType(results[i].dtype), results[i].shape,
                       std::string(results[i].bytes.begin(),
                                   results[i].bytes.end())});
  if (!aster::weights::writeSafetensors(o.outputs, tensors, {}, error))
    return fail(error);
  std::printf("aster-run: %s: %s -> %s\n", entry.name.c_str(),
              o.inputs.c_str(), o.outputs.c_str());
  return 0;
}

int main(int argc, char **argv) {
  Options o;
  std::string error;
  if (!parse(argc, argv, o, error))
    return fail(error);
  std::optional<Bundle> bundle = loadBundle(o.dir, error);
  if (!bundle)
    return fail(error);
  std::unique_ptr<Executor> executor = createExecutor(*bundle, error);
  if (!executor)
    return fail(error);
  if (!o.bench.empty()) {
    if (!bundle->entries.count(o.bench))
      return fail(o.dir + ": no entry point " + o.bench);
    const EntryPoint &e = bundle->entries.at(o.bench);
    std::vector<HostTensor> args, results;
    for (const TensorSpec &spec : e.args)
      args.push_back(initialise(spec, o.seed));
    for (const TensorSpec &r : e.results)
      results.push_back(HostTensor::zeros(r.dtype, r.shape));
    double seconds = 0;
    if (!executor->benchmark(e, args, results, static_cast<int>(o.repeat),
                             seconds, error))
      return fail(error);
    std::printf("bench %s %s: %.4f ms per call (mean of %lld)\n",
                bundle->target.c_str(), o.bench.c_str(), seconds * 1e3,
                static_cast<long long>(o.repeat));
    return 0;
  }
  if (!o.call.empty()) {
    if (!bundle->entries.count(o.call))
      return fail(o.dir + ": no entry point " + o.call);
    if (o.inputs.empty() || o.outputs.empty())
      return fail("--call needs --inputs and --outputs");
    return callOnce(o, *executor, bundle->entries.at(o.call));
  }
  bool training = bundle->entries.count("train_step");
  const EntryPoint &entry =
      bundle->entries.count("train_step") ? bundle->entries.at("train_step")
      : bundle->entries.count("forward")  ? bundle->entries.at("forward")
                                          : bundle->entries.begin()->second;
  int64_t tokensArg = tokensIndex(entry);
  if (tokensArg < 0)
    return fail(o.dir + ": entry point " + entry.name + " has no tokens input");
  const TensorSpec &tokensSpec = entry.args[tokensArg];
  if (tokensSpec.shape.size() != 2)
    return fail(o.dir + ": tokens must be [batch, seq]");
  int64_t rows = tokensSpec.shape[0], seq = tokensSpec.shape[1];
  int64_t vocab = 0;
  if (bundle->entries.count("forward") &&
      !bundle->entries.at("forward").results.empty())
    vocab = bundle->entries.at("forward").results[0].shape.back();

  // Arguments: parameters and optimizer state initialised, then the data.
  std::vector<HostTensor> args;
  for (size_t i = 0; i < entry.args.size(); ++i)
    args.push_back(initialise(entry.args[i], o.seed));
  if (!o.weights.empty()) {
    std::optional<aster::weights::Checkpoint> ckpt =
        aster::weights::Checkpoint::open(o.weights, error);
    if (!ckpt)
      return fail(error);
    for (size_t i = 0; i < entry.args.size(); ++i) {
      const TensorSpec &spec = entry.args[i];
      if (spec.role != "parameter")
        continue;
      const aster::weights::TensorInfo *t = ckpt->find(spec.name);
      if (!t)
        return fail(o.weights + ": no tensor for parameter " + spec.name);
      if (t->shape != spec.shape)
        return fail(o.weights + ": " + spec.name + " has the wrong shape");
      std::vector<double> values;
      if (!ckpt->readFloats(*t, values, error))
        return fail(error);
      for (size_t k = 0; k < values.size(); ++k)
        args[i].f32()[k] = static_cast<float>(values[k]);
    }
  }
  std::vector<int64_t> stream;
  if (!o.data.empty()) {
    if (!readTokens(o, vocab, stream, error))
      return fail(error);
    if (static_cast<int64_t>(stream.size()) < seq)
      return fail(o.data + ": " + std::to_string(stream.size()) +
                  " tokens, fewer than one sequence of " + std::to_string(seq));
  } else {
    // A fixed batch drawn as aster-reference draws it.
    aster::SeededStream ids(o.seed, std::to_string(tokensArg));
    for (int64_t k = 0; k < rows * seq; ++k)
      setInt(args[tokensArg], k,
             static_cast<int64_t>(ids.next() % static_cast<uint64_t>(
                                                   vocab > 0 ? vocab : 2)));
  }
  std::printf("aster-run: %s (%s): %s, %lld x %lld tokens per step, %s\n",
              o.dir.c_str(), bundle->target.c_str(), entry.name.c_str(),
              static_cast<long long>(rows), static_cast<long long>(seq),
              o.data.empty() ? "a fixed synthetic batch" : o.data.c_str());

  std::vector<HostTensor> results;
  for (const TensorSpec &r : entry.results)
    results.push_back(HostTensor::zeros(r.dtype, r.shape));
  int64_t windows = stream.empty() ? 0 : stream.size() - seq + 1;
  double totalSeconds = 0;
  for (int64_t step = 0; step < o.steps; ++step) {
    if (!stream.empty())
      for (int64_t r = 0; r < rows; ++r) {
        int64_t offset = ((step * rows + r) * seq) % windows;
        for (int64_t c = 0; c < seq; ++c)
          setInt(args[tokensArg], r * seq + c, stream[offset + c]);
      }
    for (size_t i = 0; i < entry.args.size(); ++i)
      if (entry.args[i].name == "step" && entry.args[i].role == "data")
        setInt(args[i], 0, step);
    auto start = std::chrono::steady_clock::now();
    if (!executor->call(entry, args, results, error))
      return fail(error);
    double seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    totalSeconds += seconds;
    if (training) {
      for (auto [result, arg] : entry.state)
        args[arg].bytes = results[result].bytes;
      std::printf("step %lld/%lld  loss %.6f  %.0f tokens/s  %.0f MiB\n",
                  static_cast<long long>(step + 1),
                  static_cast<long long>(o.steps), results[0].f32()[0],
                  rows * seq / seconds, peakMiB());
    } else {
      std::printf("forward %lld/%lld  %.0f tokens/s  %.0f MiB\n",
                  static_cast<long long>(step + 1),
                  static_cast<long long>(o.steps), rows * seq / seconds,
                  peakMiB());
    }
    std::fflush(stdout);
  }
  if (o.steps > 0)
    std::printf("%lld steps in %.2f s\n", static_cast<long long>(o.steps),
                totalSeconds);

  if (!o.save.empty()) {
    std::vector<aster::weights::TensorData> tensors;
    for (size_t i = 0; i < entry.args.size(); ++i) {
      if (entry.args[i].role != "parameter")
        continue;
      std::vector<double> values(args[i].f32(),
                                 args[i].f32() + args[i].numElements());
      tensors.push_back({entry.args[i].name, aster::weights::DType::F32,
                         entry.args[i].shape,
                         aster::weights::encodeFloats(
                             values, aster::weights::DType::F32)});
    }
    if (!aster::weights::writeSafetensors(o.save, tensors, {{"format", "pt"}},
                                          error))
      return fail(error);
    std::printf("wrote %zu parameters to %s\n", tensors.size(),
                o.save.c_str());
  }

  if (o.sample > 0) {
    if (!bundle->entries.count("forward"))
      return fail(o.dir + ": --sample needs a bundle with @forward");
    const EntryPoint &fwd = bundle->entries.at("forward");
    int64_t ft = tokensIndex(fwd);
    if (ft < 0)
      return fail(o.dir + ": @forward has no tokens input");
    // Parameters by name from the (trained) step's arguments.
    std::vector<HostTensor> fargs;
    for (size_t i = 0; i < fwd.args.size(); ++i) {
      HostTensor t = initialise(fwd.args[i], o.seed);
      for (size_t j = 0; j < entry.args.size(); ++j)
        if (entry.args[j].role == "parameter" &&
            entry.args[j].name == fwd.args[i].name &&
            args[j].bytes.size() == t.bytes.size() && t.dtype == DType::F32)
          t.bytes = args[j].bytes;
      fargs.push_back(std::move(t));
    }
    if (fwd.args[ft].dtype != DType::I32 && fwd.args[ft].dtype != DType::I64)
      return fail(o.dir + ": @forward tokens must be integers");
    if (fwd.results.empty() || fwd.results[0].dtype != DType::F32)
      return fail(o.dir + ": --sample needs f32 logits");
    int64_t fseq = fwd.args[ft].shape[1];
    std::vector<int64_t> text;
    for (char c : o.prompt)
      text.push_back(static_cast<unsigned char>(c) % std::max<int64_t>(vocab, 1));
    if (text.empty())
      text.push_back(stream.empty() ? 0 : stream[0]);
    std::vector<HostTensor> fres;
    for (const TensorSpec &r : fwd.results)
      fres.push_back(HostTensor::zeros(r.dtype, r.shape));
    aster::SeededStream rng(o.seed, "sample");
    size_t start = text.size();
    for (int64_t k = 0; k < o.sample; ++k) {
      int64_t from = std::max<int64_t>(0, text.size() - fseq);
      int64_t len = text.size() - from;
      for (int64_t c = 0; c < fseq; ++c)
        setInt(fargs[ft], c, c < len ? text[from + c] : 0);
      if (!executor->call(fwd, fargs, fres, error))
        return fail(error);
      const float *logits = fres[0].f32() + (len - 1) * vocab;
      double max = logits[0];
      for (int64_t v = 1; v < vocab; ++v)
        max = std::max<double>(max, logits[v]);
      std::vector<double> p(vocab);
      double sum = 0;
      for (int64_t v = 0; v < vocab; ++v)
        sum += p[v] = std::exp((logits[v] - max) / 0.8);
      double u = rng.uniform() * sum, acc = 0;
      int64_t choice = vocab - 1;
      for (int64_t v = 0; v < vocab; ++v)
        if ((acc += p[v]) >= u) {
          choice = v;
          break;
        }
      text.push_back(choice);
    }
    std::printf("sample:\n");
    for (size_t k = 0; k < text.size(); ++k) {
      int64_t t = text[k];
      if (vocab == 256 && (t == '\n' || (t >= 32 && t < 127)))
        std::putchar(static_cast<int>(t));
      else
        std::printf("<%lld>", static_cast<long long>(t));
      if (k + 1 == start && start > 0)
        std::fflush(stdout);
    }
    std::printf("\n");
  }
  return 0;
}
