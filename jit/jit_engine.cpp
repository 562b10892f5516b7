// JitEngine: the process-wide LLJIT (created on first need, off the tier-0 path), the
// in-memory cache (one shared future per key, so a key is compiled once however many threads
// ask), the disk cache in front of the compiler, and the tiers: handles that serve tier 0 at
// once and get tier 1 from the background compiler (docs/semantics.md §7).
#include "lucid/jit_engine.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/xxhash.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "background_compiler.h"
#include "bundle_kernels.h"
#include "disk_cache.h"
#include "generator_hash.h"
#include "host_info.h"
#include "kernel_compiler.h"
#include "lower.h"
#include "object_bundle.h"
#include "lucid/error.h"
#include "lucid/tuning_database.h"
#include "lucid/version.h"
#include "target.h"
#include "tier0/scratch.h"
#include "tier0/tier0_kernels.h"

#ifndef LUCID_LLVM_VERSION
#define LUCID_LLVM_VERSION "unknown"
#endif

namespace lucid {

namespace {

constexpr const char* kLibraryVersion = "lucid-jit " LUCID_VERSION_STRING " (generator " LUCID_GENERATOR_HASH ")";

std::string error_text(llvm::Error error) { return llvm::toString(std::move(error)); }

// Re-validates a spec that may have been assembled field by field.
ConvSpec checked(const ConvSpec& spec) {
  ConvSpec s = ConvSpec::make(spec.in_channels, spec.out_channels, spec.kernel_size, spec.stride,
                              spec.padding, spec.output_padding, spec.dilation, spec.groups,
                              spec.bias, spec.dtype);
  if (!(s == spec)) throw Error("JitEngine: spec fields are inconsistent; build specs with ConvSpec::make or parse");
  return s;
}

// The process's warm-up compile (JitEngine::Impl::warm_up) runs on the background thread, so
// no caller waits for it; until it is over, the exit handler that stops a running compile
// before LLVM's statics are destroyed is not registered yet. The first thread to queue a
// background compile takes the ticket with it, and waits at its end until the ticket is
// gone: after the warm-up, or with the job if stop() drops it unrun. A thread's
// thread_local objects are destroyed when it ends, and for the thread that calls exit()
// before any static object or exit handler: so exiting from that thread (the main thread, for
// a program or Python that loads a layer at start) waits for the warm-up, at most its 14-19
// ms, once per process.
class WarmUpTicket {
 public:
  // The process's one ticket, to the first caller; null afterwards.
  static std::shared_ptr<WarmUpTicket> take() {
    Gate& g = gate();
    {
      std::lock_guard<std::mutex> lock(g.mutex);
      if (g.taken) return nullptr;
      g.taken = true;
    }
    thread_local WaitAtThreadEnd wait;
    (void)wait;
    return std::shared_ptr<WarmUpTicket>(new WarmUpTicket);
  }

  ~WarmUpTicket() {
    Gate& g = gate();
    {
      std::lock_guard<std::mutex> lock(g.mutex);
      g.returned = true;
    }
    g.returned_cv.notify_all();
  }

 private:
  WarmUpTicket() = default;

  struct Gate {
    std::mutex mutex;
    std::condition_variable returned_cv;
    bool taken = false;
    bool returned = false;
  };

  // Never destroyed: a thread may end after static destruction began.
  static Gate& gate() {
    static Gate* g = new Gate;
    return *g;
  }

  struct WaitAtThreadEnd {
    ~WaitAtThreadEnd() {
      Gate& g = gate();
      std::unique_lock<std::mutex> lock(g.mutex);
      g.returned_cv.wait(lock, [&] { return g.returned; });
    }
  };
};

// Threads for one kernel set's compile: one per pass, at most one per core.
int compile_threads() {
  return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 4);
}

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

struct JitEngine::Impl {
  // Whether obtain() may run LLVM, or only look in memory and on disk.
  enum class Reach { Compile, DiskOnly };

