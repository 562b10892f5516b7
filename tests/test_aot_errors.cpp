// lucid-aot's bad arguments (messages users see): exit 2 with the parser's message for a bad
// spec and the valid names for an unknown target, exit 1 for an unwritable output folder,
// and never a partial output folder.
#include <unistd.h>

#include <string>

#include "aot_harness.h"
#include "lucid/conv_spec.h"
#include "lucid/error.h"

using namespace aot_test;

namespace {

const std::string kGood = quote("ConvTranspose1d(4, 2, 3, stride=2, padding=1)");

bool is_empty_or_missing(const fs::path& dir) { return !fs::exists(dir) || fs::is_empty(dir); }

}  // namespace

TEST_CASE("an invalid spec exits 2 with the parser's message and writes nothing") {
  fs::path dir = fresh_work_dir("bad_spec");
  const std::string bad = "ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=2)";
  std::string parser_message;
  try {
    lucid::ConvSpec::parse(bad);
  } catch (const lucid::Error& e) {
    parser_message = e.what();
  }
  REQUIRE(!parser_message.empty());
  // The bad layer comes second, so the first one's files must not appear either.
  CommandResult r = lucid_aot(kGood + " " + quote(bad) + " -o " + quote((dir / "out").string()), dir);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(parser_message) != std::string::npos);
  CHECK(r.output.find("argument 2") != std::string::npos);
  CHECK(!fs::exists(dir / "out"));

  // In a --specs file the message names the file and line.
  std::ofstream(dir / "layers.txt") << "# two layers\n" << "ConvTranspose1d(4, 2, 3)\n\nConvTranspose1d(4, 3, 3, groups=2)\n";
  r = lucid_aot("--specs " + quote((dir / "layers.txt").string()) + " -o " + quote((dir / "out").string()), dir);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("layers.txt:4: ") != std::string::npos);
  CHECK(r.output.find("groups") != std::string::npos);
  CHECK(!fs::exists(dir / "out"));
}

TEST_CASE("an unknown target exits 2 and lists the valid ones") {
  fs::path dir = fresh_work_dir("bad_target");
  CommandResult r = lucid_aot(kGood + " --target x86-64-v3,pentium9000 -o " + quote((dir / "out").string()), dir);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("pentium9000") != std::string::npos);
  for (const char* name : {"host", "x86-64-v3", "x86-64-v4", "znver4", "skylake-avx512", "haswell"})
    CHECK(r.output.find(name) != std::string::npos);
  CHECK(!fs::exists(dir / "out"));
}

TEST_CASE("other bad arguments exit 2 with a message") {
  fs::path dir = fresh_work_dir("bad_arguments");
  const std::string out = " -o " + quote((dir / "out").string());
  struct Case {
    std::string arguments, message;
  };
  const Case cases[] = {
      {kGood, "no output folder"},
      {out, "no layer given"},
      {kGood + " --emit obj,pdf" + out, "unknown kind 'pdf'"},
      {kGood + " --name 3d" + out, "not a C identifier"},
      {kGood + " --bogus" + out, "unknown option '--bogus'"},
      {kGood + " " + kGood + out, "given twice"},
      {kGood + " --target haswell,haswell" + out, "listed twice"},
      {kGood + " --specs " + quote((dir / "missing.txt").string()) + out, "cannot read"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.arguments);
    CommandResult r = lucid_aot(c.arguments, dir);
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find(c.message) != std::string::npos);
    CHECK(!fs::exists(dir / "out"));
  }
  CHECK(lucid_aot("--help", dir).exit_code == 0);
}

TEST_CASE("an unwritable output folder exits 1 and leaves nothing behind") {
  fs::path dir = fresh_work_dir("unwritable");
  std::ofstream(dir / "a_file") << "not a folder\n";
  // Below a regular file (unwritable even for root), and a regular file itself.
  for (const fs::path& out : {dir / "a_file" / "out", dir / "a_file"}) {
    CAPTURE(out.string());
    CommandResult r = lucid_aot(kGood + " -o " + quote(out.string()), dir);
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find(out.string()) != std::string::npos);
  }
  CHECK(read_text(dir / "a_file") == "not a folder\n");
  // A folder that cannot be entered (where permissions apply: not as root).
  if (::geteuid() != 0) {
    fs::create_directories(dir / "locked");
    fs::permissions(dir / "locked", fs::perms::owner_read | fs::perms::owner_exec);
    CommandResult r = lucid_aot(kGood + " -o " + quote((dir / "locked").string()), dir);
    CHECK(r.exit_code == 1);
    CHECK(is_empty_or_missing(dir / "locked"));
    fs::permissions(dir / "locked", fs::perms::owner_all);
  }
  // The same run into a fresh nested folder works and leaves no staging folder behind.
  CommandResult ok = lucid_aot(kGood + " --name fine -o " + quote((dir / "new" / "deeper").string()), dir);
  INFO(ok.output);
  REQUIRE(ok.exit_code == 0);
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir / "new" / "deeper")) {
    CHECK(entry.path().filename().string().rfind("fine.", 0) == 0);
    ++files;
  }
  CHECK(files == 2);  // fine.o and fine.h
}
