// TuningDatabase: round trip, merge, and files that must be ignored with a warning
// (corrupt, foreign format version, not ours). Correctness only; nothing is timed.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "lucid/tuning_database.h"

namespace fs = std::filesystem;

namespace {

// A fresh folder under the system temp dir, removed when the test case ends.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("lucid-tuning-db-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

lucid::Schedule some_schedule(int vector_width, int fwd_block_co) {
  lucid::Schedule s;
  s.vector_width = vector_width;
  s.fwd_block_co = fwd_block_co;
  s.fwd_block_t = 3;
  s.bwd_weight_block_taps = 4;
  return s;
}

const char* kSpec = "ct1d.f32.ci512.co256.k16.s8.pl4.pr4.op0.d1.g1.b1";

}  // namespace

TEST_CASE("a missing file is an empty database without a warning") {
  TempDir dir;
  std::string warning = "stale";
  auto db = lucid::TuningDatabase::load(dir.file("absent.json"), &warning);
  CHECK(db.empty());
  CHECK(warning.empty());
}

TEST_CASE("save then load gives back every entry") {
  TempDir dir;
  lucid::TuningDatabase db;
  db.put(kSpec, "znver3", some_schedule(8, 4), 81.5, 60.25, 1);
  db.put(kSpec, "skylake-avx512", some_schedule(16, 2), 120.0);
  db.put("ct1d.f64.ci4.co2.k3.s2.pl1.pr1.op1.d1.g1.b1", "znver3", some_schedule(4, 1), 1.5);
  const std::string path = dir.file("sub/folder/tuning.json");  // folders are created
  db.save(path);

  std::string warning;
  auto back = lucid::TuningDatabase::load(path, &warning);
  CHECK(warning.empty());
  REQUIRE(back.size() == 3);
  REQUIRE(back.find(kSpec, "znver3").has_value());
  CHECK(*back.find(kSpec, "znver3") == some_schedule(8, 4));
  CHECK(*back.find(kSpec, "skylake-avx512") == some_schedule(16, 2));
  CHECK_FALSE(back.find(kSpec, "haswell").has_value());
  CHECK_FALSE(back.find("ct1d.f32.other", "znver3").has_value());

  const lucid::TuningEntry* e = back.entry(kSpec, "znver3");
  REQUIRE(e != nullptr);
  CHECK(e->gflops == doctest::Approx(81.5));
  CHECK(e->default_gflops == doctest::Approx(60.25));
  CHECK(e->threads == 1);
  CHECK(e->llvm_version == lucid::TuningDatabase::llvm_version());
  CHECK(e->library_version == lucid::TuningDatabase::library_version());

  // No temporary file is left beside the database.
  int files = 0;
  for (const auto& f : fs::directory_iterator(dir.path / "sub/folder")) files += f.is_regular_file();
  CHECK(files == 1);
}

TEST_CASE("put replaces the entry of the same key and CPU") {
  lucid::TuningDatabase db;
  db.put(kSpec, "znver3", some_schedule(8, 4), 80);
  db.put(kSpec, "znver3", some_schedule(4, 2), 10);  // a later measurement wins, even if slower
  CHECK(db.size() == 1);
  CHECK(*db.find(kSpec, "znver3") == some_schedule(4, 2));
}

TEST_CASE("merge takes new entries and keeps the faster of two") {
  lucid::TuningDatabase mine, theirs;
  mine.put(kSpec, "znver3", some_schedule(8, 4), 80);
  mine.put("spec.only.mine", "znver3", some_schedule(8, 1), 5);
  theirs.put(kSpec, "znver3", some_schedule(16, 2), 70);         // slower: ours stays
  theirs.put(kSpec, "znver4", some_schedule(16, 8), 150);        // other CPU: added
  theirs.put("spec.only.mine", "znver3", some_schedule(4, 4), 9);  // faster: theirs wins
  mine.merge(theirs);
  CHECK(mine.size() == 3);
  CHECK(*mine.find(kSpec, "znver3") == some_schedule(8, 4));
  CHECK(*mine.find(kSpec, "znver4") == some_schedule(16, 8));
  CHECK(*mine.find("spec.only.mine", "znver3") == some_schedule(4, 4));
}

