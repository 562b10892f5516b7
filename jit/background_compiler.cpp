// BackgroundCompiler: the queue and the worker loop.
#include "background_compiler.h"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <set>

namespace lucid::jit {

namespace {

// Every live compiler, for the exit handler. Allocated once and never freed, so it outlives
// every static destructor that could still reach it.
struct Registry {
  std::mutex mutex;
  std::set<BackgroundCompiler*> compilers;
};

Registry& registry() {
  static Registry* r = new Registry;
  return *r;
}

// Moves the calling thread off `cpu` when the process may run elsewhere, then allows every
// CPU again (which does not move it back). A woken or new thread is often queued on the core
// of the thread that woke it, even with another core idle, and at the next tick (4 ms at
// HZ=250) the scheduler may run it there for a whole tick whatever its priority: scheduler
// traces showed exactly those 4 ms inside the caller's first tier-0 calls.
// Returns the CPU the thread ran on while `cpu` was excluded (sched_setaffinity migrates the
// calling thread before it returns), or sched_getcpu() when it did not move. Once every CPU
// is allowed again the scheduler may bring the thread back, e.g. when the other core is
// busy; that is its call, so only the CPU read under the narrowed mask says where the job
// started.
int move_off_cpu(int cpu) {
  cpu_set_t allowed;
  if (cpu < 0 || sched_getaffinity(0, sizeof allowed, &allowed) != 0) return sched_getcpu();
  if (!CPU_ISSET(cpu, &allowed) || CPU_COUNT(&allowed) < 2) return sched_getcpu();
  cpu_set_t elsewhere = allowed;
  CPU_CLR(cpu, &elsewhere);
  if (sched_setaffinity(0, sizeof elsewhere, &elsewhere) != 0) return sched_getcpu();
  const int landed = sched_getcpu();
  sched_setaffinity(0, sizeof allowed, &allowed);
  return landed;
}

}  // namespace

BackgroundCompiler::BackgroundCompiler() {
  std::lock_guard<std::mutex> lock(registry().mutex);
  registry().compilers.insert(this);
}

BackgroundCompiler::~BackgroundCompiler() {
  stop();
  std::lock_guard<std::mutex> lock(registry().mutex);
  registry().compilers.erase(this);
}

void BackgroundCompiler::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  if (worker_.joinable() && worker_.get_id() != std::this_thread::get_id()) worker_.join();
}

void BackgroundCompiler::stop_all_at_exit() {
  std::atexit([] {
    std::lock_guard<std::mutex> lock(registry().mutex);
    for (BackgroundCompiler* compiler : registry().compilers) compiler->stop();
  });
}

void BackgroundCompiler::submit(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    queue_.push_back({std::move(job), sched_getcpu()});
    if (!worker_.joinable()) worker_ = std::thread([this] { run(); });
  }
  wake_.notify_one();
}

bool BackgroundCompiler::stopping() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

int BackgroundCompiler::last_start_cpu() {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_start_cpu_;
}

void BackgroundCompiler::wait_idle() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && !running_job_; });
}

void BackgroundCompiler::run() {
  // The caller's kernels run on every core meanwhile, split in equal shares: a compile at the
  // same priority would make the share on its core the straggler of every parallel call.
  // At nice 10 the scheduler gives the compile about a tenth of a busy core and all of an idle
  // one. Compile threads this thread starts inherit the value (Linux nice is per thread).
  setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    running_job_ = true;
    lock.unlock();
    const int start_cpu = move_off_cpu(job.caller_cpu);  // the caller goes on with tier 0 there
    {
      std::lock_guard<std::mutex> relock(mutex_);
      last_start_cpu_ = start_cpu;
    }
    job.run();
    lock.lock();
    running_job_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
  running_job_ = false;
  idle_.notify_all();
}

}  // namespace lucid::jit
