// The JIT's caches: memory hits, disk hits in a fresh engine, corrupt and truncated cache
// files rebuilt (and still correct), one compile for eight threads asking at once, and the
// LUCID_JIT_DUMP output.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "isolated_engine.h"
#include "lowered_ir.h"
#include "lucid/jit_engine.h"
#include "lucid/error.h"
#include "lucid/reference.h"

namespace fs = std::filesystem;
using namespace lucid;

namespace {

JitOptions options_in(const fs::path& dir) { return testing::isolated_options(dir); }

fs::path fresh_dir(const std::string& name) { return testing::fresh_dir("jit-test", name); }

// Runs the forward kernel on the seed layer's example and checks y = [1, 2.5, 4, 1.5].
void check_seed_forward(const KernelSet& k) {
  float x[] = {1, 2, 3}, w[] = {1, 0.5f}, y[4] = {};
  REQUIRE(k.forward(x, w, nullptr, y, 1, 3, 0, k.forward_items(1)) == 0);
  CHECK(y[0] == 1.0f);
  CHECK(y[1] == 2.5f);
  CHECK(y[2] == 4.0f);
  CHECK(y[3] == 1.5f);
}

const ConvSpec kSeed = ConvSpec::make(1, 1, 2, 1, 0, 0, 1, 1, false);

}  // namespace

TEST_CASE("a second request is a memory hit returning the same kernels") {
  fs::path dir = fresh_dir("memory");
  JitEngine engine(options_in(dir));
  auto a = engine.kernels(kSeed);
  auto b = engine.kernels(kSeed);
  CHECK(a.get() == b.get());
  CHECK(engine.stats().compiles == 1);
  CHECK(engine.stats().memory_hits == 1);
  CHECK(a->source == "compiled");
  CHECK(a->code_bytes > 0);
  check_seed_forward(*a);
  fs::remove_all(dir);
}

TEST_CASE("a fresh engine loads the kernels from the disk cache") {
  fs::path dir = fresh_dir("disk");
  {
    JitEngine first(options_in(dir));
    first.kernels(kSeed);
    CHECK(fs::exists(first.cache_file(kSeed, first.schedule_for(kSeed))));
  }
  JitEngine second(options_in(dir));
  auto k = second.kernels(kSeed);
  CHECK(k->source == "disk");
  CHECK(second.stats().disk_hits == 1);
  CHECK(second.stats().compiles == 0);
  check_seed_forward(*k);
  fs::remove_all(dir);
}

TEST_CASE("LUCID_JIT_CACHE=0 keeps nothing on disk") {
  fs::path dir = fresh_dir("off");
  JitOptions o = options_in(dir);
  o.disk_cache = false;
  {
    JitEngine engine(o);
    engine.kernels(kSeed);
  }
  CHECK(fs::is_empty(dir));
  fs::remove_all(dir);
}

TEST_CASE("corrupt, truncated and foreign cache files are rebuilt, never trusted") {
  fs::path dir = fresh_dir("corrupt");
  std::string file;
  {
    JitEngine engine(options_in(dir));
    engine.kernels(kSeed);
    file = engine.cache_file(kSeed, engine.schedule_for(kSeed));
  }
  auto original_size = fs::file_size(file);
  auto damage = [&](const std::string& how) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    if (how == "flip") {
      f.seekp(static_cast<std::streamoff>(original_size - 100));
      f.put('\x5a');
      f.put('\xa5');
    } else if (how == "zero") {
      f.close();
      std::ofstream(file, std::ios::trunc);
    } else if (how == "header") {
      f.seekp(0);
      f.write("NOTLUCID", 8);
    }
  };
  for (std::string how : {"flip", "truncate", "zero", "header"}) {
    CAPTURE(how);
    if (how == "truncate") fs::resize_file(file, original_size / 2);
    else damage(how);
    JitEngine engine(options_in(dir));
    auto k = engine.kernels(kSeed);
    CHECK(k->source == "compiled");
    CHECK(engine.stats().disk_rejects == 1);
    check_seed_forward(*k);
    CHECK(fs::file_size(file) == original_size);  // rewritten whole
  }
  fs::remove_all(dir);
}

TEST_CASE("eight threads asking for one new key produce one compile") {
  fs::path dir = fresh_dir("threads");
  JitEngine engine(options_in(dir));
  ConvSpec spec = ConvSpec::make(24, 40, 7, 3, 2, 1, 1, 1, true);
  std::vector<std::shared_ptr<const KernelSet>> got(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&, i] { got[i] = engine.kernels(spec); });
  for (auto& t : threads) t.join();
  CHECK(engine.stats().compiles == 1);
  CHECK(engine.stats().memory_hits == 7);
  for (auto& k : got) CHECK(k.get() == got[0].get());
  fs::remove_all(dir);
}

