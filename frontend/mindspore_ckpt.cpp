#include "frontend/mindspore_ckpt.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

#include <boost/crc.hpp>
#include <fmt/ranges.h>
#include <google/protobuf/io/coded_stream.h>

#include "frontend/atomic_file.h"
#include "ir/error.h"

namespace shardc::frontend {
namespace {

using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;

const char kCrcMagic[] = "crc_num";
constexpr uint64_t kCrcTrailer = 7 + 10;

struct TypeName {
  ir::DType dtype;
  const char* name;
};
constexpr TypeName kTypeNames[] = {
    {ir::DType::f16, "Float16"}, {ir::DType::f32, "Float32"},   {ir::DType::f64, "Float64"},  {ir::DType::bf16, "BFloat16"},
    {ir::DType::i8, "Int8"},     {ir::DType::i16, "Int16"},     {ir::DType::i32, "Int32"},    {ir::DType::i64, "Int64"},
    {ir::DType::u8, "UInt8"},    {ir::DType::u16, "UInt16"},    {ir::DType::u32, "UInt32"},   {ir::DType::u64, "UInt64"},
    {ir::DType::boolean, "Bool"},
};

// The framing of the file: varints and strings at absolute offsets, read with pread.
class FileCursor {
 public:
  FileCursor(int fd, std::string path, uint64_t end) : fd_(fd), path_(std::move(path)), end_(end) {}

  void readAt(uint64_t at, void* dst, uint64_t n) const {
    char* p = static_cast<char*>(dst);
    while (n > 0) {
      ssize_t k = ::pread(fd_, p, n, static_cast<off_t>(at));
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) ir::fail("{}: cannot read: {}", path_, std::strerror(errno));
      if (k == 0) ir::fail("{}: truncated at byte {}", path_, at);
      p += k;
      n -= uint64_t(k);
      at += uint64_t(k);
    }
  }

  // A varint at `pos`, which moves past it; `limit` is where the enclosing message ends.
  uint64_t varint(uint64_t& pos, uint64_t limit) const {
    uint8_t buf[10];
    uint64_t n = std::min<uint64_t>(10, limit - pos);
    if (n == 0) ir::fail("{}: truncated at byte {}", path_, pos);
    readAt(pos, buf, n);
    CodedInputStream in(buf, int(n));
    uint64_t v = 0;
    if (!in.ReadVarint64(&v)) ir::fail("{}: a malformed varint at byte {}", path_, pos);
    pos += uint64_t(in.CurrentPosition());
    return v;
  }

  std::string string(uint64_t at, uint64_t n) const {
    // A length read from the file is checked before anything that size is allocated (the ckpt fuzzer's find).
    if (at > end_ || n > end_ - at) ir::fail("{}: truncated: a field of {} bytes at byte {} runs past the end", path_, n, at);
    std::string s(n, '\0');
    readAt(at, s.data(), n);
    return s;
  }

  // Skips a field of wire type `wt` whose tag was just read.
  void skip(uint64_t& pos, uint64_t limit, uint32_t wt) const {
    switch (wt) {
      case 0: varint(pos, limit); return;
      case 1: pos += 8; break;
      case 2: {
        uint64_t len = varint(pos, limit);
        if (len > limit - pos) ir::fail("{}: truncated: a field runs past byte {}", path_, limit);
        pos += len;
        break;
      }
      case 5: pos += 4; break;
      default: ir::fail("{}: a field of unknown wire type {} at byte {}", path_, wt, pos);
    }
    if (pos > limit) ir::fail("{}: truncated: a field runs past byte {}", path_, limit);
  }

  uint64_t end() const { return end_; }
  const std::string& path() const { return path_; }

