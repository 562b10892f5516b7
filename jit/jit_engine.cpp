// JitEngine: the process-wide LLJIT, the in-memory cache (one shared future per key, so a key
// is compiled once however many threads ask) and the disk cache in front of the compiler.
#include "lucid/jit_engine.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "disk_cache.h"
#include "generator_hash.h"
#include "kernel_compiler.h"
#include "lower.h"
#include "lucid/error.h"
#include "lucid/tuning_database.h"
#include "target.h"

#ifndef LUCID_LLVM_VERSION
#define LUCID_LLVM_VERSION "unknown"
#endif

namespace lucid {

namespace {

constexpr const char* kLibraryVersion = "lucid-jit 0.1.0 (generator " LUCID_GENERATOR_HASH ")";

std::string error_text(llvm::Error error) { return llvm::toString(std::move(error)); }

// Re-validates a spec that may have been assembled field by field.
ConvSpec checked(const ConvSpec& spec) {
  ConvSpec s = ConvSpec::make(spec.in_channels, spec.out_channels, spec.kernel_size, spec.stride,
                              spec.padding, spec.output_padding, spec.dilation, spec.groups,
                              spec.bias, spec.dtype);
  if (!(s == spec)) throw Error("JitEngine: spec fields are inconsistent; build specs with ConvSpec::make or parse");
  return s;
}

// True when the object defines every kernel symbol of `prefix`: a last guard so a file that
// passed the checksum but came from elsewhere never reaches the linker.
bool defines_kernels(const std::vector<char>& object, const std::string& prefix) {
  llvm::MemoryBufferRef ref(llvm::StringRef(object.data(), object.size()), "cached.o");
  auto file = llvm::object::ObjectFile::createObjectFile(ref);
  if (!file) {
    llvm::consumeError(file.takeError());
    return false;
  }
  int found = 0;
  for (const auto& symbol : (*file)->symbols()) {
    auto name = symbol.getName();
    if (!name) {
      llvm::consumeError(name.takeError());
      continue;
    }
    for (ir::Pass pass : ir::kAllPasses)
      if (*name == ir::kernel_symbol(prefix, pass)) ++found;
  }
  return found == 4;
}

}  // namespace

struct JitEngine::Impl {
  JitOptions options;
  std::unique_ptr<llvm::orc::LLJIT> jit;
  jit::DiskCache disk;
  mutable std::mutex mutex;
  std::unordered_map<std::string, std::shared_future<std::shared_ptr<const KernelSet>>> sets;
  JitStats stats;
  std::vector<JitEvent> events;
  TuningDatabase tuning;

  explicit Impl(JitOptions o) : options(std::move(o)), disk(options.cache_dir) {
    std::string warning;
    tuning = TuningDatabase::load(options.tuning_db, &warning);
    if (!warning.empty()) std::fprintf(stderr, "lucid-jit: warning: %s; using default schedules\n", warning.c_str());
    jit::initialize_llvm();
    auto created = llvm::orc::LLJITBuilder().create();
    if (!created) throw Error("JitEngine: cannot create LLJIT: " + error_text(created.takeError()));
    jit = std::move(*created);
    // Kernels call nothing, but an optimiser may still turn a loop into memset/memcpy.
    auto generator = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
        jit->getDataLayout().getGlobalPrefix());
    if (generator) jit->getMainJITDylib().addGenerator(std::move(*generator));
    else llvm::consumeError(generator.takeError());
  }

  std::string identity(const ConvSpec& spec, const Schedule& schedule) const {
    return spec.key() + "|" + schedule.key() + "|" + jit::host_target().identity() +
           "|LLVM " LUCID_LLVM_VERSION "|" + kLibraryVersion;
  }

  std::string file_name(const ConvSpec& spec, const Schedule& schedule) const {
    std::string id = identity(spec, schedule);
    return fmt::format("{}-{}-{:016x}.o", spec.key(), schedule.key(), jit::fnv1a64(id.data(), id.size()));
  }

