#include "frontend/npy.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "frontend/atomic_file.h"
#include "ir/error.h"

namespace shardc::frontend {
namespace {
using ir::DType;
using ir::fail;

struct Descr {
  DType dtype;
  const char* code;  // numpy's descr without the byte-order mark
};
constexpr Descr kDescrs[] = {
    {DType::f16, "f2"}, {DType::f32, "f4"}, {DType::f64, "f8"}, {DType::i8, "i1"},  {DType::i16, "i2"},
    {DType::i32, "i4"}, {DType::i64, "i8"}, {DType::u8, "u1"},  {DType::u16, "u2"}, {DType::u32, "u4"},
    {DType::u64, "u8"}, {DType::boolean, "b1"},
};

// Value of key `key` in the header dict (a Python literal): the text after "'key':" up to the matching end.
std::string dictValue(const std::string& header, const std::string& key, const std::string& what) {
  auto k = header.find("'" + key + "'");
  if (k == std::string::npos) fail("{}: .npy header has no '{}'", what, key);
  auto colon = header.find(':', k);
  if (colon == std::string::npos) fail("{}: malformed .npy header", what);
  size_t i = colon + 1;
  while (i < header.size() && header[i] == ' ') ++i;
  if (i >= header.size()) fail("{}: malformed .npy header", what);
  if (header[i] == '\'') {
    auto end = header.find('\'', i + 1);
    if (end == std::string::npos) fail("{}: malformed .npy header", what);
    return header.substr(i + 1, end - i - 1);
  }
  if (header[i] == '(') {
    auto end = header.find(')', i);
    if (end == std::string::npos) fail("{}: malformed .npy header", what);
    return header.substr(i + 1, end - i - 1);
  }
  auto end = header.find_first_of(",}", i);
  return header.substr(i, end == std::string::npos ? std::string::npos : end - i);
}
}  // namespace

ir::Tensor parseNpy(const std::string& bytes, const std::string& what) {
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) fail("{}: not a .npy file (bad magic)", what);
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, headerStart;
  auto u8at = [&](size_t i) { return static_cast<size_t>(static_cast<unsigned char>(bytes[i])); };
  if (major == 1) {
    headerLen = u8at(8) | (u8at(9) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail("{}: truncated .npy header", what);
    headerLen = u8at(8) | (u8at(9) << 8) | (u8at(10) << 16) | (u8at(11) << 24);
    headerStart = 12;
  } else {
    fail("{}: unsupported .npy version {}", what, major);
  }
  if (bytes.size() < headerStart + headerLen) fail("{}: truncated .npy header", what);
  std::string header = bytes.substr(headerStart, headerLen);
  std::string descr = dictValue(header, "descr", what);
  std::string order = dictValue(header, "fortran_order", what);
  std::string shapeText = dictValue(header, "shape", what);
  if (order.find("True") != std::string::npos) fail("{}: Fortran-order .npy arrays are not supported", what);
  if (descr.size() < 2) fail("{}: bad dtype '{}'", what, descr);
  char endian = descr[0];
  std::string code = descr.substr(1);
  if (endian == '>') fail("{}: big-endian .npy arrays are not supported (dtype '{}')", what, descr);
  if (endian != '<' && endian != '|' && endian != '=') code = descr;
  const Descr* found = nullptr;
  for (const auto& d : kDescrs)
    if (code == d.code) found = &d;
  if (!found) fail("{}: unsupported .npy dtype '{}'", what, descr);
  std::vector<int64_t> dims;
  std::stringstream ss(shapeText);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t a = item.find_first_not_of(" ");
    if (a == std::string::npos) continue;
    try {
      size_t used = 0;
      long long d = std::stoll(item.substr(a), &used);
      if (d < 0) throw std::invalid_argument("negative");
      dims.push_back(d);
    } catch (const std::exception&) {
      fail("{}: bad shape ({}) in .npy header", what, shapeText);
    }
  }
  // The element count and byte size must fit before anything computes them (the npy fuzzer found shapes that
  // overflowed int64, one of them empty: (2, 5555555555555555555, 0)). As NumPy does, the product of the non-zero
  // dims is checked, so an empty array cannot carry an impossible dim either.
  int64_t nonZeroElements = 1, nonZeroBytes = 0;
  for (int64_t d : dims)
    if (d != 0 && __builtin_mul_overflow(nonZeroElements, d, &nonZeroElements))
      fail("{}: shape ({}) in .npy header has more elements than any array can", what, shapeText);
  if (__builtin_mul_overflow(nonZeroElements, static_cast<int64_t>(ir::dtypeSize(found->dtype)), &nonZeroBytes))
    fail("{}: shape ({}) in .npy header has more bytes than any array can", what, shapeText);
  ir::Shape shape(dims);
  size_t dataStart = headerStart + headerLen;
  size_t expected = shape.numElements() == 0 ? 0 : static_cast<size_t>(nonZeroBytes);
  if (bytes.size() - dataStart != expected)
    fail("{}: .npy data has {} bytes, shape {} of {} needs {}", what, bytes.size() - dataStart, shape.str(),
         ir::dtypeName(found->dtype), expected);
  return ir::Tensor(found->dtype, shape,
                    std::span(reinterpret_cast<const std::byte*>(bytes.data()) + dataStart, expected));
}

ir::Tensor readNpy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open .npy file", path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parseNpy(bytes, path);
}

std::string serializeNpy(const ir::Tensor& t) {
  const char* code = nullptr;
  for (const auto& d : kDescrs)
    if (d.dtype == t.dtype()) code = d.code;
  if (!code) fail("cannot write element type {} as .npy", ir::dtypeName(t.dtype()));
  std::string shape;
  for (size_t i = 0; i < t.shape().rank(); ++i) shape += std::to_string(t.shape().dims[i]) + ", ";
  if (t.shape().rank() > 1) shape.resize(shape.size() - 2);
  if (t.shape().rank() == 1) shape.resize(shape.size() - 1);
  char endian = ir::dtypeSize(t.dtype()) == 1 ? '|' : '<';
  std::string header = std::string("{'descr': '") + endian + code + "', 'fortran_order': False, 'shape': (" +
                       shape + "), }";
  // Pad so that the data starts on a 64-byte boundary, ending the header with a newline.
  size_t prefix = 10;
  size_t total = prefix + header.size() + 1;
  bool v2 = false;
  if (total + 63 > 65535 + 10) {
    v2 = true;
    prefix = 12;
    total = prefix + header.size() + 1;
  }
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(v2 ? 2 : 1);
  out += '\0';
  size_t len = header.size();
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>((len >> 8) & 0xff);
  if (v2) {
    out += static_cast<char>((len >> 16) & 0xff);
    out += static_cast<char>((len >> 24) & 0xff);
  }
  out += header;
  out.append(reinterpret_cast<const char*>(t.bytes()), t.byteSize());
  return out;
}

void writeNpy(const std::string& path, const ir::Tensor& t) { writeFileAtomically(path, serializeNpy(t)); }

}  // namespace shardc::frontend
