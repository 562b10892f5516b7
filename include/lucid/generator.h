// Generator: the seedable random source behind randn and parameter initialisation. Its own
// xoshiro256** and Box-Muller keep results identical across standard libraries.
#pragma once

#include <cstdint>

namespace lucid {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0);

  void manual_seed(std::uint64_t seed);
  std::uint64_t seed() const { return seed_; }

  std::uint64_t next_u64();
  double uniform();                         // [0, 1) with 53 random bits
  double uniform(double low, double high);  // [low, high)
  double normal();                          // standard normal

 private:
  std::uint64_t seed_ = 0;
  std::uint64_t state_[4] = {};
  bool has_spare_ = false;
  double spare_ = 0;
};

// The process-wide generator used when none is passed (not thread safe, like PyTorch's).
Generator& default_generator();
// Reseeds default_generator().
void manual_seed(std::uint64_t seed);

}  // namespace lucid
