// The .npy reader and writer. The header is a Python dict literal; we read the three keys
// NumPy writes ('descr', 'fortran_order', 'shape') with a small exact parser.
#include "npy.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "lucid/checked_int.h"

namespace lucid::npy {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw NpyError(fmt::format("{}: {}", path, what));
}

// Cursor over the header dict text.
struct HeaderParser {
  const std::string& text;
  const std::string& path;
  std::size_t pos = 0;

  void skip_space() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n' || text[pos] == '\t'))
      ++pos;
  }
  bool accept(char c) {
    skip_space();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!accept(c)) fail(path, fmt::format("malformed .npy header (expected '{}'): {}", c, text));
  }
  std::string string_literal() {
    skip_space();
    if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
      fail(path, "malformed .npy header (expected a string): " + text);
    char quote = text[pos++];
    std::size_t end = text.find(quote, pos);
    if (end == std::string::npos) fail(path, "malformed .npy header (open string): " + text);
    std::string value = text.substr(pos, end - pos);
    pos = end + 1;
    return value;
  }
  std::string word() {
    skip_space();
    std::size_t start = pos;
    while (pos < text.size() && std::isalnum(static_cast<unsigned char>(text[pos]))) ++pos;
    return text.substr(start, pos - start);
  }
  Shape shape_tuple() {
    expect('(');
    Shape shape;
    while (!accept(')')) {
      std::string digits = word();
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
        fail(path, "malformed .npy header (bad shape): " + text);
      int64_t extent = 0;
      auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), extent);
      if (error != std::errc() || end != digits.data() + digits.size())
        fail(path, fmt::format("malformed .npy header: shape extent {} does not fit int64: {}", digits, text));
      shape.push_back(extent);
      if (!accept(',')) {
        expect(')');
        break;
      }
    }
    return shape;
  }
};

struct Header {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
};

Header parse_header(const std::string& text, const std::string& path) {
  HeaderParser p{text, path};
  Header header;
  bool has_descr = false, has_order = false, has_shape = false;
  p.expect('{');
  while (!p.accept('}')) {
    std::string key = p.string_literal();
    p.expect(':');
    if (key == "descr") {
      header.descr = p.string_literal();
      has_descr = true;
    } else if (key == "fortran_order") {
      std::string value = p.word();
      if (value != "True" && value != "False")
        fail(path, "malformed .npy header (fortran_order must be True or False): " + text);
      header.fortran_order = value == "True";
      has_order = true;
    } else if (key == "shape") {
      header.shape = p.shape_tuple();
      has_shape = true;
    } else {
      fail(path, fmt::format("unexpected key '{}' in the .npy header: {}", key, text));
    }
    if (!p.accept(',')) {
      p.expect('}');
      break;
    }
  }
  if (!has_descr || !has_order || !has_shape)
    fail(path, "the .npy header lacks descr, fortran_order or shape: " + text);
  return header;
}

std::string shape_literal(const Shape& shape) {
  if (shape.empty()) return "()";
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

}  // namespace

Tensor read(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) fail(path, "cannot open the file (missing or unreadable)");
  std::string bytes;
  try {
    bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  } catch (const std::bad_alloc&) {
    file.clear();
    file.seekg(0, std::ios::end);
    throw OutOfMemory(fmt::format("{}: cannot allocate {} bytes to read the file", path,
                                  static_cast<long long>(file.tellg())));
  }
  if (file.bad()) fail(path, "read error");

  if (bytes.size() < kMagicSize + 4 || std::memcmp(bytes.data(), kMagic, kMagicSize) != 0)
    fail(path, "not an .npy file (no \\x93NUMPY magic)");
  const auto major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_length = 0, header_start = 0;
  auto byte = [&](std::size_t i) { return static_cast<std::size_t>(static_cast<unsigned char>(bytes[i])); };
  if (major == 1) {
    header_length = byte(8) | byte(9) << 8;
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(path, "truncated .npy header");
    header_length = byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
    header_start = 12;
  } else {
    fail(path, fmt::format(".npy format version {} is not supported (1, 2 or 3)", major));
  }
  if (bytes.size() < header_start + header_length) fail(path, "truncated .npy header");
  Header header = parse_header(bytes.substr(header_start, header_length), path);

  DType dtype;
  if (header.descr == "<f4") dtype = DType::Float32;
  else if (header.descr == "<f8") dtype = DType::Float64;
  else
    fail(path, fmt::format("dtype '{}' is not supported; use little-endian float32 ('<f4') or "
                           "float64 ('<f8')",
                           header.descr));
  if (header.fortran_order)
    fail(path, "the array is in Fortran order; save a C-order array "
               "(numpy.ascontiguousarray) instead");

  const std::size_t data_start = header_start + header_length;
  // Checked before the byte counts are compared: a header may claim any shape.
  std::optional<int64_t> byte_count = static_cast<int64_t>(dtype_size(dtype));
  for (int64_t extent : header.shape)
    if (byte_count) byte_count = checked_mul(*byte_count, extent);
  if (!byte_count)
    fail(path, fmt::format("shape {} of {}: the byte count (the product of the extents * {}) overflows int64",
                           shape_literal(header.shape), dtype_name(dtype), dtype_size(dtype)));
  const std::size_t expected = static_cast<std::size_t>(*byte_count);
  const std::size_t found = bytes.size() - data_start;
  if (found < expected)
    fail(path, fmt::format("truncated: shape {} of {} needs {} data bytes, the file has {}",
                           shape_literal(header.shape), dtype_name(dtype), expected, found));
  if (found > expected)
    fail(path, fmt::format("{} unexpected bytes after the data of shape {} ({})", found - expected,
                           shape_literal(header.shape), dtype_name(dtype)));
  return Tensor::from_data(bytes.data() + data_start, header.shape, dtype);
}

std::string encode(const Tensor& tensor) {
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                 tensor.dtype() == DType::Float32 ? "<f4" : "<f8",
                                 shape_literal(tensor.shape()));
  // NumPy pads the header with spaces and ends it with '\n' so the data starts 64-aligned.
  std::size_t unpadded = kMagicSize + 4 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string out(kMagic, kMagicSize);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>((dict.size() >> 8) & 0xff);
  out += dict;
  out.append(static_cast<const char*>(tensor.data()),
             static_cast<std::size_t>(tensor.numel()) * dtype_size(tensor.dtype()));
  return out;
}

void write(const std::string& path, const Tensor& tensor) {
  std::string bytes = encode(tensor);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) fail(path, "cannot create the file");
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  file.close();
  if (!file) fail(path, "write error");
}

}  // namespace lucid::npy