  // What memory holds for one key: its tier-1 set (done or being built) and its handle. Entries
  // sit in `recency`, most recently used first; past options.memory_capacity the least recent
  // finished ones are dropped. Their code goes when the last module, node or caller holding
  // the set lets go (each set owns its JITDylib; see build()).
  struct Entry {
    std::shared_future<std::shared_ptr<const KernelSet>> set;  // invalid until requested
    std::shared_ptr<KernelHandle> handle;                       // null until handle() asks
    std::list<std::string>::iterator recency;
  };

  JitOptions options;
  jit::DiskCache disk;
  mutable std::mutex mutex;
  std::unordered_map<std::string, Entry> entries;
  std::list<std::string> recency;
  uint64_t dylib_serial = 0;
  JitStats stats;
  std::shared_ptr<std::atomic<int64_t>> tier0_calls = std::make_shared<std::atomic<int64_t>>(0);
  std::vector<JitEvent> events;
  TuningDatabase tuning;

  std::atomic<bool> disk_warning_given{false};
  std::once_flag jit_once;
  int exit_registrations = 0;  // see compile_in_background
  std::shared_ptr<llvm::orc::LLJIT> jit;  // shared with every set, which removes its JITDylib
  // Declared last: destroyed first, so a compile still running finishes while the LLJIT,
  // the maps and the disk cache it uses are alive.
  jit::BackgroundCompiler background;

  explicit Impl(JitOptions o) : options(std::move(o)), disk(options.cache_dir) {
    std::string warning;
    tuning = TuningDatabase::load(options.tuning_db, &warning);
    if (!warning.empty()) std::fprintf(stderr, "lucid-jit: warning: %s; using default schedules\n", warning.c_str());
  }

  // The LLJIT, created on first use (about 3 ms) so a tier-0 call never pays for it.
  llvm::orc::LLJIT& linker() {
    std::call_once(jit_once, [this] {
      jit::initialize_llvm();
      auto created = llvm::orc::LLJITBuilder().create();
      if (!created) throw Error("JitEngine: cannot create LLJIT: " + error_text(created.takeError()));
      // Kernels call nothing, but an optimiser may still turn a loop into memset/memcpy,
      // which only the process's own symbols resolve.
      auto generator = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
          (*created)->getDataLayout().getGlobalPrefix());
      if (!generator)
        throw Error("JitEngine: cannot search the process for symbols: " + error_text(generator.takeError()));
      (*created)->getMainJITDylib().addGenerator(std::move(*generator));
      jit = std::shared_ptr<llvm::orc::LLJIT>(std::move(*created));
    });
    return *jit;
  }

  std::string identity(const ConvSpec& spec, const Schedule& schedule) const {
    return spec.key() + "|" + schedule.key() + "|" + jit::host_target().identity() +
           "|LLVM " LUCID_LLVM_VERSION "|" + kLibraryVersion;
  }

