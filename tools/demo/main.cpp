// lucid-demo: trains a small decoder (ConvTranspose1d + ReLU layers) with Adam to upsample
// band-limited signals 4x, on the JIT kernels, and shows what the JIT did: each kernel set
// compiled or loaded from the disk cache with its milliseconds, the cache hits, and the
// throughput. A second run starts faster because the kernels come from the disk cache.
//
//   lucid-demo [--steps N] [--batch N] [--seed S]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <vector>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "command_line.h"
#include "jit_report.h"
#include "lucid/lucid.h"
#include "progress_bar.h"
#include "upsampling_task.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Options {
  int64_t steps = 400;
  int64_t batch = 32;
  std::uint64_t seed = 1234;
};

// Declares the demo's options on `app`, writing into `options`.
void add_options(CLI::App& app, Options& options) {
  lucid::cli::use_synopsis(app, "usage: lucid-demo [--steps N] [--batch N] [--seed S]",
                           "Trains a small ConvTranspose1d decoder to upsample signals 4x and shows "
                           "what the JIT did.\nExit codes: 0 done, 1 a runtime error, 2 bad usage.");
  // As before CLI11, a repeated option takes its last value.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--steps", options.steps, "training steps (default 400)")
      ->type_name("N")->check(lucid::cli::integer_at_least(1));
  app.add_option("--batch", options.batch, "signals per step (default 32)")
      ->type_name("N")->check(lucid::cli::integer_at_least(1));
  app.add_option("--seed", options.seed, "seed of the data and the initial weights (default 1234)")
      ->type_name("S")->check(lucid::cli::integer_at_least(0));
}

// Forward, backward-data and backward-weight flops of one training step. The first layer's
// input needs no gradient, so its backward-data pass never runs.
double step_flops(const lucid::nn::Sequential& model, int64_t batch, int64_t length) {
  double flops = 0;
  bool first = true;
  for (std::size_t i = 0; i < model.size(); ++i) {
    auto* conv = dynamic_cast<lucid::nn::ConvTranspose1d*>(model[i].get());
    if (!conv) continue;
    flops += (first ? 2 : 3) * conv->spec().flops(batch, length);
    length = conv->spec().output_length(length);
    first = false;
  }
  return flops;
}

// 64 samples in, 256 out: two layers double the rate, the last one smooths, as in the
// upsampling stack of a neural vocoder.
std::shared_ptr<lucid::nn::Sequential> make_decoder(lucid::Generator& init) {
  namespace nn = lucid::nn;
  using lucid::ConvSpec;
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::ConvTranspose1d>(ConvSpec::make(1, 32, 8, 2, 3), init),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::ConvTranspose1d>(ConvSpec::make(32, 32, 8, 2, 3), init),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::ConvTranspose1d>(ConvSpec::make(32, 1, 9, 1, 4), init)});
}

double evaluate(lucid::nn::Module& model, const lucid::Tensor& low, const lucid::Tensor& high) {
  lucid::NoGradGuard no_grad;
  return lucid::mse_loss(model(low), high).item();
}

}  // namespace

