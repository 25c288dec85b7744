// shardc export --format mindir: each rank's program as MindIR with MindSpore's primitives (collectives with
// group, group_ranks and rank_size; a ShardSlice as the rank's StridedSlice) and the group-info file beside them.
// Every file imports again and the ranks, simulated together, give each rank the model's output; compiled back with
// --per-rank they run as one job. Per-rank MindIRs written in MindSpore's form (group_ranks as a '-' string, or only
// a group name resolved by --group-info) run as one 2-rank job. Errors are one line each.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "../codegen/kernel_test_util.h"
#include "../models/gpt_builder.h"
#include "cli_test_util.h"
#include "frontend/mindir_importer.h"
#include "frontend/mindir_writer.h"
#include "frontend/mindspore_group_info.h"
#include "frontend/npy.h"
#include "frontend/onnx_importer.h"
#include "frontend/onnx_writer.h"
#include "ir/interpreter/interpreter.h"
#include "ir/interpreter/rank_simulation.h"
#include "ir/parser.h"
#include "tools/shardc/conformance_runner.h"
#include "tools/shardc/demo_model.h"

namespace shardc {
namespace {
using frontend::MindIrAttrs;
using frontend::MindIrValue;
using frontend::MindIrWriter;
using testing::lineCount;
using testing::runCli;
using testing::TempDir;

const std::string kFixtures = std::string(SHARDC_SOURCE_DIR) + "/../shared/fixtures/mindspore/";

ir::TensorType f32(std::vector<int64_t> dims) { return {ir::DType::f32, ir::Shape(std::move(dims))}; }

MindIrWriter::NodeOptions typed(const std::string& name, ir::TensorType t) {
  MindIrWriter::NodeOptions o;
  o.name = name;
  o.type = std::move(t);
  return o;
}

// `shardc run` of a compiled job under mpirun, each rank given `x` as input `input`; the output `name` rank 0 wrote.
ir::Tensor runJob(const TempDir& dir, const std::string& out, const ir::Tensor& x, const std::string& name,
                  const std::string& input = "x") {
  frontend::writeNpy(dir / "x.npy", x);
  std::string cmd = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 " +
                    std::string(SHARDC_BINARY_DIR) + "/tools/shardc run " + out + " --timeout 60 -- --input " + input + "=" +
                    (dir / "x.npy") + " --output-dir " + (dir / "run") + " > " + (dir / "log") + " 2>&1 < /dev/null";
  int rc = std::system(cmd.c_str());
  std::ifstream log(dir / "log");
  EXPECT_EQ(rc, 0) << cmd << "\n" << std::string(std::istreambuf_iterator<char>(log), {});
  return frontend::readNpy(dir / ("run/" + name + ".npy"));
}

// The seed example (demo MLP, 8 ranks, MindSpore's strategy file): every rank's MindIR reproduces the model, and
// the files compiled back as one job run under mpirun.
TEST(CliExportMindIr, TheSeedExamplesRankProgramsAsMindIr) {
  if (!std::filesystem::exists(kFixtures)) GTEST_SKIP() << "no fixtures";
  TempDir dir("export_mindir_seed");
  frontend::writeOnnxModel(tools::buildDemoMlp(1), dir / "mlp.onnx");
  auto c = runCli({"compile", dir / "mlp.onnx", "--shape", "x=8x28x28", "--ranks", "8", "--strategy",
                   kFixtures + "synthetic_strategy_8dev.json", "-o", dir / "out", "-q"});
  ASSERT_EQ(c.status, 0) << c.err;
  auto e = runCli({"export", dir / "out", "--format", "mindir", "-q"});
  ASSERT_EQ(e.status, 0) << e.err;

  frontend::ImportOptions shape;
  shape.inputShapes["x"] = ir::Shape({8, 28, 28});
  ir::Graph global = frontend::importOnnxFile(dir / "mlp.onnx", shape);
  ir::Tensor x = testing::randomTensor(ir::DType::f32, ir::Shape({8, 28, 28}), 5);
  ir::Tensor expected = ir::interpret(global, {x})[0];
  std::vector<ir::Graph> programs;
  for (int k = 0; k < 8; ++k) programs.push_back(frontend::importMindIrFile(dir / ("out/export/rank_" + std::to_string(k) + ".mindir")));
  auto got = ir::interpretRanks(programs, std::vector<std::vector<ir::Tensor>>(8, {x}));
  for (int k = 0; k < 8; ++k) EXPECT_EQ(tools::compareTensors(got[size_t(k)][0], expected, {1e-5, 1e-5}), "") << "rank " << k;
  // Rank 3: its weight slice, its collectives with their groups, its block of the flattened input.
  ir::Graph& rank3 = programs[3];
  EXPECT_EQ(rank3.value(*rank3.findValue("layer1.weight")).type.str(), "f32[784,256]");
  bool allReduce = false;
  for (const ir::Op& op : rank3.ops())
    if (op.kind == ir::OpKind::AllReduce) {
      allReduce = true;
      EXPECT_EQ(op.attrs.getInts("group_ranks"), (std::vector<int64_t>{1, 3}));
    }
  EXPECT_TRUE(allReduce);
  frontend::GroupRanks groups = frontend::readGroupInfoFile(dir / "out/export/group_info.pb");
  EXPECT_EQ(groups.at("group_1-3"), (std::vector<int64_t>{1, 3}));

  // Compiled back, each rank's file its own program, run as one job.
  auto p = runCli({"compile", "--per-rank", dir / "out/export/rank_{rank}.mindir", "-o", dir / "per_rank", "-q"});
  ASSERT_EQ(p.status, 0) << p.err;
  std::string output = global.value(global.outputs()[0]).name;
  EXPECT_EQ(tools::compareTensors(runJob(dir, dir / "per_rank", x, output), expected, {1e-4, 1e-4}), "");
}

// Megatron's GPT on 4 ranks: a vocabulary-split embedding (GatherInfo's masked lookup), head-split attention,
// all-reduces, layer norms and the gathered logits, each rank's MindIR simulated with the others, then compiled
// back and run as one job.
TEST(CliExportMindIr, MegatronGptRankProgramsReproduceTheModel) {
  TempDir dir("export_mindir_gpt");
  std::string model = testing::gpt::GptBuilder().build();
  std::ofstream(dir / "tp.json") << testing::gpt::megatronStrategyJson(4);
  auto c = runCli({"compile", model, "--ranks", "4", "--strategy", dir / "tp.json", "-o", dir / "out", "-q"});
  ASSERT_EQ(c.status, 0) << c.err;
  auto e = runCli({"export", dir / "out", "--format", "mindir", "-q"});
  ASSERT_EQ(e.status, 0) << e.err;
  std::vector<ir::Tensor> ids = testing::gpt::tokens();
  std::vector<ir::Tensor> expected = ir::interpret(frontend::importOnnxFile(model), ids);
  std::vector<ir::Graph> programs;
  for (int k = 0; k < 4; ++k) programs.push_back(frontend::importMindIrFile(dir / ("out/export/rank_" + std::to_string(k) + ".mindir")));
  auto got = ir::interpretRanks(programs, std::vector<std::vector<ir::Tensor>>(4, ids));
  for (int k = 0; k < 4; ++k)
    for (size_t o = 0; o < expected.size(); ++o)
      EXPECT_EQ(tools::compareTensors(got[size_t(k)][o], expected[o], {1e-5, 1e-5}), "") << "rank " << k;
  auto p = runCli({"compile", "--per-rank", dir / "out/export/rank_{rank}.mindir", "-o", dir / "per_rank", "-q"});
  ASSERT_EQ(p.status, 0) << p.err;
  EXPECT_EQ(tools::compareTensors(runJob(dir, dir / "per_rank", ids[0], "logits", "ids"), expected[0], {1e-4, 1e-4}), "");
  std::remove(model.c_str());
}

// Rank r of a 2-rank tensor-parallel MLP in MindSpore's per-rank form: its column block of x (StridedSlice), a
// row-parallel MatMul summed by AllReduce, ReLU, a column-parallel MatMul whose blocks AllGather joins (along dim
// 0 between Transposes, as MindSpore's AllGather works along dim 0). `group` holds the AllReduce's group: its
// ranks as group_ranks (a '-' string), or only its name.
void writeRank(const std::string& path, int r, const ir::Tensor& w1, const ir::Tensor& w2, bool groupRanks) {
  MindIrWriter w("net_rank_" + std::to_string(r));
  MindIrWriter::Graph& g = w.main();
  std::string x = g.input("x", f32({2, 4}));
  auto ints = [&](const std::string& n, std::vector<int64_t> v) { return g.constant(n, MindIrValue::ints(v)); };
  auto block = [](const ir::Tensor& t, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
    std::vector<double> v;
    int64_t cols = t.shape().dims[1];
    for (int64_t i = r0; i < r1; ++i)
      for (int64_t j = c0; j < c1; ++j) v.push_back(t.elementAsDouble(i * cols + j));
    return ir::Tensor::fromDoubles(ir::DType::f32, ir::Shape({r1 - r0, c1 - c0}), v);
  };
  std::string xs = g.node("StridedSlice", {x, ints("begin", {0, 2 * r}), ints("end", {2, 2 * r + 2}), ints("strides", {1, 1})},
                          {}, typed("x_slice", f32({2, 2})));
  std::string p1 = g.parameter("fc1.weight", block(w1, 2 * r, 2 * r + 2, 0, 6));
  std::string partial = g.node("MatMul", {xs, p1}, {{"transpose_a", MindIrValue::boolean(false)}, {"transpose_b", MindIrValue::boolean(false)}},
                               typed("fc1", f32({2, 6})));
  MindIrAttrs reduce{{"op", MindIrValue::string("sum")}, {"group", MindIrValue::string("2-6301172352641561019")},
                     {"fusion", MindIrValue::integer(0)}, {"index", MindIrValue::integer(0)}};
  if (groupRanks) reduce["group_ranks"] = MindIrValue::string("0-1");
  std::string sum = g.node("AllReduce", {partial}, reduce, typed("fc1_sum", f32({2, 6})));
  std::string h = g.node("ReLU", {sum}, {}, typed("relu", f32({2, 6})));
  std::string p2 = g.parameter("fc2.weight", block(w2, 0, 6, 2 * r, 2 * r + 2));
  std::string y = g.node("MatMul", {h, p2}, {}, typed("fc2", f32({2, 2})));
  std::string yt = g.node("Transpose", {y, ints("perm", {1, 0})}, {}, typed("fc2_t", f32({2, 2})));
  std::string gathered = g.node("AllGather", {yt}, {{"group", MindIrValue::string("hccl_world_group")},
                                                    {"group_ranks", MindIrValue::ints({0, 1})},
                                                    {"rank_size", MindIrValue::integer(2)}},
                                typed("gathered", f32({4, 2})));
  g.output(g.node("Transpose", {gathered, ints("perm2", {1, 0})}, {}, typed("out", f32({2, 4}))));
  w.write(path);
}

TEST(CliExportMindIr, PerRankMindIrsWithCollectivesRunAsOneJob) {
  TempDir dir("per_rank_mindir");
  ir::Tensor w1 = testing::randomTensor(ir::DType::f32, ir::Shape({4, 6}), 1);
  ir::Tensor w2 = testing::randomTensor(ir::DType::f32, ir::Shape({6, 4}), 2);
  ir::Tensor x = testing::randomTensor(ir::DType::f32, ir::Shape({2, 4}), 3);
  writeRank(dir / "net_rank_0.mindir", 0, w1, w2, /*groupRanks=*/true);
  writeRank(dir / "net_rank_1.mindir", 1, w1, w2, /*groupRanks=*/false);
  frontend::writeGroupInfoFile(dir / "group_info.pb", {{"2-6301172352641561019", {0, 1}}}, {0, 1});
  // The whole computation: relu(x @ w1) @ w2.
  ir::Graph whole = ir::parseGraph(R"(graph @whole {
  input %x : f32[2,4]
  param %w1 : f32[4,6] = <elided>
  param %w2 : f32[6,4] = <elided>
  %h = MatMul(%x, %w1) : f32[2,6]
  %r = Relu(%h) : f32[2,6]
  %y = MatMul(%r, %w2) : f32[2,4]
  output %y
})");
  whole.value(*whole.findValue("w1")).data = std::make_shared<const ir::Tensor>(w1);
  whole.value(*whole.findValue("w2")).data = std::make_shared<const ir::Tensor>(w2);
  ir::Tensor expected = ir::interpret(whole, {x})[0];

