// Process-wide runtime settings from Python: the thread pool's size (LUCID_NUM_THREADS at
// start-up), the default generator's seed, what the JIT engine has done so far, and waiting
// for its background (tier-1) compiles.
#include "bindings.h"
#include "lucid/error.h"
#include "lucid/generator.h"
#include "lucid/jit_engine.h"
#include "lucid/thread_pool.h"

namespace lucid::python {

void bind_runtime(py::module_& m) {
  m.def("get_num_threads", [] { return ThreadPool::global().num_threads(); },
        "Threads of the runtime's pool (the caller counts as one)");
  m.def("set_num_threads",
        [](int threads) {
          if (threads < 1 || threads > 1024)
            throw Error("set_num_threads: threads must be in 1..1024, got " + std::to_string(threads));
          py::gil_scoped_release release;  // the old pool's workers are joined
          ThreadPool::set_global_threads(threads);
        },
        py::arg("threads"), "Replaces the runtime's pool; call when no layer is running");
  m.def("manual_seed", [](std::uint64_t seed) { manual_seed(seed); }, py::arg("seed"),
        "Reseeds the default generator (randn, parameter initialisation)");
  m.def("jit_stats", [] {
    JitStats s = JitEngine::global().stats();
    py::dict out;
    out["compiles"] = s.compiles;
    out["disk_hits"] = s.disk_hits;
    out["memory_hits"] = s.memory_hits;
    out["disk_rejects"] = s.disk_rejects;
    out["handles"] = s.handles;
    out["tier0_handles"] = s.tier0_handles;
    out["tier0_calls"] = s.tier0_calls;
    out["switches"] = s.switches;
    out["background_failures"] = s.background_failures;
    return out;
  }, "Counts of the process-wide JIT engine (JitStats), as a dict");
  m.def("wait_for_background", [] {
    py::gil_scoped_release release;
    JitEngine::global().wait_for_background();
  }, "Blocks until every queued tier-1 compile has finished and been swapped in");
  m.def("cpu_name", [] { return JitEngine::global().cpu_name(); });
}

}  // namespace lucid::python
