// ThreadPool: splits a kernel's work-item range [0, items) into contiguous chunks, one per
// thread. The calling thread takes a chunk itself, and tiny calls run inline, because a
// hand-off to a sleeping worker costs more than a small layer's whole pass.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lucid {

class ThreadPool {
 public:
  // Below this many flops a call runs inline on the caller (about 20-50 µs of work).
  static constexpr double kInlineFlops = 256.0 * 1024.0;

  // `threads` counts the caller: ThreadPool(1) never starts a worker.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // The pool the runtime uses: LUCID_NUM_THREADS threads if set, else the hardware
  // concurrency.
  static ThreadPool& global();
  // Replaces the global pool (call when no layer is running, e.g. at start-up or in tests).
  static void set_global_threads(int threads);
  // What global() would start with: LUCID_NUM_THREADS or std::thread::hardware_concurrency.
  static int default_threads();
  // How long an idle thread spins for the next job, or the caller for the workers to finish,
  // before it sleeps: LUCID_SPIN_US microseconds if set (0 sleeps at once, as OpenMP's
  // OMP_WAIT_POLICY=passive), else 200. Read when a pool starts.
  static std::chrono::microseconds default_spin();
  std::chrono::microseconds spin() const { return spin_; }

  int num_threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls body(begin, end) on contiguous chunks covering [0, items) and returns the first
  // non-zero status a chunk returned (0 when all succeeded). `work_flops` sizes the call:
  // below kInlineFlops it runs as one chunk on the caller. An exception from body is
  // rethrown here. Calls made while the pool is busy (from another thread, or nested) run
  // inline rather than wait.
  int parallel_for(int64_t items, double work_flops,
                   const std::function<int(int64_t, int64_t)>& body);

  // Chunks handed out by parallel_for so far (for tests: did a call go parallel?).
  int64_t parallel_calls() const;

 private:
  struct Job;
  void worker_loop();
  static void run_chunks(Job& job);

  std::chrono::microseconds spin_;
  std::vector<std::thread> workers_;
  std::mutex submit_mutex_;  // one parallel call at a time
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  Job* job_ = nullptr;
  std::uint64_t generation_ = 0;
  int active_ = 0;
  bool stop_ = false;
  int64_t parallel_calls_ = 0;
  // Copies of generation_, active_ and stop_, written under mutex_, that a thread spins on
  // for up to spin_ before it sleeps on a condition variable (thread_pool.cpp, spin_until).
  std::atomic<std::uint64_t> published_generation_{0};
  std::atomic<int> published_active_{0};
  std::atomic<bool> published_stop_{false};
};

}  // namespace lucid