 private:
  int fd_;
  std::string path_;
  uint64_t end_;
};

struct ParsedValue {
  std::string tag;
  bool hasTensor = false, isMap = false;
  std::vector<int64_t> dims;
  std::string type;
  uint64_t contentOffset = 0, contentLength = 0;
  bool hasContent = false;
};

void parseTensor(const FileCursor& f, uint64_t pos, uint64_t end, ParsedValue& v) {
  while (pos < end) {
    uint64_t key = f.varint(pos, end);
    uint32_t field = uint32_t(key >> 3), wt = uint32_t(key & 7);
    if (field == 1 && wt == 0) {
      v.dims.push_back(int64_t(f.varint(pos, end)));
    } else if (field == 1 && wt == 2) {  // packed dims
      uint64_t len = f.varint(pos, end), stop = pos + len;
      if (stop > end) ir::fail("{}: truncated dims at byte {}", f.path(), pos);
      while (pos < stop) v.dims.push_back(int64_t(f.varint(pos, stop)));
    } else if (field == 2 && wt == 2) {
      uint64_t len = f.varint(pos, end);
      if (pos + len > end) ir::fail("{}: truncated tensor type at byte {}", f.path(), pos);
      v.type = f.string(pos, len);
      pos += len;
    } else if (field == 3 && wt == 2) {
      uint64_t len = f.varint(pos, end);
      if (pos + len > end) ir::fail("{}: truncated: tensor content of {} bytes at byte {} runs past byte {}", f.path(), len, pos, end);
      v.contentOffset = pos;
      v.contentLength = len;
      v.hasContent = true;
      pos += len;
    } else {
      f.skip(pos, end, wt);
    }
  }
}

ParsedValue parseValue(const FileCursor& f, uint64_t pos, uint64_t end) {
  ParsedValue v;
  while (pos < end) {
    uint64_t key = f.varint(pos, end);
    uint32_t field = uint32_t(key >> 3), wt = uint32_t(key & 7);
    if (wt == 2 && field >= 1 && field <= 3) {
      uint64_t len = f.varint(pos, end);
      if (pos + len > end) ir::fail("{}: truncated: a field of {} bytes at byte {} runs past byte {}", f.path(), len, pos, end);
      if (field == 1) v.tag = f.string(pos, len);
      if (field == 2) {
        v.hasTensor = true;
        parseTensor(f, pos, pos + len, v);
      }
      if (field == 3) v.isMap = true;
      pos += len;
    } else {
      f.skip(pos, end, wt);
    }
  }
  return v;
}

uint64_t elementCount(const std::vector<int64_t>& dims) {
  uint64_t n = 1;
  for (int64_t d : dims) n *= uint64_t(d);
  return n;
}

}  // namespace

std::string mindsporeTypeName(ir::DType t) {
  for (const auto& tn : kTypeNames)
    if (tn.dtype == t) return tn.name;
  ir::fail("no MindSpore type for {}", ir::dtypeName(t));
}

std::optional<ir::DType> parseMindsporeTypeName(const std::string& name) {
  for (const auto& tn : kTypeNames)
    if (name == tn.name) return tn.dtype;
  return std::nullopt;
}

