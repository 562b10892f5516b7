// ThreadPool: every item runs exactly once in contiguous chunks, tiny and nested calls run
// inline, statuses and exceptions come back to the caller, LUCID_NUM_THREADS and
// LUCID_SPIN_US are honoured.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <vector>

#include "lucid/thread_pool.h"

using lucid::ThreadPool;

TEST_CASE("every item is covered exactly once, by contiguous chunks") {
  ThreadPool pool(4);
  CHECK(pool.num_threads() == 4);
  for (int64_t items : {1, 2, 3, 4, 5, 17, 1000}) {
    std::vector<std::atomic<int>> hits(static_cast<std::size_t>(items));
    std::atomic<int> chunks{0};
    int status = pool.parallel_for(items, 1e9, [&](int64_t begin, int64_t end) {
      CHECK(begin < end);
      ++chunks;
      for (int64_t i = begin; i < end; ++i) ++hits[static_cast<std::size_t>(i)];
      return 0;
    });
    CHECK(status == 0);
    for (auto& h : hits) CHECK(h == 1);
    CHECK(chunks == std::min<int64_t>(items, 4));
  }
}

TEST_CASE("tiny calls run inline on the caller as one chunk") {
  ThreadPool pool(4);
  auto calls_before = pool.parallel_calls();
  std::thread::id caller = std::this_thread::get_id();
  int chunks = 0;
  pool.parallel_for(100, ThreadPool::kInlineFlops / 2, [&](int64_t begin, int64_t end) {
    CHECK(std::this_thread::get_id() == caller);
    CHECK(begin == 0);
    CHECK(end == 100);
    ++chunks;
    return 0;
  });
  CHECK(chunks == 1);
  CHECK(pool.parallel_calls() == calls_before);
  CHECK(pool.parallel_for(0, 1e9, [](int64_t, int64_t) { return 1; }) == 0);
}

TEST_CASE("work is spread over several threads") {
  ThreadPool pool(2);
  std::atomic<int> distinct{0};
  std::thread::id caller = std::this_thread::get_id();
  // Each chunk waits (up to 30 s) until the other has started. Chunks are claimed one at a
  // time, so the caller cannot take both while it waits in the first: the worker must take
  // the second, however late a loaded machine wakes it.
  std::atomic<int> started{0};
  pool.parallel_for(2, 1e9, [&](int64_t, int64_t) {
    if (std::this_thread::get_id() != caller) ++distinct;
    ++started;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (started < 2 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return 0;
  });
  CHECK(distinct == 1);
  CHECK(pool.parallel_calls() == 1);
}

TEST_CASE("a non-zero status and an exception reach the caller") {
  ThreadPool pool(3);
  int status = pool.parallel_for(9, 1e9, [](int64_t begin, int64_t) { return begin == 3 ? 7 : 0; });
  CHECK(status == 7);
  CHECK_THROWS_WITH_AS(pool.parallel_for(9, 1e9,
                                         [](int64_t begin, int64_t) -> int {
                                           if (begin == 6) throw std::runtime_error("boom");
                                           return 0;
                                         }),
                       "boom", std::runtime_error);
  // The pool still works afterwards.
  CHECK(pool.parallel_for(9, 1e9, [](int64_t, int64_t) { return 0; }) == 0);
}

TEST_CASE("a nested call runs inline instead of deadlocking") {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  pool.parallel_for(4, 1e9, [&](int64_t begin, int64_t end) {
    pool.parallel_for(10, 1e9, [&](int64_t b, int64_t e) {
      total += e - b;
      return 0;
    });
    (void)begin;
    (void)end;
    return 0;
  });
  CHECK(total == 20);
}

TEST_CASE("many calls in a row from two user threads stay correct") {
  ThreadPool pool(2);
  auto hammer = [&] {
    for (int round = 0; round < 200; ++round) {
      std::atomic<int64_t> sum{0};
      pool.parallel_for(64, 1e9, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) sum += i;
        return 0;
      });
      CHECK(sum == 64 * 63 / 2);
    }
  };
  std::thread other(hammer);
  hammer();
  other.join();
}

TEST_CASE("LUCID_NUM_THREADS sets the default; a bad value is ignored") {
  setenv("LUCID_NUM_THREADS", "3", 1);
  CHECK(ThreadPool::default_threads() == 3);
  setenv("LUCID_NUM_THREADS", "zero", 1);
  CHECK(ThreadPool::default_threads() == std::max(1u, std::thread::hardware_concurrency()));
  unsetenv("LUCID_NUM_THREADS");
  CHECK(ThreadPool::default_threads() == std::max(1u, std::thread::hardware_concurrency()));
  ThreadPool::set_global_threads(2);
  CHECK(ThreadPool::global().num_threads() == 2);
}

TEST_CASE("LUCID_SPIN_US sets how long idle threads spin; a bad value is ignored") {
  using std::chrono::microseconds;
  setenv("LUCID_SPIN_US", "0", 1);
  CHECK(ThreadPool::default_spin() == microseconds(0));
  {
    // Without spinning, every hand-off goes through the condition variables: still every item
    // once, call after call.
    ThreadPool pool(2);
    CHECK(pool.spin() == microseconds(0));
    for (int call = 0; call < 200; ++call) {
      std::vector<std::atomic<int>> hits(7);
      CHECK(pool.parallel_for(7, 1e9, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) ++hits[static_cast<std::size_t>(i)];
        return 0;
      }) == 0);
      for (auto& h : hits) CHECK(h == 1);
    }
  }
  setenv("LUCID_SPIN_US", "1500", 1);
  CHECK(ThreadPool(1).spin() == microseconds(1500));
  setenv("LUCID_SPIN_US", "-3", 1);
  CHECK(ThreadPool::default_spin() == microseconds(200));
  setenv("LUCID_SPIN_US", "fast", 1);
  CHECK(ThreadPool::default_spin() == microseconds(200));
  unsetenv("LUCID_SPIN_US");
  CHECK(ThreadPool::default_spin() == microseconds(200));
}
