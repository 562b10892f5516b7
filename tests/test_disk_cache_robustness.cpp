// The disk cache under stress, each case in forked processes so they really are separate
// processes (and so a dropped privilege or a file-size limit stays in the child):
//   - five processes racing to compile one key into one empty directory all compute correct
//     results and leave exactly one valid entry and no temporary file;
//   - a cache directory that cannot be written (a regular file, a path under one, a directory
//     without write permission for a non-root user, a full file system simulated with
//     RLIMIT_FSIZE) costs one warning per engine and no failure.
// Children use the kernels directly, never the thread pool: a forked child must not rely on
// threads its parent may have started.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "isolated_engine.h"
#include "lucid/jit_engine.h"
#include "lucid/reference.h"
#include "text_counts.h"

namespace fs = std::filesystem;
using namespace lucid;
using lucid::testing::count_occurrences;

namespace {

const ConvSpec kLayer = ConvSpec::make(6, 4, 5, 3, 1, 1, 2, 2, true);
const ConvSpec kOtherLayer = ConvSpec::make(3, 5, 4, 2, 1, 0, 1, 1, false);
const char kWarning[] = "lucid-jit: warning: cannot write the kernel cache";

fs::path fresh_dir(const std::string& name) { return testing::fresh_dir("cache-robust", name); }

JitOptions options_for(const fs::path& cache_dir) {
  JitOptions o;
  o.cache_dir = cache_dir.string();
  o.disk_cache = true;
  o.mode = JitMode::Sync;
  o.tuning_db = "/nonexistent/lucid-no-tuning.json";
  return o;
}

// Runs every pass of `spec` from `engine` on random data against the reference loops; true
// when all agree within a float32 rounding bound.
bool kernels_are_correct(JitEngine& engine, const ConvSpec& spec) {
  auto k = engine.kernels(spec);
  const int64_t N = 2, L = 9, Lout = spec.output_length(L);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<float> dist(-1, 1);
  auto random = [&](int64_t n) {
    std::vector<float> v(static_cast<size_t>(n));
    for (float& e : v) e = dist(rng);
    return v;
  };
  std::vector<float> x = random(N * spec.in_channels * L), w = random(spec.weight_numel());
  std::vector<float> b = random(spec.out_channels), gy = random(N * spec.out_channels * Lout);
  const float* bias = spec.bias ? b.data() : nullptr;
  std::vector<float> y(gy.size()), gx(x.size()), gw(w.size()), gb(b.size());
  std::vector<float> ry(gy.size()), rgx(x.size()), rgw(w.size()), rgb(b.size());
  if (k->forward(x.data(), w.data(), bias, y.data(), N, L, 0, k->forward_items(N)) != LUCID_STATUS_OK) return false;
  if (k->backward_data(gy.data(), w.data(), gx.data(), N, L, 0, k->backward_data_items(N)) != LUCID_STATUS_OK)
    return false;
  if (k->backward_weight(x.data(), gy.data(), gw.data(), N, L, 0, k->backward_weight_items()) != LUCID_STATUS_OK)
    return false;
  if (k->backward_bias(gy.data(), gb.data(), N, L, 0, k->backward_bias_items()) != LUCID_STATUS_OK) return false;
  reference::forward(spec, x.data(), w.data(), bias, ry.data(), N, L);
  reference::backward_data(spec, gy.data(), w.data(), rgx.data(), N, L);
  reference::backward_weight(spec, x.data(), gy.data(), rgw.data(), N, L);
  reference::backward_bias(spec, gy.data(), rgb.data(), N, L);
  auto close = [](const std::vector<float>& a, const std::vector<float>& b) {
    for (size_t i = 0; i < a.size(); ++i)
      if (!(std::fabs(a[i] - b[i]) <= 1e-4f * (1 + std::fabs(b[i])))) return false;
    return true;
  };
  return close(y, ry) && close(gx, rgx) && close(gw, rgw) && (!spec.bias || close(gb, rgb));
}

struct ChildResult {
  int exit_code = -1;  // the child's exit status, or 128 + signal
  std::string stderr_text;
};

// Forks; the child runs `body` with stderr on a pipe and exits with its result. A child that
// throws exits 3 with the message on its stderr.
pid_t start_child(const std::function<int()>& body, int& stderr_read_end) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    ::dup2(fds[1], STDERR_FILENO);
    int code = 3;
    try {
      code = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child failed: %s\n", e.what());
    }
    std::fflush(stderr);
    ::_exit(code);
  }
  ::close(fds[1]);
  stderr_read_end = fds[0];
  return pid;
}

ChildResult finish_child(pid_t pid, int stderr_read_end) {
  ChildResult r;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(stderr_read_end, buffer, sizeof buffer)) > 0) r.stderr_text.append(buffer, static_cast<size_t>(n));
  ::close(stderr_read_end);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

ChildResult run_child(const std::function<int()>& body) {
  int fd = -1;
  pid_t pid = start_child(body, fd);
  return finish_child(pid, fd);
}

