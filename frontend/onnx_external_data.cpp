#include "frontend/onnx_external_data.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/onnx_tensor.h"
#include "ir/error.h"

namespace shardc::frontend {
namespace {

// A read-only mapping of [offset, offset + length) of a file, released on scope exit.
class MappedRange {
 public:
  MappedRange(const std::string& path, uint64_t offset, uint64_t length, const std::string& what) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) ir::fail("tensor '{}': cannot open its external data file {}", what, path);
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) ir::fail("tensor '{}': {} is not a regular file", what, path);
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (offset > size || length > size - offset)
      ir::fail("tensor '{}': bytes [{}, {}) lie past the end of {} ({} bytes)", what, offset, offset + length, path, size);
    if (length == 0) return;
    uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    uint64_t start = offset / page * page;
    mapLength_ = static_cast<size_t>(offset - start + length);
    map_ = ::mmap(nullptr, mapLength_, PROT_READ, MAP_PRIVATE, fd_, static_cast<off_t>(start));
    if (map_ == MAP_FAILED) ir::fail("tensor '{}': cannot map {}", what, path);
    ::madvise(map_, mapLength_, MADV_SEQUENTIAL);
    data_ = static_cast<const std::byte*>(map_) + (offset - start);
  }
  ~MappedRange() {
    if (map_ && map_ != MAP_FAILED) ::munmap(map_, mapLength_);
    if (fd_ >= 0) ::close(fd_);
  }
  MappedRange(const MappedRange&) = delete;
  MappedRange& operator=(const MappedRange&) = delete;
  const std::byte* data() const { return data_; }

 private:
  int fd_ = -1;
  void* map_ = nullptr;
  size_t mapLength_ = 0;
  const std::byte* data_ = nullptr;
};

uint64_t parseCount(const std::string& key, const std::string& value, const std::string& what) {
  try {
    size_t used = 0;
    long long v = std::stoll(value, &used);
    if (used != value.size() || v < 0) throw std::invalid_argument(value);
    return static_cast<uint64_t>(v);
  } catch (const std::exception&) {
    ir::fail("tensor '{}': external data '{}' is \"{}\", not a byte count", what, key, value);
  }
}

}  // namespace

void readExternalData(const onnx::TensorProto& t, const std::string& what, const std::string& modelDir, uint64_t bytes,
                      std::span<std::byte> into) {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const auto& e : t.external_data()) {
    if (e.key() == "location") location = e.value();
    else if (e.key() == "offset") offset = parseCount(e.key(), e.value(), what);
    else if (e.key() == "length") length = parseCount(e.key(), e.value(), what);
  }
  if (location.empty()) ir::fail("tensor '{}': its external data has no 'location'", what);
  std::filesystem::path rel(location);
  if (rel.is_absolute() || std::any_of(rel.begin(), rel.end(), [](const auto& part) { return part == ".."; }))
    ir::fail("tensor '{}': external data location '{}' is outside the model's folder", what, location);
  if (length && *length != bytes)
    ir::fail("tensor '{}': external data length {} in {}, shape [{}] of {} needs {}", what, *length, location,
             fmt::join(t.dims(), ","), ir::dtypeName(dtypeFromOnnx(t.data_type(), what)), bytes);
  MappedRange range((std::filesystem::path(modelDir) / rel).string(), offset, bytes, what);
  if (bytes) std::copy(range.data(), range.data() + bytes, into.begin());
}

}  // namespace shardc::frontend
