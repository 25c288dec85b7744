#include "frontend/mindspore_group_info.h"

#include <fstream>
#include <sstream>

#include "frontend/atomic_file.h"
#include "ir/error.h"
#include "mindspore_strategy.pb.h"

namespace shardc::frontend {

namespace pb = mindspore::straspb;

GroupRanks readGroupInfoFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ir::fail("{}: cannot open the group-info file", path);
  std::stringstream ss;
  ss << in.rdbuf();
  pb::ParallelGroupMap m;
  // ckpt_restore_rank_list (required) came later than the groups: a file without it is still read.
  if (!m.ParsePartialFromString(ss.str()))
    ir::fail("{}: not a MindSpore group-info file (a ParallelGroupMap; protobuf parse failed)", path);
  GroupRanks groups;
  for (const auto& item : m.parallel_group_item()) {
    if (item.group_name().empty()) ir::fail("{}: a group has no name", path);
    std::vector<int64_t> ranks(item.parallel_group_ranks().dim().begin(), item.parallel_group_ranks().dim().end());
    if (ranks.empty()) ir::fail("{}: group '{}' has no ranks", path, item.group_name());
    if (!groups.emplace(item.group_name(), ranks).second) ir::fail("{}: group '{}' is listed twice", path, item.group_name());
  }
  return groups;
}

void writeGroupInfoFile(const std::string& path, const GroupRanks& groups, const std::vector<int64_t>& restoreRanks) {
  pb::ParallelGroupMap m;
  for (const auto& [name, ranks] : groups) {
    auto* item = m.add_parallel_group_item();
    item->set_group_name(name);
    for (int64_t r : ranks) item->mutable_parallel_group_ranks()->add_dim(static_cast<uint32_t>(r));
  }
  auto* restore = m.mutable_ckpt_restore_rank_list();
  for (int64_t r : restoreRanks) restore->add_dim(static_cast<uint32_t>(r));
  writeFileAtomically(path, m.SerializeAsString());
}

}  // namespace shardc::frontend
