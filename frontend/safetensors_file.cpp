#include "frontend/safetensors_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "frontend/atomic_file.h"
#include "frontend/json_integers.h"
#include "ir/error.h"

namespace shardc::frontend {
namespace {

using nlohmann::json;

// The format's own cap on the header (100 MB): anything larger is not a safetensors file.
constexpr uint64_t kMaxHeader = 100'000'000;

struct DTypeName {
  ir::DType dtype;
  const char* name;
};
constexpr DTypeName kNames[] = {
    {ir::DType::boolean, "BOOL"}, {ir::DType::u8, "U8"},   {ir::DType::i8, "I8"},     {ir::DType::i16, "I16"},
    {ir::DType::u16, "U16"},      {ir::DType::f16, "F16"}, {ir::DType::bf16, "BF16"}, {ir::DType::i32, "I32"},
    {ir::DType::u32, "U32"},      {ir::DType::f32, "F32"}, {ir::DType::f64, "F64"},   {ir::DType::i64, "I64"},
    {ir::DType::u64, "U64"},
};

}  // namespace

std::string safetensorsDTypeName(ir::DType t) {
  for (const auto& n : kNames)
    if (n.dtype == t) return n.name;
  ir::fail("no safetensors dtype for {}", ir::dtypeName(t));
}

SafetensorsReader::SafetensorsReader(const std::string& path) {
  path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) ir::fail("{}: cannot open: {}", path, std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    ir::fail("{}: cannot read: {}", path, std::strerror(errno));
  }
  size_ = uint64_t(st.st_size);
  if (size_ > 0) {
    void* m = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      ::close(fd);
      ir::fail("{}: cannot map: {}", path, std::strerror(errno));
    }
    map_ = static_cast<const char*>(m);
  }
  ::close(fd);
  if (size_ < 8) ir::fail("{}: truncated: {} bytes, no header length", path, size_);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | uint8_t(map_[i]);
  if (n > kMaxHeader) ir::fail("{}: a header of {} bytes (more than safetensors allows)", path, n);
  if (8 + n > size_) ir::fail("{}: truncated: a header of {} bytes in a file of {}", path, n, size_);
  dataStart_ = 8 + n;
  json header;
  try {
    header = json::parse(map_ + 8, map_ + 8 + n);
  } catch (const json::exception& e) {
    ir::fail("{}: the header is not JSON: {}", path, e.what());
  }
  if (!header.is_object()) ir::fail("{}: the header is not a JSON object", path);
  struct Entry {
    CheckpointTensorInfo info;
    uint64_t begin, end;
  };
  std::vector<Entry> entries;
  for (const auto& [name, item] : header.items()) {
    auto what = [&] { return path + ": tensor '" + name + "'"; };
    if (name == "__metadata__") {
      if (!item.is_object()) ir::fail("{}: __metadata__ is not an object", path);
      for (const auto& [k, v] : item.items()) {
        if (!v.is_string()) ir::fail("{}: __metadata__ '{}' is not a string", path, k);
        metadata_[k] = v.get<std::string>();
      }
      continue;
    }
    if (!item.is_object() || !item.contains("dtype") || !item.contains("shape") || !item.contains("data_offsets"))
      ir::fail("{}: needs dtype, shape and data_offsets", what());
    Entry e;
    e.info.name = name;
    try {
      std::string dt = item["dtype"].get<std::string>();
      auto it = std::find_if(std::begin(kNames), std::end(kNames), [&](const DTypeName& d) { return dt == d.name; });
      if (it == std::end(kNames)) ir::unsupported("{}: dtype {} is not supported", what(), dt);
      e.info.dtype = it->dtype;
      if (!hasOnlyIntegerNumbers(item["shape"]) || !hasOnlyIntegerNumbers(item["data_offsets"]))
        ir::fail("{}: shape and data_offsets must be integers", what());
      e.info.dims = item["shape"].get<std::vector<int64_t>>();
      auto offsets = item["data_offsets"].get<std::vector<uint64_t>>();
      if (offsets.size() != 2) ir::fail("{}: data_offsets needs two numbers", what());
      e.begin = offsets[0];
      e.end = offsets[1];
    } catch (const json::exception& ex) {
      ir::fail("{}: {}", what(), ex.what());
    }
    uint64_t count = 1;
    for (int64_t d : e.info.dims) {
      if (d < 0) ir::fail("{}: a negative dim", what());
      count *= uint64_t(d);
    }
    e.info.bytes = count * ir::dtypeSize(e.info.dtype);
    if (e.end < e.begin || e.end - e.begin != e.info.bytes)
      ir::fail("{}: data_offsets [{}, {}) hold {} bytes, its shape and dtype need {}", what(), e.begin, e.end,
               e.end - std::min(e.begin, e.end), e.info.bytes);
    if (dataStart_ + e.end > size_) ir::fail("{}: its data ends past the end of the file", what());
    entries.push_back(e);
  }
  // The data is the tensors back to back: sorted by offset, each starts where the previous ends.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t cursor = 0;
  for (const Entry& e : entries) {
    if (e.begin < cursor) ir::fail("{}: tensor '{}' overlaps the one before it", path, e.info.name);
    if (e.begin > cursor) ir::fail("{}: a hole of {} bytes before tensor '{}'", path, e.begin - cursor, e.info.name);
    cursor = e.end;
    tensors_.push_back(e.info);
    begins_.push_back(e.begin);
  }
  if (dataStart_ + cursor != size_) ir::fail("{}: {} bytes after the last tensor", path, size_ - dataStart_ - cursor);
}