TEST_CASE("kernels report bad batch, length and range instead of running") {
  fs::path dir = fresh_dir("status");
  JitEngine engine(options_in(dir));
  auto k = engine.kernels(ConvSpec::make(2, 2, 3, 1, 2, 0, 1, 1, true));  // Lout = L - 2
  float buf[64] = {};
  CHECK(k->forward(buf, buf, buf, buf, 0, 4, 0, 0) == LUCID_STATUS_BAD_BATCH);
  CHECK(k->forward(buf, buf, buf, buf, 1, 0, 0, 0) == LUCID_STATUS_BAD_LENGTH);
  CHECK(k->forward(buf, buf, buf, buf, 1, 2, 0, 0) == LUCID_STATUS_BAD_LENGTH);  // Lout = 0
  CHECK(k->forward(buf, buf, buf, buf, 1, 4, 0, k->forward_items(1) + 1) == LUCID_STATUS_BAD_RANGE);
  CHECK(k->forward(buf, buf, buf, buf, 1, 4, -1, 0) == LUCID_STATUS_BAD_RANGE);
  CHECK(k->backward_weight(buf, buf, buf, 1, 4, 1, 0) == LUCID_STATUS_BAD_RANGE);
  CHECK(k->backward_bias(buf, buf, 1, 4, 0, 3) == LUCID_STATUS_BAD_RANGE);
  CHECK(k->backward_data(buf, buf, buf, 1, 4, 0, k->backward_data_items(1)) == 0);
  fs::remove_all(dir);
}

TEST_CASE("a spec assembled with inconsistent fields is refused with lucid::Error") {
  fs::path dir = fresh_dir("badspec");
  JitEngine engine(options_in(dir));
  ConvSpec spec = kSeed;
  spec.pad_left = 5;  // not what padding=0 resolves to
  CHECK_THROWS_AS(engine.kernels(spec), lucid::Error);
  spec = kSeed;
  spec.groups = 0;
  CHECK_THROWS_AS(engine.kernels(spec), lucid::Error);
  fs::remove_all(dir);
}

TEST_CASE("LUCID_JIT_DUMP writes IR before and after optimisation and the assembly") {
  fs::path dir = fresh_dir("dump");
  JitOptions o = options_in(dir);
  o.disk_cache = false;
  o.dump_dir = (dir / "dump").string();
  JitEngine engine(o);
  engine.kernels(kSeed);
  int ll = 0, opt = 0, s = 0;
  for (auto& entry : fs::directory_iterator(o.dump_dir)) {
    std::string name = entry.path().filename().string();
    std::ifstream in(entry.path());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (name.ends_with(".opt.ll")) ++opt;
    else if (name.ends_with(".ll")) {
      ++ll;
      CHECK(text.find("fwd.residue0") != std::string::npos);  // readable names survive
    } else if (name.ends_with(".s")) {
      ++s;
      // Every pass's module, in kAllPasses order, though they compile on several threads.
      const auto fwd = text.find("_forward:"), bd = text.find("_backward_data:");
      const auto bw = text.find("_backward_weight:"), bb = text.find("_backward_bias:");
      CHECK(fwd != std::string::npos);
      CHECK(bd != std::string::npos);
      CHECK(bw != std::string::npos);
      CHECK(bb != std::string::npos);
      CHECK(fwd < bd);
      CHECK(bd < bw);
      CHECK(bw < bb);
    }
  }
  CHECK(ll == 1);
  CHECK(opt == 1);
  CHECK(s == 1);
  fs::remove_all(dir);
}

TEST_CASE("heap scratch is asked for cache-line aligned, never from malloc") {
  // hifigan_up1's packed weights outgrow the 32 KiB stack limit, so its kernels take heap
  // scratch. malloc's 16-byte alignment split every 64-byte vector the packs store across two
  // lines (README, "Cache-line aligned scratch"); this pins the aligned request.
  const auto modules = testing::lowered_ir(ConvSpec::make(512, 256, 16, 8, 4, 0, 1, 1, true), "scratch-align");
  REQUIRE(modules.size() == 1);
  CHECK(modules[0].find("@aligned_alloc(i64 64, i64") != std::string::npos);
  CHECK(modules[0].find("@malloc(") == std::string::npos);
}
