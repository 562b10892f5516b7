// The .npy reader and writer of lucid-run: round trips, NumPy's header layout, versions 1-3,
// and the refusals (dtype, byte order, Fortran order, truncation, garbage).
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "lucid/tensor.h"
#include "npy.h"

using lucid::DType;
using lucid::Tensor;

namespace {

std::string temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("lucid-npy-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A file with the given header dict and payload, in format version `major`.
std::string raw_npy(const std::string& dict, const std::string& payload, int major = 1) {
  std::string header = dict + "\n";
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  std::size_t n = header.size();
  out += static_cast<char>(n & 0xff);
  out += static_cast<char>((n >> 8) & 0xff);
  if (major >= 2) {
    out += '\0';
    out += '\0';
  }
  return out + header + payload;
}

std::string floats(std::initializer_list<float> values) {
  std::string s;
  for (float v : values) s.append(reinterpret_cast<const char*>(&v), sizeof v);
  return s;
}

}  // namespace

TEST_CASE("round trip float32 and float64, batched, unbatched, 1-d and 0-d") {
  for (DType dtype : {DType::Float32, DType::Float64}) {
    for (lucid::Shape shape : {lucid::Shape{2, 3, 4}, lucid::Shape{3, 5}, lucid::Shape{7},
                               lucid::Shape{}}) {
      Tensor t = Tensor::randn(shape, false, dtype);
      std::string path = temp_path("round.npy");
      lucid::npy::write(path, t);
      Tensor back = lucid::npy::read(path);
      CHECK(back.dtype() == dtype);
      CHECK(back.shape() == shape);
      CHECK(back.to_vector() == t.to_vector());
    }
  }
}

TEST_CASE("the header is NumPy's: version 1.0, dict text, data aligned to 64 bytes") {
  std::string bytes = lucid::npy::encode(Tensor::zeros({1, 4, 5}));
  CHECK(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  std::size_t header_length = static_cast<unsigned char>(bytes[8]) |
                              static_cast<unsigned char>(bytes[9]) << 8;
  CHECK((10 + header_length) % 64 == 0);
  std::string header = bytes.substr(10, header_length);
  CHECK(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4, 5), }", 0) == 0);
  CHECK(header.back() == '\n');
  CHECK(bytes.size() == 10 + header_length + 20 * 4);
  CHECK(lucid::npy::encode(Tensor::zeros({3}, DType::Float64)).find("'shape': (3,)") !=
        std::string::npos);
}

TEST_CASE("versions 2 and 3 and spacing variants are read") {
  std::string path = temp_path("v2.npy");
  write_bytes(path, raw_npy("{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(2,)}",
                            floats({1.5f, -2.f}), 2));
  CHECK(lucid::npy::read(path).to_vector() == std::vector<double>{1.5, -2.0});
  write_bytes(path, raw_npy("{'shape': (1, 2), 'fortran_order': False, 'descr': '<f4'}",
                            floats({3.f, 4.f}), 3));
  CHECK(lucid::npy::read(path).shape() == lucid::Shape{1, 2});
}

TEST_CASE("refusals name the file and the problem") {
  std::string path = temp_path("bad.npy");
  auto refused = [&](const std::string& bytes, const char* fragment) {
    write_bytes(path, bytes);
    CAPTURE(fragment);
    CHECK_THROWS_WITH_AS(lucid::npy::read(path), doctest::Contains(fragment),
                         lucid::npy::NpyError);
  };
  refused(raw_npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", floats({1, 2})),
          "dtype '<i4' is not supported");
  refused(raw_npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", floats({1, 2})),
          "dtype '>f4'");
  refused(raw_npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 1), }", floats({1, 2})),
          "Fortran order");
  refused(raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", floats({1, 2})),
          "truncated: shape (3,) of float32 needs 12 data bytes, the file has 8");
  refused(raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", floats({1, 2})),
          "unexpected bytes");
  refused(raw_npy("{'descr': '<f4', 'shape': (1,), }", floats({1})), "lacks");
  refused(raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (x,), }", floats({1})),
          "bad shape");
  refused("PK\x03\x04 not numpy at all", "not an .npy file");
  refused(std::string("\x93NUMPY\x01\x00\xff\x00{'descr'", 18), "truncated .npy header");
  // Shapes past int64: std::stoll threw a bare std::out_of_range, and the byte count overflowed
  // before it was compared with the file's size (also tests/fuzz/corpus/npy_reader/regression_*).
  refused(raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", ""),
          "shape extent 99999999999999999999 does not fit int64");
  refused(raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }",
                  std::string(8, '\0')),
          "shape (4611686018427387904, 4) of float64: the byte count (the product of the extents * 8) overflows int64");
  CHECK_THROWS_WITH_AS(lucid::npy::read(temp_path("missing.npy")),
                       doctest::Contains("missing.npy: cannot open"), lucid::npy::NpyError);
  CHECK_THROWS_AS(lucid::npy::write("/nonexistent-dir/x.npy", Tensor::zeros({1})),
                  lucid::npy::NpyError);
}