SafetensorsReader::~SafetensorsReader() {
  if (map_) ::munmap(const_cast<char*>(map_), size_);
}

void SafetensorsReader::read(const std::string& name, uint64_t offset, uint64_t length, void* dst) {
  for (size_t i = 0; i < tensors_.size(); ++i)
    if (tensors_[i].name == name) {
      if (offset + length > tensors_[i].bytes)
        ir::fail("{}: tensor '{}': bytes {}..{} lie outside its {}", path_, name, offset, offset + length, tensors_[i].bytes);
      std::memcpy(dst, map_ + dataStart_ + begins_[i] + offset, length);
      bytesRead_ += length;
      return;
    }
  ir::fail("{}: no tensor '{}'", path_, name);
}

namespace {

// The header is known from the tensor list, so it is written first and the data streams after it.
class SafetensorsWriter : public CheckpointWriter {
 public:
  SafetensorsWriter(const std::string& path, std::vector<CheckpointTensorInfo> plan,
                    const std::map<std::string, std::string>& metadata)
      : file_(path), plan_(std::move(plan)) {
    json header = json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const auto& t : plan_) {
      if (t.name == "__metadata__") ir::fail("{}: a tensor may not be named __metadata__", path);
      if (header.contains(t.name)) ir::fail("{}: tensor '{}' twice", path, t.name);
      header[t.name] = {{"dtype", safetensorsDTypeName(t.dtype)}, {"shape", t.dims}, {"data_offsets", {offset, offset + t.bytes}}};
      offset += t.bytes;
    }
    std::string text = header.dump();
    text.append((8 - (8 + text.size()) % 8) % 8, ' ');
    std::string lenBytes;
    for (int i = 0; i < 8; ++i) lenBytes += char((uint64_t(text.size()) >> (8 * i)) & 0xff);
    file_.write(lenBytes);
    file_.write(text);
  }

  void beginTensor(const CheckpointTensorInfo& info) override {
    if (next_ >= plan_.size() || plan_[next_].name != info.name || plan_[next_].bytes != info.bytes)
      ir::fail("{}: tensor '{}' written out of the announced order", file_.path(), info.name);
    remaining_ = info.bytes;
  }
  void write(const void* data, size_t n) override {
    if (n > remaining_) ir::fail("{}: tensor '{}': more than its {} bytes", file_.path(), plan_[next_].name, plan_[next_].bytes);
    file_.write(data, n);
    remaining_ -= n;
  }
  void endTensor() override {
    if (remaining_ != 0) ir::fail("{}: tensor '{}' ended {} bytes short", file_.path(), plan_[next_].name, remaining_);
    ++next_;
  }
  void commit() override {
    if (next_ != plan_.size()) ir::fail("{}: {} of {} tensors written", file_.path(), next_, plan_.size());
    file_.commit();
  }

 private:
  AtomicFileWriter file_;
  std::vector<CheckpointTensorInfo> plan_;
  size_t next_ = 0;
  uint64_t remaining_ = 0;
};

}  // namespace

std::unique_ptr<CheckpointWriter> createSafetensors(const std::string& path, const std::vector<CheckpointTensorInfo>& tensors,
                                                    const std::map<std::string, std::string>& metadata) {
  return std::make_unique<SafetensorsWriter>(path, tensors, metadata);
}

}  // namespace shardc::frontend
