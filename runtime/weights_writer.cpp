#include "runtime/weights_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace shardrt {
namespace {

void put32(std::string& s, uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); }
void put64(std::string& s, uint64_t v) { s.append(reinterpret_cast<const char*>(&v), 8); }
uint64_t alignUp(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

}  // namespace

void writeWeightsFile(const std::string& path, const std::vector<WeightEntry>& entries) {
  std::string table;
  std::vector<uint64_t> offsets;
  uint64_t cursor = 0;
  for (const auto& e : entries) {
    offsets.push_back(cursor);
    put32(table, static_cast<uint32_t>(e.name.size()));
    table += e.name;
    put32(table, static_cast<uint32_t>(e.dtype));
    put32(table, static_cast<uint32_t>(e.dims.size()));
    for (int64_t d : e.dims) put64(table, static_cast<uint64_t>(d));
    put64(table, cursor);
    put64(table, e.nbytes);
    cursor = alignUp(cursor + e.nbytes, 64);
  }
  uint64_t tableOffset = 64, dataOffset = alignUp(tableOffset + table.size(), 4096);
  std::string header("SHARDCW1", 8);
  put32(header, 1);
  put32(header, static_cast<uint32_t>(entries.size()));
  put64(header, tableOffset);
  put64(header, table.size());
  put64(header, dataOffset);
  header.resize(64, '\0');

  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw std::runtime_error(path + ": cannot write: " + std::strerror(errno));
  bool ok = std::fwrite(header.data(), 1, header.size(), f) == header.size();
  ok = ok && std::fwrite(table.data(), 1, table.size(), f) == table.size();
  std::string pad(static_cast<size_t>(dataOffset - tableOffset - table.size()), '\0');
  ok = ok && std::fwrite(pad.data(), 1, pad.size(), f) == pad.size();
  uint64_t written = 0;
  for (size_t i = 0; i < entries.size() && ok; ++i) {
    std::string gap(static_cast<size_t>(offsets[i] - written), '\0');
    ok = std::fwrite(gap.data(), 1, gap.size(), f) == gap.size();
    ok = ok && (entries[i].nbytes == 0 || std::fwrite(entries[i].data, 1, entries[i].nbytes, f) == entries[i].nbytes);
    written = offsets[i] + entries[i].nbytes;
  }
  int err = errno;
  ok = (std::fflush(f) == 0) && ok;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": cannot write: " + std::strerror(err ? err : errno));
  }
}

}  // namespace shardrt
