// Bad MindIR input: one clear line each, naming the file and, where there is one, the node or parameter.
#include <random>

#include <gtest/gtest.h>

#include "file_test_util.h"
#include "frontend/mindir_importer.h"
#include "frontend/mindir_proto.h"
#include "ir/error.h"
#include "mindir_test_util.h"

namespace shardc {
namespace {
using frontend::MindIrValue;
using frontend::MindIrWriter;
using testing::f32;
using testing::floats;
using testing::named;

class MindIrErrors : public testing::FileTest {
 protected:
  // x [2,3] -> MatMul by fc.weight -> sub-graph "act" (ReLU) -> output.
  MindIrWriter model() {
    MindIrWriter w("net");
    MindIrWriter::Graph& act = w.function("act");
    act.output(act.node("ReLU", {act.input("h", f32({2, 4}))}, {}, named("r", f32({2, 4}), "Default/act/ReLU-op2")));
    MindIrWriter::Graph& g = w.main();
    std::string mm = g.node("MatMul", {g.input("x", f32({2, 3})), g.parameter("fc.weight", floats({3, 4}, std::vector<double>(12, 1.0)))},
                            {}, named("fc", f32({2, 4}), "Default/fc-Dense/MatMul-op0"));
    g.output(g.call(act, {mm}, named("act", f32({2, 4}), "Default/act-op1")));
    return w;
  }

  std::string errorOf(const std::string& file) {
    try {
      frontend::importMindIrFile(file);
    } catch (const ir::Error& e) {
      std::string m = e.what();
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
      return m;
    }
    return "no error";
  }

  shardc::mindir::ModelProto parsed() {
    shardc::mindir::ModelProto m;
    EXPECT_TRUE(m.ParseFromString(model().serialize()));
    return m;
  }
};

TEST_F(MindIrErrors, TruncatedOrCorrupt) {
  std::string bytes = model().serialize();
  testing::writeFile(path("cut.mindir"), bytes.substr(0, bytes.size() / 2));
  EXPECT_EQ(errorOf(path("cut.mindir")).rfind(path("cut.mindir") + ": truncated or corrupt MindIR (its protobuf breaks off at byte ", 0), 0u)
      << errorOf(path("cut.mindir"));
  // Damage inside the graph: its nested lengths no longer add up.
  std::string damaged = bytes;
  for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 8; ++i) damaged[i] = '\xff';
  testing::writeFile(path("damaged.mindir"), damaged);
  EXPECT_EQ(errorOf(path("damaged.mindir")).rfind(path("damaged.mindir") + ": truncated or corrupt MindIR", 0), 0u)
      << errorOf(path("damaged.mindir"));
}

TEST_F(MindIrErrors, NotMindIr) {
  // What an encrypted MindIR looks like to a reader without the key: bytes with no structure.
  std::mt19937 rng(5);
  std::string noise(4096, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  noise[0] = '\x5a';
  testing::writeFile(path("enc.mindir"), noise);
  EXPECT_EQ(errorOf(path("enc.mindir")), path("enc.mindir") + ": does not parse as MindIR (an encrypted MindIR is not supported)");
  testing::writeFile(path("text.mindir"), "graph @g {\n}\n");
  EXPECT_EQ(errorOf(path("text.mindir")), path("text.mindir") + ": does not parse as MindIR (an encrypted MindIR is not supported)");
  testing::writeFile(path("empty.mindir"), "");
  EXPECT_EQ(errorOf(path("empty.mindir")), path("empty.mindir") + ": is empty, not a MindIR model");
}

TEST_F(MindIrErrors, RefToMissingPrimitiveOrGraph) {
  shardc::mindir::ModelProto m = parsed();
  m.clear_primitives();
  testing::writeFile(path("noprim.mindir"), m.SerializeAsString());
  EXPECT_EQ(errorOf(path("noprim.mindir")),
            path("noprim.mindir") + ": MindIR node 'Default/fc-Dense/MatMul-op0': op_type 'REF::MatMul:2' refers to "
                                    "'MatMul:2', which is neither a primitive nor a graph of the model");
  m = parsed();
  m.clear_functions();
  testing::writeFile(path("nograph.mindir"), m.SerializeAsString());
  EXPECT_EQ(errorOf(path("nograph.mindir")),
            path("nograph.mindir") + ": MindIR node 'Default/act-op1': op_type 'REF::act' refers to 'act', which is "
                                     "neither a primitive nor a graph of the model");
}

TEST_F(MindIrErrors, MissingExternalDataFile) {
  MindIrWriter w = model();
  w.setExternalData("net_variables/data_0");
  w.write(path("ext.mindir"));
  std::filesystem::remove(path("net_variables/data_0"));
  EXPECT_EQ(errorOf(path("ext.mindir")), path("ext.mindir") + ": parameter 'fc.weight': its external data file " +
                                             path("net_variables/data_0") + " does not exist");
}

TEST_F(MindIrErrors, StrategiesThatDoNotFit) {
  MindIrWriter w("g");
  MindIrWriter::Graph& g = w.main();
  std::string x = g.input("x", f32({2, 4}));
  std::string y = g.node("MatMul", {x, g.parameter("w", floats({4, 4}, std::vector<double>(16, 1.0)))},
                         {{"in_strategy", MindIrValue::intTuples({{2, 1, 1}, {1, 2}})}}, named("y", f32({2, 4}), "Default/MatMul-op0"));
  g.output(y);
  w.write(path("rank.mindir"));
  EXPECT_EQ(errorOf(path("rank.mindir")), path("rank.mindir") + ": MindIR node 'Default/MatMul-op0' (MatMul): in_strategy "
                                                                "((2, 1, 1), (1, 2)) entry 0 has 3 values, input 0 has rank 2");

  MindIrWriter ln("g");
  MindIrWriter::Graph& h = ln.main();
  std::string in = h.input("x", f32({2, 4}));
  std::string norm = h.node("LayerNorm", {in, h.parameter("gamma", floats({4}, {1, 1, 1, 1})), h.parameter("beta", floats({4}, {0, 0, 0, 0}))},
                            {{"begin_norm_axis", MindIrValue::integer(-1)}, {"in_strategy", MindIrValue::intTuples({{2, 1}, {1}, {1}})}},
                            named("ln", std::nullopt, "Default/LayerNorm-op0"));
  h.output(h.node("TupleGetItem", {norm, h.constant("zero", MindIrValue::integer(0))}));
  ln.write(path("ln.mindir"));
  try {
    frontend::importMindIrFile(path("ln.mindir"));
    FAIL();
  } catch (const ir::Unsupported& e) {
    EXPECT_EQ(std::string(e.what()), path("ln.mindir") + ": MindIR node 'Default/LayerNorm-op0': in_strategy ((2, 1), (1,), (1,)) is "
                                                         "not supported on LayerNorm (shardc imports it as several ops)");
  }
}

}  // namespace
}  // namespace shardc
