// BackgroundCompiler: one worker thread that runs the engine's tier-1 compiles in the order
// they were asked for, so no caller waits for LLVM (docs/semantics.md §7). One thread, not one per
// core: the other core keeps running the caller's tier-0 kernels.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace lucid::jit {

class BackgroundCompiler {
 public:
  BackgroundCompiler();
  BackgroundCompiler(const BackgroundCompiler&) = delete;
  BackgroundCompiler& operator=(const BackgroundCompiler&) = delete;
  ~BackgroundCompiler();  // stop()

  // Queues a job; the worker thread starts with the first one. Jobs must not throw. The job
  // starts on another CPU than the one submit() ran on, when the process may use another:
  // the caller goes on running tier 0 there.
  void submit(std::function<void()> job);

  // The CPU the last job started on, read before its mask was widened to every CPU again;
  // -1 before the first job. Where the job runs after that is the scheduler's choice.
  int last_start_cpu();

  // Blocks until no job is queued or running (for benchmarks, tests and short tools that
  // want tier 1 before they go on).
  void wait_idle();

  // Shutdown: jobs still queued are dropped (their handles keep serving tier 0); a job
  // already running is finished, so its object reaches the disk cache whole. LLVM cannot be
  // interrupted mid-compile, and a half-compiled module must not outlive the engine.
  // Idempotent; later submits are ignored.
  void stop();

  // True once stop() has begun: nothing more will be queued or started.
  bool stopping();

  // Registers (again) an exit handler that stops every live BackgroundCompiler. Exit
  // handlers run in reverse order of registration, and LLVM creates some tables as
  // function-local statics on first use; registering after those exist (after the engine's
  // warm-up, and after each of the first jobs) makes the running compile finish before
  // exit destroys them.
  static void stop_all_at_exit();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_, idle_;
  struct Job {
    std::function<void()> run;
    int caller_cpu;  // where submit() was called, or -1
  };
  std::deque<Job> queue_;
  int last_start_cpu_ = -1;
  bool running_job_ = false;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace lucid::jit
