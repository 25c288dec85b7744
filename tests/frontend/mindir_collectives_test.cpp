// A per-rank MindIR's communication primitives (AllReduce, AllGather, ReduceScatter, AlltoAll with group,
// group_ranks, rank_size) import as the ir collectives of a rank program, their group from group_ranks (a tuple or
// a '-'/',' string) or from the group-info file by name; the group-info file reads back as written; an unknown
// group, Send/Receive and inconsistent attributes are one clear error each.
#include <gtest/gtest.h>

#include "file_test_util.h"
#include "frontend/mindir_importer.h"
#include "frontend/mindspore_group_info.h"
#include "ir/error.h"
#include "ir/printer.h"
#include "mindir_test_util.h"

namespace shardc {
namespace {
using frontend::MindIrAttrs;
using frontend::MindIrValue;
using frontend::MindIrWriter;
using testing::f32;
using testing::named;

class MindIrCollectives : public testing::FileTest {
 protected:
  // x [4, 6] -> primitive(attrs) -> output; the imported graph's one collective.
  ir::Graph import(const std::string& primitive, const MindIrAttrs& attrs, frontend::ImportOptions options = {},
                   const std::string& scope = "Default/network/AllReduce-op3") {
    MindIrWriter w("net");
    MindIrWriter::Graph& g = w.main();
    std::string x = g.input("x", f32({4, 6}));
    std::string y = g.node(primitive, {x}, attrs, named("y", std::nullopt, scope));
    g.output(g.node("ReLU", {y}, {}, named("out")));
    w.write(path("rank.mindir"));
    return frontend::importMindIrFile(path("rank.mindir"), options);
  }
  const ir::Op& collective(const ir::Graph& g) {
    for (const ir::Op& op : g.ops())
      if (op.attrs.has("group_ranks")) return op;
    ADD_FAILURE() << ir::printGraph(g);
    return g.ops().at(0);
  }
  std::string errorOf(const std::string& primitive, const MindIrAttrs& attrs, frontend::ImportOptions options = {}) {
    try {
      import(primitive, attrs, options);
    } catch (const ir::Error& e) {
      std::string m = e.what();
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
      return m;
    }
    return "no error";
  }
};

using Dims = std::vector<int64_t>;

TEST_F(MindIrCollectives, AllReduceWithItsGroupRanks) {
  ir::Graph g = import("AllReduce", {{"op", MindIrValue::string("max")},
                                     {"group", MindIrValue::string("2-5004544844489628105")},
                                     {"group_ranks", MindIrValue::ints({1, 3})},
                                     {"rank_size", MindIrValue::integer(2)}});
  const ir::Op& op = collective(g);
  EXPECT_EQ(op.kind, ir::OpKind::AllReduce);
  EXPECT_EQ(op.attrs.getString("reduce", ""), "max");
  EXPECT_EQ(op.attrs.getInts("group_ranks"), (Dims{1, 3}));
  EXPECT_EQ(op.attrs.getInt("group_size", 0), 2);
  EXPECT_EQ(op.name, "Default/network/AllReduce-op3");
  EXPECT_EQ(g.value(op.results[0]).type.str(), "f32[4,6]");
}

TEST_F(MindIrCollectives, GroupRanksAsAString) {
  for (const char* s : {"0-2-1", "0,2,1", "[0, 2, 1]"}) {
    ir::Graph g = import("AllGather", {{"group", MindIrValue::string("g")}, {"group_ranks", MindIrValue::string(s)}});
    const ir::Op& op = collective(g);
    EXPECT_EQ(op.kind, ir::OpKind::AllGather);
    EXPECT_EQ(op.attrs.getInts("group_ranks"), (Dims{0, 2, 1})) << s;
    EXPECT_EQ(op.attrs.getInt("dim", -1), 0);
    EXPECT_EQ(g.value(op.results[0]).type.str(), "f32[12,6]");
  }
}

TEST_F(MindIrCollectives, GroupByNameFromTheGroupInfoFile) {
  frontend::writeGroupInfoFile(path("group_info.pb"), {{"4-123", {4, 5, 6, 7}}, {"2-77", {0, 1}}}, {0, 1, 2, 3});
  frontend::GroupRanks groups = frontend::readGroupInfoFile(path("group_info.pb"));
  EXPECT_EQ(groups.at("4-123"), (Dims{4, 5, 6, 7}));
  EXPECT_EQ(groups.at("2-77"), (Dims{0, 1}));
  frontend::ImportOptions o;
  o.groupRanks = groups;
  ir::Graph g = import("ReduceScatter", {{"op", MindIrValue::string("sum")}, {"group", MindIrValue::string("2-77")}}, o);
  const ir::Op& op = collective(g);
  EXPECT_EQ(op.kind, ir::OpKind::ReduceScatter);
  EXPECT_EQ(op.attrs.getInts("group_ranks"), (Dims{0, 1}));
  EXPECT_EQ(g.value(op.results[0]).type.str(), "f32[2,6]");
  // The world group is every rank of rank_size.
  ir::Graph w = import("AllReduce", {{"group", MindIrValue::string("hccl_world_group")}, {"rank_size", MindIrValue::integer(3)}});
  EXPECT_EQ(collective(w).attrs.getInts("group_ranks"), (Dims{0, 1, 2}));
}

TEST_F(MindIrCollectives, AlltoAllSplitsAndConcatenates) {
  ir::Graph g = import("AlltoAll", {{"split_dim", MindIrValue::integer(-1)}, {"concat_dim", MindIrValue::integer(0)},
                                    {"split_count", MindIrValue::integer(2)}, {"group", MindIrValue::string("g")},
                                    {"group_ranks", MindIrValue::ints({0, 1})}});
  const ir::Op& op = collective(g);
  EXPECT_EQ(op.kind, ir::OpKind::AllToAll);
  EXPECT_EQ(op.attrs.getInt("dim", -1), 0);
  EXPECT_EQ(op.attrs.getInt("to_dim", -1), 1);
  EXPECT_EQ(g.value(op.results[0]).type.str(), "f32[8,3]");
}

TEST_F(MindIrCollectives, Errors) {
  std::string unknown = errorOf("AllReduce", {{"group", MindIrValue::string("2-999")}});
  EXPECT_NE(unknown.find("MindIR node 'Default/network/AllReduce-op3' (AllReduce): group '2-999' is unknown: the node "
                         "has no group_ranks and no group-info file is given (--group-info)"),
            std::string::npos)
      << unknown;
  frontend::ImportOptions o;
  o.groupRanks = {{"2-1", {0, 1}}};
  EXPECT_NE(errorOf("AllReduce", {{"group", MindIrValue::string("2-999")}}, o).find("the group-info file does not list it"),
            std::string::npos);
  for (const char* p2p : {"Send", "Receive"}) {
    std::string e = errorOf(p2p, {{"group", MindIrValue::string("g")}, {"sr_tag", MindIrValue::integer(0)}});
    EXPECT_NE(e.find(std::string("unsupported primitive ") + p2p + ": point-to-point Send/Receive"), std::string::npos) << e;
    EXPECT_THROW(import(p2p, {}), ir::Unsupported);
  }
  std::string size = errorOf("AllGather", {{"group_ranks", MindIrValue::ints({0, 1})}, {"rank_size", MindIrValue::integer(4)}});
  EXPECT_NE(size.find("rank_size is 4 but its group has 2 ranks (0, 1)"), std::string::npos) << size;
  std::string bad = errorOf("AllGather", {{"group_ranks", MindIrValue::string("0;1")}});
  EXPECT_NE(bad.find("attribute group_ranks '0;1' is not ranks separated by '-' or ','"), std::string::npos) << bad;
  std::string prod = errorOf("AllReduce", {{"op", MindIrValue::string("prod")}, {"group_ranks", MindIrValue::ints({0, 1})}});
  EXPECT_NE(prod.find("unsupported attribute op='prod' (sum, max or min)"), std::string::npos) << prod;
  testing::writeFile(path("bad.pb"), "\xff\xff\xff");
  EXPECT_THROW(frontend::readGroupInfoFile(path("bad.pb")), ir::Error);
}

}  // namespace
}  // namespace shardc
