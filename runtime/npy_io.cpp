#include "runtime/npy_io.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "runtime/include/shardrt/shardrt.h"

namespace shardrt {
namespace {

struct Code {
  int32_t dtype;
  const char* descr;
};
constexpr Code kCodes[] = {{SHARDRT_F32, "f4"}, {SHARDRT_F64, "f8"}, {SHARDRT_I8, "i1"},  {SHARDRT_I16, "i2"},
                           {SHARDRT_I32, "i4"}, {SHARDRT_I64, "i8"}, {SHARDRT_U8, "u1"},  {SHARDRT_U16, "u2"},
                           {SHARDRT_U32, "u4"}, {SHARDRT_U64, "u8"}, {SHARDRT_BOOL, "b1"}, {SHARDRT_F16, "f2"}};

std::string valueOf(const std::string& header, const std::string& key) {
  auto k = header.find("'" + key + "'");
  if (k == std::string::npos) return "";
  auto colon = header.find(':', k);
  if (colon == std::string::npos) return "";
  size_t i = header.find_first_not_of(' ', colon + 1);
  if (i == std::string::npos) return "";
  char open = header[i];
  if (open == '\'') return header.substr(i + 1, header.find('\'', i + 1) - i - 1);
  if (open == '(') return header.substr(i + 1, header.find(')', i) - i - 1);
  return header.substr(i, header.find_first_of(",}", i) - i);
}

}  // namespace

std::string readNpy(const std::string& path, NpyArray& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot open: " + std::string(std::strerror(errno));
  std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0) return "not a .npy file";
  auto byte = [&](size_t i) { return static_cast<size_t>(static_cast<unsigned char>(b[i])); };
  size_t len, start;
  if (b[6] == 1) {
    len = byte(8) | byte(9) << 8;
    start = 10;
  } else if ((b[6] == 2 || b[6] == 3) && b.size() >= 12) {
    len = byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
    start = 12;
  } else {
    return "unsupported .npy version";
  }
  if (b.size() < start + len) return "truncated .npy header";
  std::string header = b.substr(start, len);
  std::string descr = valueOf(header, "descr");
  if (valueOf(header, "fortran_order").find("True") != std::string::npos) return "Fortran-order arrays are not supported";
  if (descr.size() < 2 || descr[0] == '>') return "unsupported dtype '" + descr + "'";
  std::string code = (descr[0] == '<' || descr[0] == '|' || descr[0] == '=') ? descr.substr(1) : descr;
  out.dtype = 0;
  for (const auto& c : kCodes)
    if (code == c.descr) out.dtype = c.dtype;
  if (!out.dtype) return "unsupported dtype '" + descr + "'";
  out.dims.clear();
  std::string shape = valueOf(header, "shape");
  size_t i = 0;
  while (i < shape.size()) {
    size_t j = shape.find(',', i);
    std::string item = shape.substr(i, j == std::string::npos ? std::string::npos : j - i);
    if (item.find_first_not_of(' ') != std::string::npos) {
      // Not std::stoll: a malformed dim must be an error message, not an exception (the runtime_npy fuzzer).
      const char* text = item.c_str();
      char* end = nullptr;
      errno = 0;
      long long d = std::strtoll(text, &end, 10);
      while (end && *end == ' ') ++end;
      if (end == text || *end || errno == ERANGE || d < 0) return "malformed shape '(" + shape + ")'";
      out.dims.push_back(d);
    }
    if (j == std::string::npos) break;
    i = j + 1;
  }
  // The data the shape needs, without overflowing (an empty dim makes it none, whatever the others).
  size_t need = shardrt_dtype_size(out.dtype), have = b.size() - start - len;
  bool overflow = false;
  for (int64_t d : out.dims) overflow = __builtin_mul_overflow(need, static_cast<size_t>(d), &need) || overflow;
  if (std::find(out.dims.begin(), out.dims.end(), 0) != out.dims.end()) need = 0, overflow = false;
  if (overflow || have != need) return "data size does not match the shape";
  out.bytes = b.substr(start + len);
  return "";
}

std::string writeNpy(const std::string& path, int32_t dtype, const std::vector<int64_t>& dims, const void* data,
                     size_t nbytes) {
  const char* code = nullptr;
  for (const auto& c : kCodes)
    if (c.dtype == dtype) code = c.descr;
  if (!code) return "no .npy type for element type " + std::string(shardrt_dtype_name(dtype));
  std::string shape;
  for (size_t i = 0; i < dims.size(); ++i) shape += std::to_string(dims[i]) + (dims.size() == 1 ? "," : i + 1 < dims.size() ? ", " : "");
  std::string header = std::string("{'descr': '") + (shardrt_dtype_size(dtype) == 1 ? '|' : '<') + code +
                       "', 'fortran_order': False, 'shape': (" + shape + "), }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return "cannot write: " + std::string(std::strerror(errno));
  bool ok = std::fwrite(out.data(), 1, out.size(), f) == out.size();
  ok = ok && (nbytes == 0 || std::fwrite(data, 1, nbytes, f) == nbytes);
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return "cannot write: " + std::string(std::strerror(errno));
  }
  return "";
}

}  // namespace shardrt
