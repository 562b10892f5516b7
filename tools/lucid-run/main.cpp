// lucid-run: runs one ConvTranspose1d on .npy files with the JIT kernels, e.g.
//
//   lucid-run "ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1)"
//       --input x.npy [--weight w.npy] [--bias b.npy] [--grad-output g.npy]
//       [--output-size L] [--seed S] [--repeat N] --out DIR
//
// Exit codes: 0 success; 2 bad usage or spec; 1 bad data (dtype, shape, file). Every input
// is read and checked and every result computed before anything is written, and the files
// go into DIR all or nothing (OutputDir).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "lucid/lucid.h"
#include "npy.h"
#include "output_dir.h"
#include "run_options.h"

namespace {

using lucid::Tensor;
using lucid_run::UsageError;

// Bad data: exit code 1.
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Tensor read_operand(const std::string& path, const char* role, lucid::DType dtype) {
  Tensor t = lucid::npy::read(path);
  if (t.dtype() != dtype)
    throw DataError(fmt::format("{}: the {} is {} but the input is {}; all arrays must share one "
                                "dtype",
                                path, role, lucid::dtype_name(t.dtype()),
                                lucid::dtype_name(dtype)));
  return t;
}

// Times `call` over `repeat` runs after one warm-up; returns microseconds per call.
template <typename F>
double time_calls(int64_t repeat, F&& call) {
  call();
  auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < repeat; ++i) call();
  std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
  return elapsed.count() / static_cast<double>(repeat);
}

int run(const lucid_run::RunOptions& options) {
  // 1. The spec, and the output folder's sanity (usage problems, exit 2).
  lucid::ConvSpec spec;
  try {
    spec = lucid::ConvSpec::parse(options.spec);
  } catch (const lucid::Error& e) {
    throw UsageError(fmt::format("bad spec: {}", e.what()));
  }
  if (options.bias && !spec.bias)
    throw UsageError("--bias given, but the layer has bias=False");
  lucid_run::OutputDir out(options.out_dir);

  // 2. The input decides the dtype, unless the spec names one explicitly.
  Tensor x = lucid::npy::read(options.input);
  bool explicit_dtype = options.spec.find("dtype") != std::string::npos;
  if (x.dtype() != spec.dtype) {
    if (explicit_dtype)
      throw DataError(fmt::format("{}: the input is {} but the spec says dtype={}", options.input,
                                  lucid::dtype_name(x.dtype()), lucid::dtype_name(spec.dtype)));
    spec.dtype = x.dtype();
  }
  if (x.dim() != 2 && x.dim() != 3)
    throw DataError(fmt::format("{}: the input has shape {}; it must be (N, {}, L) or ({}, L)",
                                options.input, lucid::shape_to_string(x.shape()),
                                spec.in_channels, spec.in_channels));

  // 3. The layer: weight and bias from files, or from the seed as PyTorch initialises them.
  lucid::Generator generator(options.seed);
  lucid::nn::ConvTranspose1d layer(spec, generator);
  if (options.weight) layer.weight = read_operand(*options.weight, "weight", x.dtype()).requires_grad_();
  if (options.bias) layer.bias = read_operand(*options.bias, "bias", x.dtype()).requires_grad_();
  std::optional<Tensor> grad_output;
  if (options.grad_output) grad_output = read_operand(*options.grad_output, "grad-output", x.dtype());
  if (options.output_size) {
    try {
      layer.output_padding_for(x.size(-1), *options.output_size);
    } catch (const lucid::Error& e) {
      throw UsageError(fmt::format("--output-size: {}", e.what()));
    }
  }

  // 4. Forward, and backward when a gradient of the output is given. Shape mismatches
  //    surface here as lucid::Error naming both shapes: bad data.
  auto forward = [&] {
    return options.output_size ? layer(x, *options.output_size) : layer(x);
  };
  if (grad_output) x.requires_grad_();
  Tensor y;
  try {
    y = forward();
    if (grad_output) {
      if (grad_output->shape() != y.shape())
        throw DataError(fmt::format("{}: the output gradient has shape {} but the output has "
                                    "shape {}",
                                    *options.grad_output,
                                    lucid::shape_to_string(grad_output->shape()),
                                    lucid::shape_to_string(y.shape())));
      y.backward(*grad_output);
    }
  } catch (const lucid::Error& e) {
    throw DataError(e.what());
  }
  out.add("output.npy", y.detach());
  if (grad_output) {
    // Clones: the timing below accumulates into the live gradients.
    out.add("grad_input.npy", x.grad().clone());
    out.add("grad_weight.npy", layer.weight.grad().clone());
    if (spec.bias) out.add("grad_bias.npy", layer.bias.grad().clone());
  }

  // 5. Optional timing.
  const int64_t batch = x.dim() == 3 ? x.size(0) : 1;
  const double flops = spec.flops(batch, x.size(-1));
  if (options.repeat > 0) {
    double us = time_calls(options.repeat, [&] {
      lucid::NoGradGuard no_grad;
      forward();
    });
    fmt::print("forward:            {:10.2f} us per call, {:8.2f} GFLOP/s ({} calls)\n", us,
               flops / us / 1e3, options.repeat);
    if (grad_output) {
      double us_both = time_calls(options.repeat, [&] { forward().backward(*grad_output); });
      fmt::print("forward + backward: {:10.2f} us per call, {:8.2f} GFLOP/s ({} calls)\n",
                 us_both, 3 * flops / us_both / 1e3, options.repeat);
    }
  }

  // 6. Write everything, all or nothing.
  auto written = out.commit();
  fmt::print("{} [{}]: input {} -> output {}\n", layer.spec().to_string(),
             lucid::dtype_name(spec.dtype), lucid::shape_to_string(x.shape()),
             lucid::shape_to_string(y.shape()));
  for (const auto& path : written) fmt::print("wrote {}\n", path.string());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    lucid_run::RunOptions options = lucid_run::parse_run_options(argc, argv);
    if (options.help) {
      std::fputs(lucid_run::run_help().c_str(), stdout);
      return 0;
    }
    return run(options);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "lucid-run: %s\n%sRun 'lucid-run --help' for every option.\n", e.what(),
                 lucid_run::kUsage);
    return 2;
  } catch (const lucid::npy::NpyError& e) {
    std::fprintf(stderr, "lucid-run: %s\n", e.what());
    return 1;
  } catch (const DataError& e) {
    std::fprintf(stderr, "lucid-run: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    // Allocations the library makes name what and how many bytes (lucid::OutOfMemory); this
    // is the last resort for any other, so the user still learns it was memory.
    std::fprintf(stderr, "lucid-run: out of memory (an allocation outside the tensors failed)\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lucid-run: %s\n", e.what());
    return 1;
  }
}
