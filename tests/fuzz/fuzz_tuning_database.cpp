// Fuzz target: the tuning-database reader (TuningDatabase::load, jit/tuning_database.cpp) on
// an arbitrary file. load() promises never to throw: a file it cannot trust gives an empty
// database and a warning. A database it accepts must survive save() and load() unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_file.h"
#include "lucid/tuning_database.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = lucid::fuzz::write_scratch_file("tuning.json", data, size);
  std::string warning;
  const lucid::TuningDatabase db = lucid::TuningDatabase::load(path, &warning);
  if (!warning.empty() && !db.empty()) std::abort();  // all of a file or none of it
  if (db.empty()) return 0;

  const std::string saved = (lucid::fuzz::scratch_dir() / "saved.json").string();
  db.save(saved);
  const lucid::TuningDatabase again = lucid::TuningDatabase::load(saved, &warning);
  if (!warning.empty() || again.size() != db.size()) std::abort();
  for (const lucid::TuningEntry& e : db.entries()) {
    const lucid::TuningEntry* a = again.entry(e.spec_key, e.cpu_name);
    if (a == nullptr || a->schedule.key() != e.schedule.key()) std::abort();
  }
  return 0;
}
