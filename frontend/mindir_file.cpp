#include "frontend/mindir_file.h"

#include <climits>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <google/protobuf/io/coded_stream.h>

#include "ir/error.h"

namespace shardc::frontend::mindir_file {
namespace {

constexpr int kVarint = 0, kLengthDelimited = 2;

// ModelProto's wire type for each field number (reference/mindspore.md §3); -1 for numbers it does not use.
int expectedWireType(uint32_t field) {
  if (field == 10 || field == 13) return kVarint;  // little_endian, mind_ir_version
  if ((field >= 1 && field <= 9) || field == 11 || field == 12 || field == 14) return kLengthDelimited;
  return -1;
}

struct Walk {
  enum Outcome { Complete, CutShort, Foreign } outcome = Complete;
  int fields = 0;  // whole, well-typed top-level fields read before the outcome
  uint64_t at = 0;  // where the walk stopped
};

// Walks the top-level fields of `bytes` without parsing them: this is what tells a damaged MindIR (its first
// fields read as ModelProto's) from a file that is something else (its first bytes do not).
Walk walkTopLevel(std::string_view bytes) {
  Walk w;
  const int size = static_cast<int>(std::min<size_t>(bytes.size(), INT_MAX));
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()), size);
  in.SetTotalBytesLimit(INT_MAX);
  while (true) {
    w.at = static_cast<uint64_t>(in.CurrentPosition());
    if (in.CurrentPosition() >= size) return w;
    uint32_t tag = in.ReadTag();
    if (tag == 0) {
      w.outcome = w.fields == 0 ? Walk::Foreign : Walk::CutShort;
      return w;
    }
    int wire = static_cast<int>(tag & 7);
    if (expectedWireType(tag >> 3) != wire) {
      w.outcome = Walk::Foreign;
      return w;
    }
    if (wire == kVarint) {
      uint64_t v = 0;
      if (!in.ReadVarint64(&v)) {
        w.outcome = Walk::CutShort;
        return w;
      }
    } else {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length) || length > static_cast<uint32_t>(size - in.CurrentPosition()) ||
          !in.Skip(static_cast<int>(length))) {
        w.outcome = Walk::CutShort;
        return w;
      }
    }
    ++w.fields;
  }
}

[[noreturn]] void notMindIr(const std::string& path) {
  ir::fail("{}: does not parse as MindIR (an encrypted MindIR is not supported)", path);
}

}  // namespace

bool looksLikeModel(std::string_view head) {
  if (head.empty()) return false;
  uint8_t first = static_cast<uint8_t>(head[0]);
  // ir_version (field 1) or producer_name (field 2), both strings: 0x0A or 0x12.
  if (first != ((1 << 3) | kLengthDelimited) && first != ((2 << 3) | kLengthDelimited)) return false;
  return walkTopLevel(head).outcome != Walk::Foreign;
}

shardc::mindir::ModelProto readModel(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) ir::fail("{}: is a directory, not a MindIR model", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) ir::fail("{}: cannot open", path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  if (bytes.empty()) ir::fail("{}: is empty, not a MindIR model", path);
  if (bytes.size() > static_cast<size_t>(INT_MAX))
    ir::fail("{}: {} bytes, over protobuf's 2 GiB limit (MindSpore puts the weights of such models in external data "
             "files)", path, bytes.size());
  Walk w = walkTopLevel(bytes);
  // Two whole ModelProto fields are the start of a MindIR (ir_version, producer_name); fewer, and the bytes are
  // more likely something else that happens to begin like one.
  if (w.outcome != Walk::Complete && w.fields < 2) notMindIr(path);
  if (w.outcome != Walk::Complete)
    ir::fail("{}: truncated or corrupt MindIR (its protobuf breaks off at byte {} of {})", path, w.at, bytes.size());
  shardc::mindir::ModelProto model;
  if (!model.ParseFromString(bytes)) ir::fail("{}: truncated or corrupt MindIR (protobuf parse failed)", path);
  if (!model.has_graph()) notMindIr(path);
  return model;
}

}  // namespace shardc::frontend::mindir_file
