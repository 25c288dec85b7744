// shardc run across hosts (--dry-run: the mpirun command it would start): an Open MPI hostfile, a --host list and a
// MindSpore rank table for the same placement give the same command, each rank's context on its host; the
// placement, which mesh axes' collectives cross hosts, and which of the program's collectives do with their bytes
// are printed and written to OUT/placement.json; bad
// tables and hostfiles give one error naming the entry.
#include <gtest/gtest.h>

#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "tools/shardc/host_placement.h"

namespace shardc {
namespace {
using testing::runCli;
using testing::TempDir;

// A compiled job's manifest: 8 ranks on a 2x4 mesh (run reads only the manifest before it starts mpirun).
void writeJob(const TempDir& dir, bool library = false) {
  nlohmann::json m;
  m["format"] = "shardc-manifest";
  m["mesh"] = {2, 4};
  m["collectives"] = nlohmann::json::array({{{"op", "AllReduce %h"}, {"axes", {1}}, {"bytes", 4096}},
                                            {{"op", "AllGather %y"}, {"axes", {0}}, {"bytes", 160}}});
  for (int r = 0; r < 8; ++r)
    m["rank_programs"].push_back({{"rank", r}, {"program", "program_0"},
                                  {"executable", library ? "" : "bin/rank_" + std::to_string(r)}});
  std::ofstream(dir / "manifest.json") << m.dump();
}

std::string rankTable(const std::vector<std::pair<std::string, std::vector<std::string>>>& servers) {
  nlohmann::json t = {{"version", "1.0"}, {"server_count", std::to_string(servers.size())}, {"status", "completed"}};
  for (const auto& [id, ranks] : servers) {
    nlohmann::json s = {{"server_id", id}, {"host_nic_ip", "reserve"}};
    for (size_t d = 0; d < ranks.size(); ++d)
      s["device"].push_back({{"device_id", std::to_string(d)}, {"device_ip", "0.0.0.0"}, {"rank_id", ranks[d]}});
    t["server_list"].push_back(s);
  }
  return t.dump(2);
}

std::string mpirunLine(const std::string& out) {
  auto at = out.find("mpirun");
  return at == std::string::npos ? "" : out.substr(at, out.find('\n', at) - at);
}

TEST(CliRunPlacement, HostfileHostListAndRankTableGiveTheSameJob) {
  TempDir dir("run_placement");
  TempDir job("run_placement_job");
  writeJob(job);
  std::ofstream(dir / "hosts") << "# two hosts\nhostA slots=4\nhostB slots=4 max_slots=8\n";
  std::ofstream(dir / "table.json") << rankTable({{"hostA", {"0", "1", "2", "3"}}, {"hostB", {"4", "5", "6", "7"}}});
  auto a = runCli({"run", job.path().string(), "--dry-run", "--hostfile", dir / "hosts", "--", "--repeat", "3"});
  auto b = runCli({"run", job.path().string(), "--dry-run", "--host", "hostA:4,hostB:4", "--", "--repeat", "3"});
  auto c = runCli({"run", job.path().string(), "--dry-run", "--rank-table", dir / "table.json", "--", "--repeat", "3"});
  for (const auto* r : {&a, &b, &c}) ASSERT_EQ(r->status, 0) << r->err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.out, c.out);
  std::string bin = (job.path() / "bin").string();
  std::string line = mpirunLine(a.out);
  EXPECT_NE(line.find(" --host hostA:4,hostB:4 -np 1 --host hostA:4 " + bin + "/rank_0 --repeat 3 : -np 1 --host hostA:4 "),
            std::string::npos)
      << line;
  EXPECT_NE(line.find(": -np 1 --host hostB:4 " + bin + "/rank_4 --repeat 3"), std::string::npos) << line;
  EXPECT_NE(line.find(": -np 1 --host hostB:4 " + bin + "/rank_7 --repeat 3"), std::string::npos) << line;
  EXPECT_NE(a.out.find("shardc run: hostA: ranks 0,1,2,3\nshardc run: hostB: ranks 4,5,6,7\n"), std::string::npos) << a.out;
  // Mesh 2x4: axis 0 pairs rank r with r±4 (the other host), axis 1 runs within a host.
  EXPECT_NE(a.out.find("collectives along mesh axis 0 (2 ranks) cross hosts"), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("collectives along mesh axis 1 (4 ranks) stay within a host"), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("shardc run: crosses hosts: AllGather %y, 160 bytes per run\n"), std::string::npos) << a.out;
  EXPECT_EQ(a.out.find("AllReduce %h"), std::string::npos) << a.out;
  std::ifstream in(job / "placement.json");
  nlohmann::json p = nlohmann::json::parse(in);
  EXPECT_EQ(p["ranks"], nlohmann::json({"hostA", "hostA", "hostA", "hostA", "hostB", "hostB", "hostB", "hostB"}));
  EXPECT_EQ(p["mesh_axes"][0]["crosses_hosts"], true);
  EXPECT_EQ(p["mesh_axes"][1]["crosses_hosts"], false);
  EXPECT_EQ(p["cross_host_bytes"], 160);
}

// Hosts of 3 and 5 slots: in rank order the AllReduce's axis (ranks 0-3, 4-7) would straddle them; kept whole,
// ranks 0-3 go to the 5-slot host and only the second group, which fits nowhere whole, is split.
TEST(CliRunPlacement, TheBusiestAxisStaysOnOneHostWhereTheSlotsAllow) {
  TempDir job("run_blocks_job");
  writeJob(job);
  auto r = runCli({"run", job.path().string(), "--dry-run", "--host", "small:3,big:5"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("shardc run: big: ranks 0,1,2,3,7\nshardc run: small: ranks 4,5,6\n"), std::string::npos) << r.out;
  // Two hosts of 4: the same as rank order, the AllReduce within each host.
  auto even = runCli({"run", job.path().string(), "--dry-run", "--host", "a:4,b:4"});
  EXPECT_NE(even.out.find("shardc run: a: ranks 0,1,2,3\nshardc run: b: ranks 4,5,6,7\n"), std::string::npos) << even.out;
  EXPECT_EQ(even.out.find("AllReduce %h"), std::string::npos) << even.out;
}

TEST(CliRunPlacement, APipelineKeepsEachStageOnOneHost) {
  TempDir job("run_stages_job");
  nlohmann::json m;
  m["format"] = "shardc-manifest";
  m["mesh"] = {2, 2};
  m["stages"] = nlohmann::json::array({{{"stage", 0}, {"ranks", {0, 1}}}, {{"stage", 1}, {"ranks", {2, 3}}}});
  for (int k = 0; k < 4; ++k)
    m["rank_programs"].push_back({{"rank", k}, {"program", k < 2 ? "program_0" : "program_1"},
                                  {"executable", "bin/rank_" + std::to_string(k)}});
  m["transfers"] = nlohmann::json::array({{{"value", "h"}, {"from", 0}, {"to", 2}, {"bytes", 512}},
                                          {{"value", "h"}, {"from", 1}, {"to", 3}, {"bytes", 512}},
                                          {{"value", "y"}, {"from", 2}, {"to", 0}, {"bytes", 64}}});
  std::ofstream(job / "manifest.json") << m.dump();
  auto r = runCli({"run", job.path().string(), "--dry-run", "--host", "x:1,y:2,z:1"});
  ASSERT_EQ(r.status, 0) << r.err;
  // Stage 0 on the one host it fits whole, stage 1's ranks on what is left.
  EXPECT_NE(r.out.find("shardc run: y: ranks 0,1\nshardc run: x: ranks 2\nshardc run: z: ranks 3\n"), std::string::npos)
      << r.out;
  // Every message between the stages crosses hosts here.
  EXPECT_NE(r.out.find("shardc run: crosses hosts: %h from rank 1 to rank 3, 512 bytes per run\n"), std::string::npos)
      << r.out;
  std::ifstream in(job / "placement.json");
  nlohmann::json p = nlohmann::json::parse(in);
  EXPECT_EQ(p["cross_host_bytes"], 512 + 512 + 64);
}

// Found by the hostfile fuzzer: slot counts near 2^63 overflowed their sum (tests/fuzz/regressions/hostfile/), which
// sent the job to plain rank order. Counts are capped at the job's ranks.
TEST(CliRunPlacement, HugeSlotCountsDoNotOverflow) {
  int64_t huge = std::numeric_limits<int64_t>::max();
  tools::HostPlacement p = tools::placeInBlocks({{"small", 3}, {"big1", huge}, {"big2", huge}}, 8, 4, "hosts");
  EXPECT_EQ(p.hostOfRank, std::vector<std::string>(8, "big1"));
}

TEST(CliRunPlacement, ARankTablePlacesEachRankOnTheServerListingIt) {
  TempDir dir("run_table_order");
  TempDir job("run_table_order_job");
  writeJob(job);
  // Interleaved: even ranks on one server, odd on the other; now axis 1 crosses hosts and axis 0 does not.
  std::ofstream(dir / "table.json") << rankTable({{"s1", {"0", "2", "4", "6"}}, {"s2", {"1", "3", "5", "7"}}});
  auto r = runCli({"run", job.path().string(), "--dry-run", "--rank-table", dir / "table.json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("shardc run: s1: ranks 0,2,4,6\nshardc run: s2: ranks 1,3,5,7\n"), std::string::npos) << r.out;
  EXPECT_NE(mpirunLine(r.out).find("-np 1 --host s2:4 " + (job.path() / "bin").string() + "/rank_1"), std::string::npos);
  EXPECT_NE(r.out.find("mesh axis 0 (2 ranks) stay within a host"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mesh axis 1 (4 ranks) cross hosts"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("shardc run: crosses hosts: AllReduce %h, 4096 bytes per run\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("AllGather %y"), std::string::npos) << r.out;
}

TEST(CliRunPlacement, BadPlacementsAreOneErrorNamingTheEntry) {
  TempDir dir("run_bad_placement");
  TempDir job("run_bad_placement_job");
  writeJob(job);
  struct Case {
    std::vector<std::string> args;
    std::string file, content, message;
  };
  std::string table = dir / "table.json", hosts = dir / "hosts";
  std::vector<Case> cases = {
      {{"--rank-table", table}, table, rankTable({{"a", {"0", "1", "2", "3"}}, {"b", {"4", "5", "6"}}}),
       table + ": the table lists 7 ranks, the job was compiled for 8"},
      {{"--rank-table", table}, table, rankTable({{"a", {"0", "1", "2", "3"}}, {"b", {"4", "5", "5", "7"}}}),
       table + ": server_list[1].device[2]: rank_id 5 is listed twice"},
      {{"--rank-table", table}, table, rankTable({{"a", {"0", "1", "2", "3"}}, {"b", {"4", "5", "6", "9"}}}),
       table + ": server_list[1].device[3]: rank_id 9 is outside the job's 8 ranks"},
      {{"--rank-table", table}, table, rankTable({{"a", {"0", "x", "2", "3"}}}),
       table + ": server_list[0].device[1]: rank_id 'x' is not a rank"},
      {{"--rank-table", table}, table, "{\"server_list\": [{\"device\": []}]}", table + ": server_list[0]: no server_id"},
      {{"--rank-table", table}, table, "not json", table + ": not a JSON rank table"},
      {{"--hostfile", hosts}, hosts, "a slots=4\nb cpus=4\n", hosts + ":2: 'cpus=4': expected slots=N or max_slots=N"},
      {{"--hostfile", hosts}, hosts, "a slots=0\n", hosts + ":1: '0' is not a positive number"},
      {{"--hostfile", hosts}, hosts, "a slots=2\n", hosts + ": 2 slots for a job of 8 ranks"},
      {{"--host", "a:2,b:x"}, "", "", "--host 'a:2,b:x': 'x' is not a positive number"},
  };
  for (const Case& c : cases) {
    if (!c.file.empty()) std::ofstream(c.file) << c.content;
    std::vector<std::string> args = {"run", job.path().string(), "--dry-run"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = runCli(args);
    EXPECT_EQ(r.status, 1) << c.message;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(testing::lineCount(r.err), 1) << r.err;
    EXPECT_EQ(r.out, "") << c.message;
    EXPECT_FALSE(std::filesystem::exists(job / "placement.json")) << c.message;
  }
  TempDir lib("run_library_job");
  writeJob(lib, true);
  auto r = runCli({"run", lib.path().string(), "--dry-run"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("was compiled as a library (--emit lib): there are no executables to run"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace shardc
