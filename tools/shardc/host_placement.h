// Where each rank of a job runs when it spans hosts: from an Open MPI hostfile, a --host list, or a MindSpore rank
// table. Read and checked here; `shardc run` turns the placement into mpirun's per-rank --host.
#pragma once

#include <string>
#include <vector>

namespace shardc::tools {

struct HostSlots {
  std::string host;
  int64_t slots = 1;
};

struct HostPlacement {
  std::vector<std::string> hostOfRank;  // by rank
  std::vector<std::string> hosts() const;  // in first-use order
};

// Open MPI's hostfile syntax: one host per line, `slots=N` (and `max_slots=N`, ignored) after it, '#' comments.
// Errors name FILE:LINE.
std::vector<HostSlots> readHostfile(const std::string& path);
// "a:2,b:2" (a host without ":N" has one slot).
std::vector<HostSlots> parseHostList(const std::string& list);
// Ranks fill the hosts in order, each up to its slots, as mpirun maps by slot. Fails when the slots are fewer than
// the ranks.
HostPlacement placeBySlots(const std::vector<HostSlots>& hosts, int64_t ranks, const std::string& what);
// The same with blocks of `block` consecutive ranks (a pipeline stage, the ranks along a mesh axis and those inside
// it) each kept on one host where the slots allow: whole blocks in rank order, each on the host with the fewest
// free slots that hold it; the ranks of blocks no host holds whole fill the slots left, in host order. block 1 is
// placeBySlots.
HostPlacement placeInBlocks(const std::vector<HostSlots>& hosts, int64_t ranks, int64_t block, const std::string& what);
// MindSpore's rank table (server_list[].server_id, server_list[].device[].rank_id): every rank on the server that
// lists it. The table must list ranks 0..ranks-1 once each; errors name the entry (server_list[i].device[j]).
HostPlacement readRankTable(const std::string& path, int64_t ranks);

}  // namespace shardc::tools
