// The background compiler's queue (jit/background_compiler.h): jobs run in order on one
// low-priority thread, start off the caller's CPU, and stop() drops what is still queued.
#include <doctest/doctest.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "background_compiler.h"

namespace {

using lucid::jit::BackgroundCompiler;

// The CPUs this process may run on.
std::vector<int> allowed_cpus() {
  cpu_set_t set;
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

}  // namespace

TEST_CASE("jobs run in the order they were submitted, on one thread at nice 10") {
  BackgroundCompiler compiler;
  std::vector<int> order;
  std::vector<std::thread::id> threads;
  std::vector<int> nice_values;
  for (int i = 0; i < 5; ++i)
    compiler.submit([&, i] {
      order.push_back(i);
      threads.push_back(std::this_thread::get_id());
      nice_values.push_back(getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())));
    });
  compiler.wait_idle();
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
  for (std::size_t i = 0; i < threads.size(); ++i) {
    CHECK(threads[i] == threads[0]);
    CHECK(threads[i] != std::this_thread::get_id());
    CHECK(nice_values[i] == 10);
  }
}

TEST_CASE("a job starts on another CPU than its submitter's, and may then use every CPU") {
  const std::vector<int> cpus = allowed_cpus();
  if (cpus.size() < 2) {
    MESSAGE("skipped: the process may run on one CPU only");
    return;
  }
  // The submitter is pinned, so the CPU it submits from is known. The worker is not: it is
  // started from this thread first (a thread inherits its creator's CPU mask).
  for (int submitter_cpu : {cpus.front(), cpus.back()}) {
    CAPTURE(submitter_cpu);
    BackgroundCompiler compiler;
    compiler.submit([] {});
    compiler.wait_idle();
    int job_cpus_allowed = 0;
    std::thread submitter([&] {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(submitter_cpu, &one);
      REQUIRE(sched_setaffinity(0, sizeof one, &one) == 0);
      compiler.submit([&] {
        cpu_set_t set;
        if (sched_getaffinity(0, sizeof set, &set) == 0) job_cpus_allowed = CPU_COUNT(&set);
      });
      compiler.wait_idle();
    });
    submitter.join();
    // The job's own sched_getcpu() would be racy: with every CPU allowed again the scheduler
    // may move it back at once (CI saw that under load), so the compiler reports the CPU it
    // started on under the narrowed mask.
    const int job_cpu = compiler.last_start_cpu();
    CHECK(job_cpu >= 0);
    CHECK(job_cpu != submitter_cpu);
    CHECK(job_cpus_allowed == static_cast<int>(cpus.size()));
  }
}

TEST_CASE("stop() finishes the running job and drops the queued ones; later submits are ignored") {
  BackgroundCompiler compiler;
  std::atomic<bool> first_started{false}, release{false};
  std::atomic<int> ran{0};
  compiler.submit([&] {
    first_started = true;
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ++ran;
  });
  for (int i = 0; i < 3; ++i) compiler.submit([&] { ++ran; });
  while (!first_started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::thread stopper([&] { compiler.stop(); });
  // Release the running job only once stop() has dropped the queue: a stopper thread woken
  // late would otherwise let the worker go on to the next job.
  while (!compiler.stopping()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  release = true;
  stopper.join();
  CHECK(ran == 1);
  compiler.submit([&] { ++ran; });
  compiler.stop();
  CHECK(ran == 1);
}
