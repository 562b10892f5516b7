// ThreadPool: persistent workers that take contiguous chunks of a work-item range. The
// caller runs chunks too and waits until every worker has left the job, so a job living on
// the caller's stack is never touched after parallel_for returns.
#include "lucid/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>

namespace lucid {

namespace {

// Spins until done() or `spin` has passed; returns done(). The clock is read every 64 polls.
template <class Done>
bool spin_until(std::chrono::microseconds spin, const Done& done) {
  if (spin.count() <= 0) return done();
  const auto until = std::chrono::steady_clock::now() + spin;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    if (std::chrono::steady_clock::now() >= until) return done();
  }
}

}  // namespace

struct ThreadPool::Job {
  const std::function<int(int64_t, int64_t)>* body = nullptr;
  int64_t items = 0;
  int64_t chunks = 0;
  std::atomic<int64_t> next_chunk{0};
  std::atomic<int> status{0};
  std::mutex error_mutex;
  std::exception_ptr error;
};

ThreadPool::ThreadPool(int threads) : spin_(default_spin()) {
  for (int i = 1; i < std::max(threads, 1); ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    published_stop_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

int ThreadPool::default_threads() {
  if (const char* env = std::getenv("LUCID_NUM_THREADS"); env && *env) {
    char* end = nullptr;
    long n = std::strtol(env, &end, 10);
    if (*end == '\0' && n >= 1 && n <= 1024) return static_cast<int>(n);
    // Like OMP_NUM_THREADS: a bad value is reported and ignored rather than fatal.
    std::fprintf(stderr, "lucid: ignoring LUCID_NUM_THREADS=%s (expected an integer 1..1024)\n",
                 env);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

// Waking a sleeping thread goes through the kernel, and on a VM through the host, whose idle
// vCPU may be descheduled; so threads spin a while first, as OpenMP runtimes do (libgomp:
// GOMP_SPINCOUNT). Zen 5 VM, 2 threads, alternating, min / median ms of 3 rounds x 3, sleeping
// at once -> 200 us of spin: small_batch32 forward 0.102 / 0.107 -> 0.082 / 0.084,
// backward-data 0.088 / 0.095 -> 0.062 / 0.064, backward-weight 0.092 / 0.093 -> 0.080 /
// 0.082; depthwise backward-weight 0.292 / 0.305 -> 0.219 / 0.225; calls of 0.5 ms and more
// within the noise.
std::chrono::microseconds ThreadPool::default_spin() {
  constexpr long kDefault = 200;
  if (const char* env = std::getenv("LUCID_SPIN_US"); env && *env) {
    char* end = nullptr;
    long us = std::strtol(env, &end, 10);
    if (*end == '\0' && us >= 0 && us <= 1'000'000) return std::chrono::microseconds(us);
    std::fprintf(stderr, "lucid: ignoring LUCID_SPIN_US=%s (expected an integer 0..1000000)\n", env);
  }
  return std::chrono::microseconds(kDefault);
}

namespace {
std::unique_ptr<ThreadPool>& global_slot() {
  static std::unique_ptr<ThreadPool> pool;
  return pool;
}
std::mutex global_mutex;
}  // namespace

ThreadPool& ThreadPool::global() {
  std::lock_guard lock(global_mutex);
  auto& pool = global_slot();
  if (!pool) pool = std::make_unique<ThreadPool>(default_threads());
  return *pool;
}

void ThreadPool::set_global_threads(int threads) {
  std::lock_guard lock(global_mutex);
  global_slot() = std::make_unique<ThreadPool>(threads);
}

int64_t ThreadPool::parallel_calls() const {
  std::lock_guard lock(mutex_);
  return parallel_calls_;
}

void ThreadPool::run_chunks(Job& job) {
  for (;;) {
    int64_t chunk = job.next_chunk.fetch_add(1);
    if (chunk >= job.chunks) return;
    // Balanced contiguous split: the first (items % chunks) chunks get one more item.
    int64_t base = job.items / job.chunks, extra = job.items % job.chunks;
    int64_t begin = chunk * base + std::min(chunk, extra);
    int64_t end = begin + base + (chunk < extra ? 1 : 0);
    try {
      int status = (*job.body)(begin, end);
      if (status != 0) {
        int expected = 0;
        job.status.compare_exchange_strong(expected, status);
      }
    } catch (...) {
      std::lock_guard lock(job.error_mutex);
      if (!job.error) job.error = std::current_exception();
    }
  }
}

void ThreadPool::worker_loop() {
  std::uint64_t seen = 0;
  for (;;) {
    Job* job = nullptr;
    spin_until(spin_, [&] {
      return published_stop_.load(std::memory_order_acquire) ||
             published_generation_.load(std::memory_order_acquire) != seen;
    });
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || (job_ != nullptr && generation_ != seen); });
      if (stop_) return;
      seen = generation_;
      job = job_;
      ++active_;
      published_active_.store(active_, std::memory_order_release);
    }
    run_chunks(*job);
    {
      std::lock_guard lock(mutex_);
      --active_;
      published_active_.store(active_, std::memory_order_release);
    }
    done_.notify_all();
  }
}

int ThreadPool::parallel_for(int64_t items, double work_flops,
                             const std::function<int(int64_t, int64_t)>& body) {
  if (items <= 0) return 0;
  bool inline_call = workers_.empty() || items == 1 || work_flops < kInlineFlops;
  std::unique_lock submit(submit_mutex_, std::defer_lock);
  if (!inline_call && !submit.try_lock()) inline_call = true;  // busy or nested: no waiting
  if (inline_call) return body(0, items);

  Job job;
  job.body = &body;
  job.items = items;
  job.chunks = std::min<int64_t>(items, num_threads());
  {
    std::lock_guard lock(mutex_);
    job_ = &job;
    ++generation_;
    ++parallel_calls_;
    published_generation_.store(generation_, std::memory_order_release);
  }
  wake_.notify_all();
  run_chunks(job);
  spin_until(spin_, [&] { return published_active_.load(std::memory_order_acquire) == 0; });
  {
    std::unique_lock lock(mutex_);
    // All chunks are claimed once the caller's run_chunks returns; wait for the workers that
    // are still inside the job, then retract it so a late waker finds nothing.
    done_.wait(lock, [&] { return active_ == 0; });
    job_ = nullptr;
  }
  if (job.error) std::rethrow_exception(job.error);
  return job.status.load();
}

}  // namespace lucid
