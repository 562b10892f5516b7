// The AOT header's status codes are include/lucid/kernel_abi.h's table, every row of it, each
// with a value of its own (out-of-memory once read as "unsupported CPU" in the header).
#include <map>
#include <regex>
#include <set>
#include <string>

#include "aot_harness.h"
#include "lucid/kernel_abi.h"

using namespace aot_test;

namespace {

// Every (name without the LUCID_STATUS_ prefix, value) of the kernel ABI's table.
std::map<std::string, int> table_rows() {
  std::map<std::string, int> rows;
#define LUCID_STATUS_ROW(name, value, meaning) rows[#name] = value;
  LUCID_STATUS_TABLE(LUCID_STATUS_ROW)
#undef LUCID_STATUS_ROW
  return rows;
}

}  // namespace

TEST_CASE("the kernel ABI's status codes are distinct and each has a name and a meaning") {
  std::map<std::string, int> rows = table_rows();
  std::set<int> values;
  for (const auto& [name, value] : rows) {
    INFO(name);
    CHECK(values.insert(value).second);
    REQUIRE(lucid_status_name(value) != nullptr);
    CHECK(std::string(lucid_status_name(value)) == "LUCID_STATUS_" + name);
    REQUIRE(lucid_status_meaning(value) != nullptr);
    CHECK(std::string(lucid_status_meaning(value)).size() > 5);
  }
  CHECK(LUCID_STATUS_OK == 0);
  CHECK(LUCID_STATUS_OUT_OF_MEMORY != LUCID_STATUS_UNSUPPORTED_CPU);
  CHECK(lucid_status_name(1000) == nullptr);
  CHECK(lucid_status_meaning(-1) == nullptr);
}

TEST_CASE("the generated header defines and documents every status code of the table, once") {
  fs::path dir = fresh_work_dir("status_codes");
  CommandResult aot = lucid_aot(quote("ConvTranspose1d(4, 2, 3, stride=2)") + " --emit header -o " +
                                    quote((dir / "out").string()),
                                dir);
  INFO(aot.output);
  REQUIRE(aot.exit_code == 0);
  const std::string text = read_text(dir / "out" / "lucid_ct1d_f32_ci4_co2_k3_s2_pl0_pr0_op0_d1_g1_b1.h");

  // "#define LUCID_AOT_STATUS_NAME value   /* meaning */"
  const std::regex define(R"(#define LUCID_AOT_STATUS_([A-Z_]+) (-?[0-9]+) +/\* (.+) \*/)");
  std::map<std::string, int> in_header;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), define); it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1];
    const int value = std::stoi((*it)[2]);
    INFO(name);
    CHECK(in_header.count(name) == 0);
    in_header[name] = value;
    REQUIRE(lucid_status_meaning(value) != nullptr);
    CHECK((*it)[3] == std::string(lucid_status_meaning(value)));
  }
  CHECK(in_header == table_rows());

  // A C switch over every code compiles only when no two share a value.
  std::string source = "#include \"lucid_ct1d_f32_ci4_co2_k3_s2_pl0_pr0_op0_d1_g1_b1.h\"\n"
                       "int classify(int status) {\n  switch (status) {\n";
  for (const auto& [name, value] : in_header) source += "    case LUCID_AOT_STATUS_" + name + ": return " + std::to_string(value) + ";\n";
  source += "  }\n  return -1;\n}\nint main(void) { return classify(LUCID_AOT_STATUS_OUT_OF_MEMORY) == "
            "classify(LUCID_AOT_STATUS_UNSUPPORTED_CPU); }\n";
  std::ofstream(dir / "out" / "codes.c") << source;
  CommandResult cc = run(quote(LUCID_C_COMPILER) + " -std=c99 -Wall -Werror -I" + quote((dir / "out").string()) + " " +
                             quote((dir / "out" / "codes.c").string()) + " -o " + quote((dir / "codes").string()),
                         dir);
  INFO(cc.output);
  REQUIRE(cc.exit_code == 0);
  CHECK(run(quote((dir / "codes").string()), dir).exit_code == 0);
}