std::vector<std::string> file_names(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  return names;
}

// A child's job for the unwritable cases: two layers (two failed stores) through one engine,
// both correct. Exit 0 when correct, 1 when not.
int compile_two_layers(const fs::path& cache_dir) {
  JitEngine engine(options_for(cache_dir));
  bool ok = kernels_are_correct(engine, kLayer) && kernels_are_correct(engine, kOtherLayer);
  return ok && engine.stats().compiles == 2 ? 0 : 1;
}

void check_one_warning(const ChildResult& r) {
  INFO(r.stderr_text);
  CHECK(r.exit_code == 0);
  CHECK(count_occurrences(r.stderr_text, kWarning) == 1);
}

}  // namespace

TEST_CASE("five processes racing to compile one key leave one valid entry and no temporary file") {
  fs::path dir = fresh_dir("race");
  fs::path cache = dir / "cache";  // created by whichever process stores first
  // The children block on the pipe until the parent closes it, then all compile at once.
  int barrier[2];
  REQUIRE(::pipe(barrier) == 0);
  constexpr int kProcesses = 5;
  std::vector<std::pair<pid_t, int>> children;
  for (int i = 0; i < kProcesses; ++i) {
    int fd = -1;
    pid_t pid = start_child(
        [&] {
          ::close(barrier[1]);
          char c;
          while (::read(barrier[0], &c, 1) > 0) {
          }
          JitEngine engine(options_for(cache));
          return kernels_are_correct(engine, kLayer) ? 0 : 1;
        },
        fd);
    children.emplace_back(pid, fd);
  }
  ::close(barrier[0]);
  ::close(barrier[1]);
  for (auto [pid, fd] : children) {
    ChildResult r = finish_child(pid, fd);
    INFO(r.stderr_text);
    CHECK(r.exit_code == 0);
    CHECK(count_occurrences(r.stderr_text, kWarning) == 0);
  }

  std::vector<std::string> names = file_names(cache);
  INFO("entries: " << names.size());
  REQUIRE(names.size() == 1);
  CHECK(names[0].find(".tmp") == std::string::npos);
  // The one entry is valid: a fresh engine loads it instead of compiling, and runs correctly.
  ChildResult reader = run_child([&] {
    JitEngine engine(options_for(cache));
    bool ok = kernels_are_correct(engine, kLayer);
    JitStats s = engine.stats();
    std::fprintf(stderr, "disk hits %lld, compiles %lld, rejects %lld\n", static_cast<long long>(s.disk_hits),
                 static_cast<long long>(s.compiles), static_cast<long long>(s.disk_rejects));
    return ok && s.disk_hits == 1 && s.compiles == 0 && s.disk_rejects == 0 ? 0 : 1;
  });
  INFO(reader.stderr_text);
  CHECK(reader.exit_code == 0);
  CHECK(file_names(cache) == names);
  fs::remove_all(dir);
}

TEST_CASE("a cache path that is a regular file, or lies under one, costs one warning") {
  fs::path dir = fresh_dir("file");
  fs::path file = dir / "not-a-directory";
  std::ofstream(file) << "a file, not a directory";
  for (const fs::path& cache : {file, file / "sub"}) {
    INFO(cache.string());
    check_one_warning(run_child([&] { return compile_two_layers(cache); }));
    CHECK(fs::is_regular_file(file));
    CHECK(fs::file_size(file) == std::string("a file, not a directory").size());
  }
  CHECK(file_names(dir).size() == 1);
  fs::remove_all(dir);
}

TEST_CASE("a cache directory without write permission costs one warning (as an unprivileged user)") {
  fs::path dir = fresh_dir("readonly");
  fs::path cache = dir / "cache";
  fs::create_directories(cache);
  fs::permissions(cache, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                             fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  // Root writes anywhere, so as root the child becomes "nobody" (65534) before it starts.
  ChildResult r = run_child([&] {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) return 77;
    if (::access(cache.c_str(), W_OK) == 0) return 78;  // still writable: the case cannot be made
    return compile_two_layers(cache);
  });
  if (r.exit_code == 77 || r.exit_code == 78) {
    MESSAGE("skipped: cannot make a directory unwritable here (running as root and setuid(65534) failed, "
            "or the directory stays writable)");
  } else {
    check_one_warning(r);
    CHECK(file_names(cache).empty());
  }
  fs::permissions(cache, fs::perms::owner_all);
  fs::remove_all(dir);
}

TEST_CASE("a full file system (RLIMIT_FSIZE) costs one warning and leaves no partial file") {
  fs::path dir = fresh_dir("full");
  fs::path cache = dir / "cache";
  ChildResult r = run_child([&] {
    // Past the limit write() fails with EFBIG instead of the process dying of SIGXFSZ.
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = {512, 512};  // far below one kernel object
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 4;
    return compile_two_layers(cache);
  });
  check_one_warning(r);
  CHECK(file_names(cache).empty());  // neither an entry nor a temporary file
  fs::remove_all(dir);
}