MindSporeCkptReader::MindSporeCkptReader(const std::string& path) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) ir::fail("{}: cannot open: {}", path, std::strerror(errno));
  struct stat st;
  if (::fstat(fd_, &st) != 0) ir::fail("{}: cannot read: {}", path, std::strerror(errno));
  uint64_t size = uint64_t(st.st_size), end = size;
  FileCursor f(fd_, path, size);
  if (size >= kCrcTrailer) {
    char trailer[kCrcTrailer];
    f.readAt(size - kCrcTrailer, trailer, kCrcTrailer);
    if (std::memcmp(trailer, kCrcMagic, 7) == 0) {
      hasCrc_ = true;
      end = size - kCrcTrailer;
      // Ten big-endian bytes; a value that does not fit 64 bits cannot be a CRC-32 (the top bytes must be zero).
      uint64_t stored = 0;
      for (int i = 7; i < 17; ++i) {
        if (i < 9 && trailer[i] != 0) ir::fail("{}: CRC mismatch: the trailer's value does not fit 64 bits", path);
        stored = (stored << 8) | uint8_t(trailer[i]);
      }
      boost::crc_32_type crc;
      std::vector<char> buf(size_t(4) << 20);
      for (uint64_t at = 0; at < end; at += buf.size()) {
        uint64_t n = std::min<uint64_t>(buf.size(), end - at);
        f.readAt(at, buf.data(), n);
        crc.process_bytes(buf.data(), n);
      }
      if (crc.checksum() != stored)
        ir::fail("{}: CRC mismatch: the trailer says {}, the content gives {}", path, stored, crc.checksum());
    }
  }
  std::unordered_map<std::string, size_t> index;
  uint64_t pos = 0;
  std::string last;
  while (pos < end) {
    uint64_t key = f.varint(pos, end);
    if (key != ((1 << 3) | 2)) {
      f.skip(pos, end, uint32_t(key & 7));
      continue;
    }
    uint64_t len = f.varint(pos, end);
    if (pos + len > end) ir::fail("{}: truncated: an entry of {} bytes at byte {} runs past the end ({})", path, len, pos, end);
    ParsedValue v = parseValue(f, pos, pos + len);
    pos += len;
    auto what = [&] { return fmt::format("{}: tensor '{}'", path, v.tag); };
    if (v.isMap) ir::unsupported("{}: a map parameter; only tensors are supported", what());
    if (!v.hasTensor || !v.hasContent) ir::fail("{}: an entry without tensor content", what());
    if (v.type == "str" || v.type == "random_op") {
      if (std::find(skipped_.begin(), skipped_.end(), v.tag) == skipped_.end()) skipped_.push_back(v.tag);
      continue;
    }
    std::optional<ir::DType> t = parseMindsporeTypeName(v.type);
    if (!t) ir::unsupported("{}: element type \"{}\" is not supported", what(), v.type);
    for (int64_t d : v.dims)
      if (d < 0) ir::fail("{}: negative dim in [{}]", what(), fmt::join(v.dims, ","));
    auto it = index.find(v.tag);
    if (it != index.end()) {
      // Consecutive values with one tag are chunks of one tensor.
      CheckpointTensorInfo& prev = tensors_[it->second];
      if (v.tag != last) ir::fail("{}: appears twice", what());
      if (v.dims != prev.dims || *t != prev.dtype)
        ir::fail("{}: a chunk of shape [{}] {} follows one of [{}] {}", what(), fmt::join(v.dims, ","), v.type,
                 fmt::join(prev.dims, ","), mindsporeTypeName(prev.dtype));
      prev.bytes += v.contentLength;
      pieces_[it->second].push_back({v.contentOffset, v.contentLength});
      continue;
    }
    index[v.tag] = tensors_.size();
    tensors_.push_back({v.tag, *t, v.dims, v.contentLength});
    pieces_.push_back({{v.contentOffset, v.contentLength}});
    last = v.tag;
  }
  for (auto& t : tensors_) {
    uint64_t es = ir::dtypeSize(t.dtype);
    // MindSpore saves a scalar with dims [0] (or none).
    if ((t.dims.empty() || t.dims == std::vector<int64_t>{0}) && t.bytes == es) t.dims.clear();
    if (elementCount(t.dims) * es != t.bytes)
      ir::fail("{}: tensor '{}': {} bytes of content, shape [{}] {} needs {}", path, t.name, t.bytes,
               fmt::join(t.dims, ","), mindsporeTypeName(t.dtype), elementCount(t.dims) * es);
  }
}

MindSporeCkptReader::~MindSporeCkptReader() {
  if (fd_ >= 0) ::close(fd_);
}

void MindSporeCkptReader::read(const std::string& name, uint64_t offset, uint64_t length, void* dst) {
  size_t i = 0;
  while (i < tensors_.size() && tensors_[i].name != name) ++i;
  if (i == tensors_.size()) ir::fail("{}: no tensor '{}'", path_, name);
  if (offset + length > tensors_[i].bytes)
    ir::fail("{}: tensor '{}': bytes {}..{} lie outside its {}", path_, name, offset, offset + length, tensors_[i].bytes);
  FileCursor f(fd_, path_, 0);
  char* out = static_cast<char*>(dst);
  uint64_t skip = offset, left = length;
  for (const Piece& p : pieces_[i]) {
    if (left == 0) break;
    if (skip >= p.length) {
      skip -= p.length;
      continue;
    }
    uint64_t n = std::min(p.length - skip, left);
    f.readAt(p.fileOffset + skip, out, n);
    out += n;
    left -= n;
    skip = 0;
  }
  bytesRead_ += length;
}

namespace {

class MindSporeCkptWriter : public CheckpointWriter {
 public:
  MindSporeCkptWriter(const std::string& path, std::vector<CheckpointTensorInfo> plan, CkptWriteOptions options)
      : file_(path), plan_(std::move(plan)), options_(options) {
    if (options_.chunkBytes == 0) ir::fail("{}: a chunk size of 0", path);
  }

