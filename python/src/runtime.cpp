// Process-wide runtime settings from Python: the thread pool's size (LUCID_NUM_THREADS at
// start-up), the default generator's seed, and what the JIT engine has done so far.
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
    return out;
  }, "Counts of the process-wide JIT engine: compiles, disk_hits, memory_hits, disk_rejects");
  m.def("cpu_name", [] { return JitEngine::global().cpu_name(); });
}

}  // namespace lucid::python