int main(int argc, char** argv) {
  const auto program_start = Clock::now();
  Options options;
  CLI::App app("", "lucid-demo");
  add_options(app, options);
  try {
    if (!lucid::cli::parse(app, argc, argv)) {
      std::fputs(app.help().c_str(), stdout);
      return 0;
    }
  } catch (const lucid::cli::UsageError& e) {
    std::fprintf(stderr, "lucid-demo: %s\n%s", e.what(), lucid::cli::usage_hint(app).c_str());
    return 2;
  }

  try {
    // 1. Say what runs where.
    lucid::JitEngine& jit = lucid::JitEngine::global();
    const auto& jit_options = jit.options();
    fmt::print("lucid-demo: a ConvTranspose1d decoder learns to upsample signals 4x\n");
    fmt::print("  cpu {} ({}-bit vectors), {} threads, kernel cache {}\n", jit.cpu_name(),
               jit.vector_bits(), lucid::ThreadPool::global().num_threads(),
               jit_options.disk_cache ? jit_options.cache_dir : std::string("off"));

    // 2. The data and the model.
    demo::UpsamplingTask task(/*factor=*/4, /*high_length=*/256, options.seed);
    lucid::Generator init(options.seed);
    auto model_ptr = make_decoder(init);
    lucid::nn::Sequential& model = *model_ptr;
    fmt::print("  model: {} parameters\n", model.parameter_count());
    for (std::size_t i = 0; i < model.size(); ++i) fmt::print("    {}\n", model[i]->to_string());
    auto [val_low, val_high] = task.batch(256);
    lucid::optim::Adam adam(model.parameters(), {.lr = 3e-3});

    // 3. One training step: the first forward and backward fetch every kernel set.
    auto step = [&] {
      auto [low, high] = task.batch(options.batch);
      adam.zero_grad();
      lucid::Tensor loss = lucid::mse_loss(model(low), high);
      loss.backward();
      adam.step();
      return loss.item();
    };
    fmt::print("\nkernels (first forward + backward):\n");
    const auto first_step_start = Clock::now();
    double loss = step();
    const double first_step_ms = ms_since(first_step_start);
    std::size_t events_seen = demo::print_jit_events(0);
    fmt::print("  start-up: first training step done {:.0f} ms after launch ({:.0f} ms in the "
               "step)\n",
               ms_since(program_start), first_step_ms);

    // 4. Train, printing the loss ten times and keeping a progress bar on a terminal.
    fmt::print("\ntraining: {} steps of {} signals, Adam lr 3e-3\n", options.steps, options.batch);
    // On a pipe or file the milestone lines carry the same information, so logs stay readable.
    lucid::tools::ProgressBar bar("  training", options.steps,
                                  {.stream = stdout,
                                   .off_terminal = lucid::tools::ProgressBar::OffTerminal::silent,
                                   .width = 30});
    // The train loss shown is the mean since the previous line, the held-out one is exact.
    double loss_sum = loss;
    int64_t loss_count = 1;
    const auto train_start = Clock::now();
    for (int64_t i = 2; i <= options.steps; ++i) {
      loss = step();
      loss_sum += loss;
      ++loss_count;
      bar.update(i, fmt::format("loss {:.5f}", loss));
      if (i % std::max<int64_t>(1, options.steps / 10) == 0 || i == options.steps) {
        bar.clear();
        fmt::print("  step {:>5}/{}  train loss {:.5f}  held-out {:.5f}\n", i, options.steps,
                   loss_sum / loss_count, evaluate(model, val_low, val_high));
        std::fflush(stdout);
        loss_sum = 0;
        loss_count = 0;
      }
    }
    bar.clear();
    const double train_s = ms_since(train_start) / 1000.0;
    const int64_t timed_steps = options.steps - 1;

    // 5. How good is it? Compared with straight lines and with predicting silence.
    double model_mse = evaluate(model, val_low, val_high);
    double linear_mse = lucid::mse_loss(task.linear_interpolation(val_low), val_high).item();
    double silence_mse = lucid::mse_loss(lucid::Tensor::zeros(val_high.shape()), val_high).item();
    fmt::print("\nheld-out MSE: model {:.5f}, linear interpolation {:.5f}, silence {:.5f}\n",
               model_mse, linear_mse, silence_mse);

    // 6. Deployment: a fresh decoder gets the trained weights and upsamples one unbatched
    //    signal. Its layers have the same specs, so their kernels come from memory.
    lucid::Generator unused(0);
    const int64_t memory_hits_before = jit.stats().memory_hits;
    auto deployed = make_decoder(unused);
    {
      lucid::NoGradGuard no_grad;
      auto trained = model.parameters();
      auto fresh = deployed->parameters();
      for (std::size_t i = 0; i < fresh.size(); ++i)
        std::memcpy(fresh[i].data(), trained[i].data(),
                    static_cast<std::size_t>(trained[i].numel()) * sizeof(float));
      std::vector<double> first_signal = val_low.to_vector();
      first_signal.resize(static_cast<std::size_t>(task.low_length()));
      lucid::Tensor one = lucid::Tensor::from_vector(first_signal, {1, task.low_length()});
      const auto start = Clock::now();
      lucid::Tensor upsampled = (*deployed)(one);
      const double us = 1000.0 * ms_since(start);
      fmt::print("deployed copy: unbatched {} -> {} in {:.0f} us, {} kernel sets from the memory "
                 "cache\n",
                 lucid::shape_to_string(one.shape()), lucid::shape_to_string(upsampled.shape()),
                 us, jit.stats().memory_hits - memory_hits_before);
    }

    // 7. Throughput, and everything the JIT did.
    if (timed_steps > 0) {
      double flops = step_flops(model, options.batch, task.low_length()) * timed_steps;
      fmt::print("throughput: {:.0f} signals/s, {:.2f} ms/step, {:.2f} GFLOP/s in the "
                 "ConvTranspose1d passes\n",
                 options.batch * timed_steps / train_s, 1000.0 * train_s / timed_steps,
                 flops / train_s / 1e9);
    }
    fmt::print("\nJIT:\n");
    demo::print_jit_events(events_seen);
    demo::print_jit_stats();
    lucid::JitStats stats = jit.stats();
    if (stats.compiles > 0 && jit_options.disk_cache)
      fmt::print("  run again: the kernels will load from the disk cache instead of compiling\n");
    fmt::print("done in {:.1f} s\n", ms_since(program_start) / 1000.0);
    return 0;
  } catch (const lucid::Error& e) {
    std::fprintf(stderr, "lucid-demo: %s\n", e.what());
    return 1;
  }
}