  std::string file_name(const ConvSpec& spec, const Schedule& schedule) const {
    std::string id = identity(spec, schedule);
    return fmt::format("{}-{}-{:016x}.o", spec.key(), schedule.key(), llvm::xxh3_64bits(id));
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

  // The disk cache is only an optimisation: a directory that cannot be written (not a
  // directory, no permission, a full file system) costs one warning per engine, and the
  // kernels still run from memory.
  void store_in_disk_cache(const std::string& name, const std::string& id, const std::vector<char>& bundle) {
    std::string problem;
    if (disk.store(name, id, bundle, &problem)) return;
    if (disk_warning_given.exchange(true)) return;
    std::fprintf(stderr,
                 "lucid-jit: warning: cannot write the kernel cache in %s (%s); compiled kernels are "
                 "kept in memory only (LUCID_JIT_CACHE_DIR picks another directory, "
                 "LUCID_JIT_CACHE=0 turns the cache off; further failures are not reported)\n",
                 disk.directory().c_str(), problem.c_str());
  }

  // Loads (spec, schedule) from the disk cache or compiles it; with Reach::DiskOnly returns
  // null instead of compiling.
  std::shared_ptr<const KernelSet> build(const ConvSpec& spec, const Schedule& schedule, Reach reach) {
    auto start = Clock::now();
    const std::string prefix = jit::symbol_prefix(spec, schedule);
    const std::string id = identity(spec, schedule);
    const std::string name = file_name(spec, schedule);
    std::vector<char> bundle;  // the kernels' objects, as the disk cache keeps them
    bool from_disk = false;
    if (options.disk_cache) {
      auto found = disk.load(name, id, bundle);
      if (found == jit::DiskCache::Lookup::Hit && !jit::bundle_defines_kernels(bundle, prefix)) found = jit::DiskCache::Lookup::Rejected;
      if (found == jit::DiskCache::Lookup::Rejected) {
        std::lock_guard<std::mutex> lock(mutex);
        ++stats.disk_rejects;
      }
      from_disk = found == jit::DiskCache::Lookup::Hit;
    }
    if (!from_disk && reach == Reach::DiskOnly) return nullptr;
    // The library's packing routine for the set's vector, if it has one: compiled kernels call
    // it, and it is bound into the set's JITDylib below.
    void* pack_rows = tier0::pack_rows_as_lanes_routine(spec.dtype, schedule.vector_width);
    if (!from_disk) {
      jit::CompileRequest request;
      request.spec = spec;
      request.schedule = schedule;
      request.prefix = prefix;
      request.target = jit::host_target();
      request.call_pack_rows = pack_rows != nullptr;
      if (!options.dump_dir.empty()) {
        // Dumps show the code that runs: the per-pass modules, their texts one after another.
        jit::CompiledObject text;
        bundle = jit::bundle_objects(jit::compile_kernel_objects(request, compile_threads(), &text));
        dump(prefix, text);
      } else {
        bundle = jit::bundle_objects(jit::compile_kernel_objects(request, compile_threads()));
      }
      if (options.disk_cache) store_in_disk_cache(name, id, bundle);
    }
    auto objects = jit::split_bundle(bundle);
    if (!objects) throw InternalError("JitEngine: malformed object bundle for " + spec.key());

    // Each set links into a JITDylib of its own, removed with the set: an evicted key may be
    // built again while a module still runs the old copy, and the same symbols must not meet.
    llvm::orc::LLJIT& lljit = linker();
    std::string dylib_name;
    {
      std::lock_guard<std::mutex> lock(mutex);
      dylib_name = fmt::format("{}#{}", prefix, ++dylib_serial);
    }
    auto dylib = lljit.createJITDylib(dylib_name);
    if (!dylib) throw Error("JitEngine: cannot create a JITDylib: " + error_text(dylib.takeError()));
    llvm::orc::JITDylib* jd = &*dylib;
    // Heap scratch goes through an aligned_alloc that records a failed request's size, so the
    // runtime's out-of-memory error can name it. The set's own JITDylib is searched first.
    // The packing routine is the library's, when it has one for the set's vector (a disk
    // entry's key holds the CPU's features, which decide that, so its objects call it
    // exactly when a compile here would).
    llvm::orc::SymbolMap library;
    const auto callable = llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable;
    library[lljit.mangleAndIntern("aligned_alloc")] =
        llvm::orc::ExecutorSymbolDef(llvm::orc::ExecutorAddr::fromPtr(&lucid_kernel_scratch_aligned_alloc), callable);
    if (pack_rows)
      library[lljit.mangleAndIntern(ir::pack_rows_symbol(spec.dtype, schedule.vector_width))] =
          llvm::orc::ExecutorSymbolDef(llvm::orc::ExecutorAddr::fromPtr(pack_rows), callable);
    if (auto err = jd->define(llvm::orc::absoluteSymbols(std::move(library)))) {
      llvm::cantFail(lljit.getExecutionSession().removeJITDylib(*jd));
      throw Error("JitEngine: cannot define the kernels' library symbols: " + error_text(std::move(err)));
    }
    std::shared_ptr<KernelSet> set(new KernelSet, [owner = jit, jd](KernelSet* s) {
      delete s;
      // A deleter cannot throw: a failed removal leaves the set's code mapped (a leak, not a
      // fault), so it is reported and the process carries on.
      if (auto err = owner->getExecutionSession().removeJITDylib(*jd))
        std::fprintf(stderr, "lucid-jit: warning: cannot unload a kernel set: %s\n", error_text(std::move(err)).c_str());
    });
    set->spec = spec;
    set->schedule = schedule;
    for (std::string_view object : *objects) {
      set->code_bytes += jit::text_bytes(object);
      auto buffer = llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(object.data(), object.size()), prefix);
      if (auto err = lljit.addObjectFile(*jd, std::move(buffer)))
        throw Error("JitEngine: cannot link kernels for " + spec.key() + ": " + error_text(std::move(err)));
    }
    auto entry = [&](const std::string& symbol) -> void* {
      auto sym = lljit.lookup(*jd, symbol);
      // The objects were lowered with these symbols (or checked by defines_kernels; the
      // generator's hash in a disk entry's key means its objects have the packed entries).
      if (!sym) throw InternalError("JitEngine: missing kernel symbol: " + error_text(sym.takeError()));
      return sym->toPtr<void*>();
    };
    auto address = [&](ir::Pass pass) { return entry(ir::kernel_symbol(prefix, pass)); };
    set->forward_fn = reinterpret_cast<lucid_forward_fn>(address(ir::Pass::Forward));
    set->backward_data_fn = reinterpret_cast<lucid_backward_data_fn>(address(ir::Pass::BackwardData));
    set->backward_weight_fn = reinterpret_cast<lucid_backward_weight_fn>(address(ir::Pass::BackwardWeight));
    set->backward_bias_fn = reinterpret_cast<lucid_backward_bias_fn>(address(ir::Pass::BackwardBias));
    set->forward_packed_bytes =
        reinterpret_cast<lucid_packed_bytes_fn>(entry(ir::packed_bytes_symbol(prefix, ir::Pass::Forward)))();
    set->forward_pack_fn = reinterpret_cast<lucid_pack_fn>(entry(ir::pack_symbol(prefix, ir::Pass::Forward)));
    set->forward_prepacked_fn =
        reinterpret_cast<lucid_forward_prepacked_fn>(entry(ir::prepacked_symbol(prefix, ir::Pass::Forward)));
    set->backward_data_packed_bytes =
        reinterpret_cast<lucid_packed_bytes_fn>(entry(ir::packed_bytes_symbol(prefix, ir::Pass::BackwardData)))();
    set->backward_data_pack_fn = reinterpret_cast<lucid_pack_fn>(entry(ir::pack_symbol(prefix, ir::Pass::BackwardData)));
    set->backward_data_prepacked_fn = reinterpret_cast<lucid_backward_data_prepacked_fn>(
        entry(ir::prepacked_symbol(prefix, ir::Pass::BackwardData)));
    set->source = from_disk ? "disk" : "compiled";
    set->load_ms = ms_since(start);
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++(from_disk ? stats.disk_hits : stats.compiles);
    }
    log({spec.key() + " " + schedule.key(), set->source, set->load_ms, set->code_bytes});
    return set;
  }

  // The tier-1 set of (spec, schedule): from memory, else built by exactly one caller while
  // the others wait on its future. A DiskOnly miss (null) or a failure forgets the key, so a
  // later request tries again instead of inheriting the result.
  std::shared_ptr<const KernelSet> obtain(const ConvSpec& spec, const Schedule& schedule, Reach reach) {
    const std::string key = spec.key() + " " + schedule.key();
    for (;;) {
      std::promise<std::shared_ptr<const KernelSet>> promise;
      std::shared_future<std::shared_ptr<const KernelSet>> future;
      bool owner = false;
      {
        std::lock_guard<std::mutex> lock(mutex);
        Entry& entry = touch(key);
        if (entry.set.valid()) {
          future = entry.set;
          ++stats.memory_hits;
        } else {
          future = promise.get_future().share();
          entry.set = future;
          owner = true;
        }
      }
      if (owner) {
        try {
          auto set = build(spec, schedule, reach);
          {
            std::lock_guard<std::mutex> lock(mutex);
            if (!set) forget_set(key);
          }
          promise.set_value(set);
        } catch (...) {
          {
            std::lock_guard<std::mutex> lock(mutex);
            forget_set(key);
          }
          promise.set_exception(std::current_exception());
        }
        std::lock_guard<std::mutex> lock(mutex);
        evict();
      }
      auto set = future.get();
      // Null only from somebody's DiskOnly miss; a caller that may compile asks again.
      if (set || reach == Reach::DiskOnly) return set;
    }
  }

  // Tiered mode on a cold key: a tier-0 handle now, tier 1 from the background compiler.
  std::shared_ptr<KernelHandle> tier0_handle(const ConvSpec& spec, const Schedule& schedule) {
    auto generic = tier0::make_kernel_set(spec, schedule);
    auto set = std::make_shared<KernelSet>(*generic);
    set->tier0_calls = tier0_calls;
    return std::make_shared<KernelHandle>(std::move(set));
  }

  // Once per process, as the first background job: a tiny compile and link, so LLVM's lazily
  // created statics exist before the exit handler that stops the background thread is
  // registered (see BackgroundCompiler::stop_all_at_exit). Without it, exiting while a
  // compile runs crashed in destroyed LLVM tables. It costs 14-19 ms (compile_warm_up gives
  // the runs), most of it LLVM's one-time set-up that the first compile would pay anyway;
  // WarmUpTicket keeps an exit from overtaking it.
  void warm_up() {
    static std::once_flag warm_once;
    std::call_once(warm_once, [this] {
      try {
        auto object = jit::compile_warm_up(jit::host_target());
        llvm::orc::LLJIT& lljit = linker();
        auto dylib = lljit.createJITDylib("lucid.warm_up");
        if (!dylib) throw Error(error_text(dylib.takeError()));
        auto buffer = llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(object.data(), object.size()), "warm_up");
        // LLVM's errors go to the warning below; the dylib is removed whether or not the
        // link worked.
        std::string problem;
        if (auto err = lljit.addObjectFile(*dylib, std::move(buffer))) problem = error_text(std::move(err));
        else if (auto sym = lljit.lookup(*dylib, "lucid_warm_up"); !sym) problem = error_text(sym.takeError());
        if (auto err = lljit.getExecutionSession().removeJITDylib(*dylib))
          problem += (problem.empty() ? "" : "; ") + error_text(std::move(err));
        if (!problem.empty()) throw Error(problem);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "lucid-jit: warning: JIT warm-up failed: %s\n", e.what());
      }
      jit::BackgroundCompiler::stop_all_at_exit();
    });
  }

  void compile_in_background(const ConvSpec& spec, const Schedule& schedule,
                             std::shared_ptr<KernelHandle> handle) {
    auto requested = Clock::now();
    background.submit([this, spec, schedule, handle, requested, ticket = WarmUpTicket::take()]() mutable {
      if (ticket) {
        warm_up();
        ticket.reset();  // the exit handler is registered: exit may go on
      }
      try {
        if (options.background_delay_ms > 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(options.background_delay_ms));
        auto set = obtain(spec, schedule, Reach::Compile);
        handle->install(set);
        {
          std::lock_guard<std::mutex> lock(mutex);
          ++stats.switches;
        }
        log({spec.key() + " " + schedule.key(), "switch", ms_since(requested), set->code_bytes});
        // A job may still meet an LLVM static the warm-up did not: registering the exit
        // handler again after the first few jobs puts it after those too.
        if (exit_registrations < 8) {
          ++exit_registrations;
          jit::BackgroundCompiler::stop_all_at_exit();
        }
      } catch (const std::exception& e) {
        {
          std::lock_guard<std::mutex> lock(mutex);
          ++stats.background_failures;
        }
        std::fprintf(stderr, "lucid-jit: background compile of %s failed; tier 0 keeps serving it: %s\n",
                     spec.to_string().c_str(), e.what());
      }
    });
  }

  std::shared_ptr<const KernelHandle> handle(const ConvSpec& spec, const Schedule& schedule) {
    const std::string key = spec.key() + " " + schedule.key();
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto it = entries.find(key);
      if (it != entries.end() && it->second.handle) {
        touch(key);
        ++stats.memory_hits;
        return it->second.handle;
      }
    }
    auto start = Clock::now();
    std::shared_ptr<const KernelSet> specialised;
    if (options.mode == JitMode::Sync) specialised = obtain(spec, schedule, Reach::Compile);
    else if (options.disk_cache || has_set(key)) specialised = obtain(spec, schedule, Reach::DiskOnly);
    auto made = specialised ? std::make_shared<KernelHandle>(specialised) : tier0_handle(spec, schedule);
    {
      std::lock_guard<std::mutex> lock(mutex);
      Entry& entry = touch(key);
      if (entry.handle) return entry.handle;  // another thread made it meanwhile: one per key
      entry.handle = made;
      ++stats.handles;
      if (!specialised) ++stats.tier0_handles;
      evict();
    }
    if (!specialised) {
      log({key, "tier0", ms_since(start), 0});
      compile_in_background(spec, schedule, made);
    }
    return made;
  }

  bool has_set(const std::string& key) const {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = entries.find(key);
    return it != entries.end() && it->second.set.valid();
  }

  // The entry of `key` (made if new), moved to the front of `recency`. Caller holds `mutex`.
  Entry& touch(const std::string& key) {
    auto [it, inserted] = entries.try_emplace(key);
    if (inserted) {
      recency.push_front(key);
    } else {
      recency.splice(recency.begin(), recency, it->second.recency);
    }
    it->second.recency = recency.begin();
    return it->second;
  }

  // Drops a set that could not be had (a DiskOnly miss or a failure), so a later request
  // tries again; the entry goes too unless it holds a handle. Caller holds `mutex`.
  void forget_set(const std::string& key) {
    auto it = entries.find(key);
    if (it == entries.end()) return;
    it->second.set = {};
    if (!it->second.handle) {
      recency.erase(it->second.recency);
      entries.erase(it);
    }
  }

  // Drops least recently used entries past the capacity. Entries still being built, and
  // handles still waiting for tier 1, stay. Caller holds `mutex`.
  void evict() {
    for (auto it = recency.end(); entries.size() > options.memory_capacity && it != recency.begin();) {
      --it;
      Entry& entry = entries.at(*it);
      const bool building = entry.set.valid() &&
          entry.set.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
      const bool waiting_for_tier1 = entry.handle && !entry.handle->specialised();
      if (building || waiting_for_tier1) continue;
      entries.erase(*it);
      it = recency.erase(it);
      ++stats.evictions;
    }
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
  return default_schedule(spec);
}

Schedule JitEngine::default_schedule(const ConvSpec& spec) const {
  return jit::default_schedule(spec, jit::host_info());
}

std::shared_ptr<const KernelSet> JitEngine::kernels(const ConvSpec& spec) {
  return kernels(spec, schedule_for(spec));  // schedule_for validates spec first
}

std::shared_ptr<const KernelSet> JitEngine::kernels(const ConvSpec& requested, const Schedule& requested_schedule) {
  ConvSpec spec = checked(requested);
  return impl_->obtain(spec, requested_schedule.normalized_for(spec), Impl::Reach::Compile);
}

std::shared_ptr<const KernelHandle> JitEngine::handle(const ConvSpec& requested) {
  ConvSpec spec = checked(requested);
  return impl_->handle(spec, schedule_for(spec));
}

void JitEngine::wait_for_background() { impl_->background.wait_idle(); }

JitStats JitEngine::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  JitStats s = impl_->stats;
  s.tier0_calls = impl_->tier0_calls->load(std::memory_order_relaxed);
  return s;
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
