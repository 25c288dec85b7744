#include "tools/shardc/host_placement.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ir/error.h"

namespace shardc::tools {
namespace {

int64_t positive(const std::string& text, const std::string& where) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1)
    ir::fail("{}: '{}' is not a positive number", where, text);
  return v;
}

// A rank_id: MindSpore writes it as a string of digits; a number is accepted too.
int64_t rankId(const nlohmann::json& j, const std::string& where) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (!j.is_string()) ir::fail("{}: rank_id is not a number", where);
  std::string s = j.get<std::string>();
  int64_t v = -1;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) ir::fail("{}: rank_id '{}' is not a rank", where, s);
  return v;
}

}  // namespace

std::vector<std::string> HostPlacement::hosts() const {
  std::vector<std::string> out;
  for (const auto& h : hostOfRank)
    if (std::find(out.begin(), out.end(), h) == out.end()) out.push_back(h);
  return out;
}

std::vector<HostSlots> readHostfile(const std::string& path) {
  std::ifstream in(path);
  if (!in) ir::fail("{}: cannot read the hostfile", path);
  std::vector<HostSlots> hosts;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string host, field;
    if (!(words >> host)) continue;
    std::string where = path + ":" + std::to_string(number);
    HostSlots h{host, 1};
    while (words >> field) {
      auto eq = field.find('=');
      std::string key = field.substr(0, eq);
      if (eq == std::string::npos || (key != "slots" && key != "max_slots" && key != "max-slots"))
        ir::fail("{}: '{}': expected slots=N or max_slots=N after the host", where, field);
      int64_t n = positive(field.substr(eq + 1), where);
      if (key == "slots") h.slots = n;
    }
    hosts.push_back(h);
  }
  if (hosts.empty()) ir::fail("{}: the hostfile lists no host", path);
  return hosts;
}

std::vector<HostSlots> parseHostList(const std::string& list) {
  std::vector<HostSlots> hosts;
  std::stringstream items(list);
  std::string item;
  while (std::getline(items, item, ',')) {
    auto colon = item.find(':');
    std::string host = item.substr(0, colon);
    if (host.empty()) ir::fail("--host '{}': an entry has no host name", list);
    hosts.push_back({host, colon == std::string::npos ? 1 : positive(item.substr(colon + 1), "--host '" + list + "'")});
  }
  if (hosts.empty()) ir::fail("--host '{}': no host given", list);
  return hosts;
}

HostPlacement placeBySlots(const std::vector<HostSlots>& hosts, int64_t ranks, const std::string& what) {
  HostPlacement p;
  for (const auto& h : hosts)
    for (int64_t s = 0; s < h.slots && int64_t(p.hostOfRank.size()) < ranks; ++s) p.hostOfRank.push_back(h.host);
  if (int64_t(p.hostOfRank.size()) < ranks)
    ir::fail("{}: {} slot{} for a job of {} ranks", what, p.hostOfRank.size(), p.hostOfRank.size() == 1 ? "" : "s",
             ranks);
  return p;
}

HostPlacement placeInBlocks(const std::vector<HostSlots>& hosts, int64_t ranks, int64_t block, const std::string& what) {
  if (block <= 1 || ranks % block != 0) return placeBySlots(hosts, ranks, what);
  int64_t slots = 0;
  for (const auto& h : hosts) slots += std::min(h.slots, ranks);  // capped: a hostfile may claim any count (fuzzer)
  if (slots < ranks) return placeBySlots(hosts, ranks, what);  // its error
  std::vector<int64_t> free;
  for (const auto& h : hosts) free.push_back(h.slots);
  HostPlacement p;
  p.hostOfRank.assign(size_t(ranks), "");
  std::vector<int64_t> unplaced;
  for (int64_t b = 0; b < ranks / block; ++b) {
    size_t best = hosts.size();
    for (size_t h = 0; h < hosts.size(); ++h)
      if (free[h] >= block && (best == hosts.size() || free[h] < free[best])) best = h;
    for (int64_t r = b * block; r < (b + 1) * block; ++r) {
      if (best == hosts.size()) unplaced.push_back(r);
      else p.hostOfRank[size_t(r)] = hosts[best].host;
    }
    if (best != hosts.size()) free[best] -= block;
  }
  size_t h = 0;
  for (int64_t r : unplaced) {
    while (free[h] == 0) ++h;
    p.hostOfRank[size_t(r)] = hosts[h].host;
    --free[h];
  }
  return p;
}

HostPlacement readRankTable(const std::string& path, int64_t ranks) {
  std::ifstream in(path);
  if (!in) ir::fail("{}: cannot read the rank table", path);
  nlohmann::json t = nlohmann::json::parse(in, nullptr, false);
  if (t.is_discarded() || !t.is_object()) ir::fail("{}: not a JSON rank table", path);
  if (!t.contains("server_list") || !t["server_list"].is_array()) ir::fail("{}: no server_list", path);
  HostPlacement p;
  p.hostOfRank.assign(size_t(std::max<int64_t>(ranks, 0)), "");
  int64_t listed = 0;
  const auto& servers = t["server_list"];
  for (size_t i = 0; i < servers.size(); ++i) {
    std::string where = path + ": server_list[" + std::to_string(i) + "]";
    const auto& s = servers[i];
    if (!s.is_object() || !s.contains("server_id") || !s["server_id"].is_string())
      ir::fail("{}: no server_id", where);
    if (!s.contains("device") || !s["device"].is_array()) ir::fail("{}: no device list", where);
    std::string host = s["server_id"].get<std::string>();
    for (size_t j = 0; j < s["device"].size(); ++j) {
      std::string entry = where + ".device[" + std::to_string(j) + "]";
      const auto& d = s["device"][j];
      if (!d.is_object() || !d.contains("rank_id")) ir::fail("{}: no rank_id", entry);
      int64_t r = rankId(d["rank_id"], entry);
      ++listed;
      if (r >= ranks)
        ir::fail("{}: rank_id {} is outside the job's {} ranks (the table lists more ranks than were compiled?)", entry,
                 r, ranks);
      if (!p.hostOfRank[size_t(r)].empty()) ir::fail("{}: rank_id {} is listed twice", entry, r);
      p.hostOfRank[size_t(r)] = host;
    }
  }
  if (listed != ranks)
    ir::fail("{}: the table lists {} rank{}, the job was compiled for {}", path, listed, listed == 1 ? "" : "s", ranks);
  return p;
}

}  // namespace shardc::tools