  void log(const JitEvent& e) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      events.push_back(e);
    }
    if (options.verbose)
      std::fprintf(stderr, "lucid_verbose,jit,%s,%s,%.3f ms,%llu bytes\n", e.source.c_str(), e.key.c_str(), e.ms,
                   static_cast<unsigned long long>(e.code_bytes));
  }

  void dump(const std::string& prefix, const jit::CompiledObject& c) {
    std::error_code ec;
    std::filesystem::create_directories(options.dump_dir, ec);
    auto write = [&](const std::string& suffix, const std::string& text) {
      std::ofstream(options.dump_dir + "/" + prefix + suffix) << text;
    };
    write(".ll", c.ir_before);
    write(".opt.ll", c.ir_after);
    write(".s", c.assembly);
  }

  std::shared_ptr<const KernelSet> build(const ConvSpec& spec, const Schedule& schedule) {
    auto start = std::chrono::steady_clock::now();
    const std::string prefix = jit::symbol_prefix(spec, schedule);
    const std::string id = identity(spec, schedule);
    const std::string name = file_name(spec, schedule);
    auto set = std::make_shared<KernelSet>();
    set->spec = spec;
    set->schedule = schedule;

    std::vector<char> object;
    bool from_disk = false;
    if (options.disk_cache) {
      auto found = disk.load(name, id, object);
      if (found == jit::DiskCache::Lookup::Hit && !defines_kernels(object, prefix)) found = jit::DiskCache::Lookup::Rejected;
      if (found == jit::DiskCache::Lookup::Rejected) {
        std::lock_guard<std::mutex> lock(mutex);
        ++stats.disk_rejects;
      }
      from_disk = found == jit::DiskCache::Lookup::Hit;
    }
    if (!from_disk) {
      jit::CompileRequest request;
      request.spec = spec;
      request.schedule = schedule;
      request.prefix = prefix;
      request.target = jit::host_target();
      request.keep_ir = request.keep_assembly = !options.dump_dir.empty();
      jit::CompiledObject compiled = jit::compile_kernels(request);
      if (!options.dump_dir.empty()) dump(prefix, compiled);
      object = std::move(compiled.object);
      if (options.disk_cache) disk.store(name, id, object);
    }
    set->code_bytes = jit::text_bytes(object);

    auto buffer = llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(object.data(), object.size()), prefix);
    if (auto err = jit->addObjectFile(std::move(buffer)))
      throw Error("JitEngine: cannot link kernels for " + spec.key() + ": " + error_text(std::move(err)));
    auto address = [&](ir::Pass pass) -> void* {
      auto sym = jit->lookup(ir::kernel_symbol(prefix, pass));
      if (!sym) throw Error("JitEngine: missing kernel symbol: " + error_text(sym.takeError()));
      return sym->toPtr<void*>();
    };
    set->forward_fn = reinterpret_cast<lucid_forward_fn>(address(ir::Pass::Forward));
    set->backward_data_fn = reinterpret_cast<lucid_backward_data_fn>(address(ir::Pass::BackwardData));
    set->backward_weight_fn = reinterpret_cast<lucid_backward_weight_fn>(address(ir::Pass::BackwardWeight));
    set->backward_bias_fn = reinterpret_cast<lucid_backward_bias_fn>(address(ir::Pass::BackwardBias));
    set->source = from_disk ? "disk" : "compiled";
    set->load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++(from_disk ? stats.disk_hits : stats.compiles);
    }
    log({spec.key() + " " + schedule.key(), set->source, set->load_ms, set->code_bytes});
    return set;
  }
};

JitEngine::JitEngine(JitOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
JitEngine::~JitEngine() = default;

JitEngine& JitEngine::global() {
  static JitEngine engine;
  return engine;
}

Schedule JitEngine::schedule_for(const ConvSpec& requested) const {
  ConvSpec spec = checked(requested);
  if (auto tuned = impl_->tuning.find(spec.key(), cpu_name())) return tuned->normalized_for(spec);
  return Schedule::default_for(spec, jit::host_target().vector_bits);
}

std::shared_ptr<const KernelSet> JitEngine::kernels(const ConvSpec& spec) {
  return kernels(spec, schedule_for(spec));  // schedule_for validates spec first
}

std::shared_ptr<const KernelSet> JitEngine::kernels(const ConvSpec& requested, const Schedule& requested_schedule) {
  ConvSpec spec = checked(requested);
  Schedule schedule = requested_schedule.normalized_for(spec);
  std::string key = spec.key() + " " + schedule.key();

  std::promise<std::shared_ptr<const KernelSet>> promise;
  std::shared_future<std::shared_ptr<const KernelSet>> future;
  bool owner = false;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    auto it = impl_->sets.find(key);
    if (it != impl_->sets.end()) {
      future = it->second;
      ++impl_->stats.memory_hits;
    } else {
      future = promise.get_future().share();
      impl_->sets.emplace(key, future);
      owner = true;
    }
  }
  if (owner) {
    try {
      promise.set_value(impl_->build(spec, schedule));
    } catch (...) {
      // Forget the failed key, so a later request retries instead of inheriting the error.
      {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        impl_->sets.erase(key);
      }
      promise.set_exception(std::current_exception());
    }
  }
  return future.get();
}

std::shared_ptr<const KernelHandle> JitEngine::handle(const ConvSpec& spec) {
  return std::make_shared<KernelHandle>(kernels(spec));
}

JitStats JitEngine::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->stats;
}

std::vector<JitEvent> JitEngine::events() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->events;
}

const JitOptions& JitEngine::options() const { return impl_->options; }
std::string JitEngine::cpu_name() const { return jit::host_target().cpu; }
std::string JitEngine::cpu_features() const { return jit::host_target().features; }
int JitEngine::vector_bits() const { return jit::host_target().vector_bits; }

std::string JitEngine::cache_file(const ConvSpec& spec, const Schedule& schedule) const {
  ConvSpec s = checked(spec);
  return impl_->disk.path(impl_->file_name(s, schedule.normalized_for(s)));
}

}  // namespace lucid
