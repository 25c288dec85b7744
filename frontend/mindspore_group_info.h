// MindSpore's group-info file (group_ckpt_save_file, GROUP_INFO_FILE; what MindSpore Lite reads with a per-rank
// MindIR): a binary ParallelGroupMap listing each communication group by name with its ranks. Group names are
// MindSpore's "<n>-<hash of the ranks>", which cannot be recomputed portably: a per-rank MindIR whose collectives
// name their group without group_ranks needs this file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace shardc::frontend {

using GroupRanks = std::map<std::string, std::vector<int64_t>>;

// Group name -> its ranks in group order. Throws ir::Error naming the file: cannot open, not a ParallelGroupMap, a
// group listed twice or with no ranks.
GroupRanks readGroupInfoFile(const std::string& path);

// Writes `groups` as a ParallelGroupMap (ckpt_restore_rank_list: `restoreRanks`), atomically.
void writeGroupInfoFile(const std::string& path, const GroupRanks& groups, const std::vector<int64_t>& restoreRanks = {});

}  // namespace shardc::frontend