  auto c = runCli({"compile", "--per-rank", dir / "net_rank_{rank}.mindir", "--group-info", dir / "group_info.pb", "-o",
                   dir / "out", "-q"});
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_EQ(tools::compareTensors(runJob(dir, dir / "out", x, "out"), expected, {1e-4, 1e-4}), "");

  // Without the group-info file, rank 1's AllReduce names a group nobody lists.
  auto unknown = runCli({"compile", "--per-rank", dir / "net_rank_{rank}.mindir", "-o", dir / "none"});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_EQ(lineCount(unknown.err), 1) << unknown.err;
  EXPECT_NE(unknown.err.find("net_rank_1.mindir: MindIR node 'Default/AllReduce-op"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("group '2-6301172352641561019' is unknown: the node has no group_ranks and no group-info "
                             "file is given (--group-info)"),
            std::string::npos)
      << unknown.err;
}

TEST(CliExportMindIr, Errors) {
  TempDir dir("export_mindir_errors");
  // Send/Receive: shardc's rank programs have no point-to-point ops.
  MindIrWriter w("net");
  MindIrWriter::Graph& g = w.main();
  std::string x = g.input("x", f32({2, 2}));
  g.output(g.node("Send", {x}, {{"sr_tag", MindIrValue::integer(0)}, {"dest_rank", MindIrValue::integer(1)},
                                {"group", MindIrValue::string("hccl_world_group")}}, {"send", "Default/Send-op7", std::nullopt}));
  w.write(dir / "p2p_rank_0.mindir");
  auto p2p = runCli({"compile", "--per-rank", dir / "p2p_rank_{rank}.mindir", "-o", dir / "none"});
  EXPECT_EQ(p2p.status, 1);
  EXPECT_EQ(lineCount(p2p.err), 1) << p2p.err;
  EXPECT_NE(p2p.err.find("MindIR node 'Default/Send-op7': unsupported primitive Send: point-to-point Send/Receive"),
            std::string::npos)
      << p2p.err;
  // An op with no MindSpore form.
  ir::Graph argmax = ir::parseGraph(R"(graph @m {
  input %x : f32[2,3]
  %y = ArgMax(%x) {axis = 1, keepdims = 0, select_last_index = 0} loc("pick") : i64[2]
  output %y
})");
  frontend::writeOnnxModel(argmax, dir / "argmax.onnx");
  auto e = runCli({"export", dir / "argmax.onnx", "--format", "mindir", "-o", dir / "argmax.mindir"});
  EXPECT_EQ(e.status, 1);
  EXPECT_EQ(lineCount(e.err), 1) << e.err;
  EXPECT_NE(e.err.find("argmax.mindir: node 'pick' (ArgMax) has no MindSpore form (MindIR export)"), std::string::npos) << e.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "argmax.mindir"));
}

}  // namespace
}  // namespace shardc