TEST_CASE("a corrupt file is ignored with a warning") {
  TempDir dir;
  const std::string path = dir.file("tuning.json");
  lucid::TuningDatabase db;
  db.put(kSpec, "znver3", some_schedule(8, 4), 80);
  db.save(path);

  SUBCASE("truncated") {
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    write_text(path, text.substr(0, text.size() / 2));
  }
  SUBCASE("not JSON") { write_text(path, "\x7f" "ELF garbage"); }
  SUBCASE("an entry without a schedule") {
    write_text(path, R"({"format": "lucid-tuning-db", "version": 1,
                         "entries": [{"spec": "x", "cpu": "y", "gflops": 1}]})");
  }
  SUBCASE("a malformed schedule") {
    write_text(path, R"({"format": "lucid-tuning-db", "version": 1,
                         "entries": [{"spec": "x", "cpu": "y", "schedule": "??", "gflops": 1}]})");
  }
  SUBCASE("another program's JSON") { write_text(path, R"({"name": "something else"})"); }
  SUBCASE("a thread count that is no int (found by fuzz_tuning_database: UB in the cast)") {
    write_text(path, R"({"format": "lucid-tuning-db", "version": 1, "entries": [{"spec": "x",
                         "cpu": "y", "schedule": "v8.f4x2x1.d4x2.w2x2x3", "gflops": 1, "threads": 1e300}]})");
  }
  SUBCASE("a thread count below one") {
    write_text(path, R"({"format": "lucid-tuning-db", "version": 1, "entries": [{"spec": "x",
                         "cpu": "y", "schedule": "v8.f4x2x1.d4x2.w2x2x3", "gflops": 1, "threads": 0}]})");
  }

  std::string warning;
  auto back = lucid::TuningDatabase::load(path, &warning);
  CHECK(back.empty());
  CHECK(warning.find(path) != std::string::npos);
  CHECK(warning.find("ignoring") != std::string::npos);
}

TEST_CASE("a file of another format version is ignored with a warning") {
  TempDir dir;
  const std::string path = dir.file("tuning.json");
  write_text(path, R"({"format": "lucid-tuning-db", "version": 99, "entries": [
      {"spec": "ct1d.f32.ci1.co1.k2.s1.pl0.pr0.op0.d1.g1.b1", "cpu": "znver3",
       "schedule": "from-the-future", "gflops": 1}]})");
  std::string warning;
  auto back = lucid::TuningDatabase::load(path, &warning);
  CHECK(back.empty());
  CHECK(warning.find("version 99") != std::string::npos);
}

TEST_CASE("a folder where the file should be is ignored with a warning") {
  TempDir dir;
  fs::create_directories(dir.path / "tuning.json");
  std::string warning;
  auto back = lucid::TuningDatabase::load(dir.file("tuning.json"), &warning);
  CHECK(back.empty());
  CHECK_FALSE(warning.empty());
}

TEST_CASE("a malformed file's warning says where the JSON breaks") {
  TempDir dir;
  const std::string path = dir.file("tuning.json");
  write_text(path, "{\"format\": \"lucid-tuning-db\",\n \"version\": 1,\n \"entries\": [}\n");
  std::string warning;
  auto back = lucid::TuningDatabase::load(path, &warning);
  CHECK(back.empty());
  CHECK(warning.find(path) != std::string::npos);
  CHECK(warning.find("[3:") != std::string::npos);  // llvm::json's "[line:column, byte=N]"
}

TEST_CASE("a bad entry's warning names the entry and the field") {
  TempDir dir;
  const std::string path = dir.file("tuning.json");
  write_text(path, R"({"format": "lucid-tuning-db", "version": 1, "entries": [
      {"spec": "x", "cpu": "y", "schedule": "v8.f4x2x1.d4x2.w2x2x3", "gflops": 1},
      {"spec": "x", "cpu": "z", "schedule": "v8.f4x2x1.d4x2.w2x2x3", "gflops": "fast"}]})");
  std::string warning;
  auto back = lucid::TuningDatabase::load(path, &warning);
  CHECK(back.empty());
  CHECK(warning.find("entry 1: \"gflops\" is not a number") != std::string::npos);
}