  void beginTensor(const CheckpointTensorInfo& info) override {
    if (next_ >= plan_.size() || plan_[next_].name != info.name || plan_[next_].bytes != info.bytes)
      ir::fail("{}: tensor '{}' written out of the announced order", file_.path(), info.name);
    current_ = info;
    if (current_.dims.empty()) current_.dims = {0};  // as MindSpore saves a scalar
    type_ = mindsporeTypeName(info.dtype);
    remaining_ = info.bytes;
    chunkLeft_ = 0;
    if (remaining_ == 0) startChunk(0);
  }

  void write(const void* data, size_t n) override {
    const char* p = static_cast<const char*>(data);
    if (n > remaining_) ir::fail("{}: tensor '{}': more than its {} bytes", file_.path(), current_.name, current_.bytes);
    while (n > 0) {
      if (chunkLeft_ == 0) startChunk(std::min(options_.chunkBytes, remaining_));
      uint64_t k = std::min<uint64_t>(n, chunkLeft_);
      out(p, k);
      p += k;
      n -= k;
      chunkLeft_ -= k;
      remaining_ -= k;
    }
  }

  void endTensor() override {
    if (remaining_ != 0 || chunkLeft_ != 0)
      ir::fail("{}: tensor '{}' ended {} bytes short", file_.path(), current_.name, remaining_);
    ++next_;
  }

  void commit() override {
    if (next_ != plan_.size()) ir::fail("{}: {} of {} tensors written", file_.path(), next_, plan_.size());
    if (options_.crc) {
      uint64_t v = crc_.checksum();
      std::string trailer(kCrcMagic, 7);
      // MindSpore writes crc_num.to_bytes(10, 'big'): the 32-bit CRC after six zero bytes.
      trailer.append(6, '\0');
      for (int i = 3; i >= 0; --i) trailer += char((v >> (8 * i)) & 0xff);
      file_.write(trailer);
    }
    file_.commit();
  }

 private:
  void out(const void* p, uint64_t n) {
    file_.write(p, n);
    if (options_.crc) crc_.process_bytes(p, n);
  }

  // One Checkpoint message per chunk: Checkpoint{value: Value{tag, tensor: TensorProto{dims..., tensor_type,
  // tensor_content}}}, fields in number order as protobuf serializes them; the content follows as it comes.
  void startChunk(uint64_t contentBytes) {
    auto vs = [](uint64_t v) { return uint64_t(CodedOutputStream::VarintSize64(v)); };
    uint64_t tensorLen = 0;
    for (int64_t d : current_.dims) tensorLen += 1 + vs(uint64_t(d));
    tensorLen += 1 + vs(type_.size()) + type_.size() + 1 + vs(contentBytes) + contentBytes;
    uint64_t valueLen = 1 + vs(current_.name.size()) + current_.name.size() + 1 + vs(tensorLen) + tensorLen;
    std::string h;
    auto key = [&](uint32_t field, uint32_t wt) { h += char((field << 3) | wt); };
    auto varint = [&](uint64_t v) {
      uint8_t buf[10];
      uint8_t* e = CodedOutputStream::WriteVarint64ToArray(v, buf);
      h.append(reinterpret_cast<char*>(buf), size_t(e - buf));
    };
    key(1, 2);
    varint(valueLen);
    key(1, 2);
    varint(current_.name.size());
    h += current_.name;
    key(2, 2);
    varint(tensorLen);
    for (int64_t d : current_.dims) {
      key(1, 0);
      varint(uint64_t(d));
    }
    key(2, 2);
    varint(type_.size());
    h += type_;
    key(3, 2);
    varint(contentBytes);
    out(h.data(), h.size());
    chunkLeft_ = contentBytes;
  }

  AtomicFileWriter file_;
  std::vector<CheckpointTensorInfo> plan_;
  CkptWriteOptions options_;
  size_t next_ = 0;
  CheckpointTensorInfo current_;
  std::string type_;
  uint64_t remaining_ = 0, chunkLeft_ = 0;
  boost::crc_32_type crc_;
};

}  // namespace

std::unique_ptr<CheckpointWriter> createMindSporeCkpt(const std::string& path,
                                                      const std::vector<CheckpointTensorInfo>& tensors,
                                                      CkptWriteOptions options) {
  return std::make_unique<MindSporeCkptWriter>(path, tensors, options);
}

}  // namespace shardc::frontend
