// What shardc compile leaves in OUT/: kernels from LLVM (nothing but libc/libm undefined), fused loops that keep
// intermediates out of memory, a manifest that describes the program.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "frontend/npy.h"
#include "ir/error.h"
#include "kernel_test_util.h"
#include "tools/shardc/compile_driver.h"
#include "tools/shardc/demo_model.h"

namespace shardc {
namespace {

std::string readFile(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::set<std::string> undefinedSymbols(const std::string& object) {
  std::string cmd = "nm -u --format=just-symbols '" + object + "'";
  FILE* p = popen(cmd.c_str(), "r");
  std::set<std::string> out;
  char line[512];
  while (p && fgets(line, sizeof line, p)) {
    std::string s(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    if (!s.empty()) out.insert(s);
  }
  if (p) pclose(p);
  return out;
}

ir::Graph preparedMlp(int64_t batch) {
  ir::Graph g = tools::buildDemoMlp(1);
  g.value(g.inputs()[0]).type.shape = ir::Shape({batch, 28, 28});
  std::ostringstream dump;
  tools::prepareGraph(g, {}, dump);
  return g;
}

TEST(CompiledOutput, ObjectNeedsOnlyTheRuntimeLibcAndLibm) {
  std::string dir = testing::workDir("symbols");
  tools::CompileOptions options;
  options.outDir = dir + "/out";
  options.emit = {"obj"};
  options.quiet = true;
  std::ostringstream log;
  ir::Graph g = preparedMlp(2);
  // Log brings in the math library (Softmax's exp and Tanh are straight-line code).
  ir::ValueId s = g.addOp1(ir::OpKind::Softmax, {g.outputs()[0]}, "probs", [] {
    ir::Attributes a;
    a.set("axis", int64_t{1});
    return a;
  }());
  ir::ValueId t = g.addOp1(ir::OpKind::Log, {g.addOp1(ir::OpKind::Tanh, {s}, "th")}, "t");
  g.setOutputs({t});
  tools::prepareGraph(g, {}, log);
  tools::compileGraph(g, options, log);
  std::set<std::string> undefined = undefinedSymbols(options.outDir + "/programs/program_0.o");
  const std::set<std::string> allowed = {"logf", "log", "memcpy", "memset", "memmove"};
  for (const auto& sym : undefined)
    EXPECT_TRUE(allowed.count(sym) || sym.rfind("shardrt_", 0) == 0) << "unexpected undefined symbol " << sym;
  EXPECT_TRUE(undefined.count("logf")) << "the Log kernel calls libm";
  std::filesystem::remove_all(dir);
}

TEST(CompiledOutput, FusedChainKeepsIntermediatesOutOfTheArena) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {ir::DType::f32, {17, 3}});
  ir::ValueId m = g.addOp1(ir::OpKind::Mul, {x, x}, "m");
  ir::ValueId e = g.addOp1(ir::OpKind::Exp, {m}, "e");
  g.setOutputs({g.addOp1(ir::OpKind::Relu, {e}, "r")});
  std::ostringstream log;
  tools::prepareGraph(g, {}, log);
  std::string dir = testing::workDir("fused");
  tools::CompileOptions options;
  options.outDir = dir + "/out";
  options.quiet = true;
  tools::compileGraph(g, options, log);
  std::string ir = readFile(options.outDir + "/programs/program_0.ir");
  EXPECT_NE(ir.find("%m = Mul(%x, %x) {fusion_group = 0} : f32[17,3]"), std::string::npos) << ir;
  EXPECT_NE(ir.find("%e = Exp(%m) {fusion_group = 0} : f32[17,3]"), std::string::npos) << ir;
  EXPECT_NE(ir.find("%r = Relu(%e) {fusion_group = 0} : f32[17,3]"), std::string::npos) << ir;
  auto manifest = nlohmann::json::parse(readFile(options.outDir + "/manifest.json"));
  EXPECT_EQ(manifest["programs"][0]["arena_bytes"], 0);
  std::filesystem::remove_all(dir);
}

TEST(CompiledOutput, ManifestDescribesInputsOutputsAndRanks) {
  std::string dir = testing::workDir("manifest");
  tools::CompileOptions options;
  options.outDir = dir + "/out";
  options.quiet = true;
  std::ostringstream log;
  tools::compileGraph(preparedMlp(4), options, log);
  auto m = nlohmann::json::parse(readFile(options.outDir + "/manifest.json"));
  EXPECT_EQ(m["ranks"], 1);
  EXPECT_EQ(m["inputs"][0]["name"], "x");
  EXPECT_EQ(m["inputs"][0]["dtype"], "f32");
  EXPECT_EQ(m["inputs"][0]["shape"], nlohmann::json({4, 28, 28}));
  EXPECT_EQ(m["outputs"][0]["name"], "logits");
  EXPECT_EQ(m["outputs"][0]["shape"], nlohmann::json({4, 10}));
  EXPECT_EQ(m["rank_programs"][0]["executable"], "bin/rank_0");
  EXPECT_TRUE(std::filesystem::exists(options.outDir + "/bin/rank_0"));
  // 784*512 + 512 + 512*512 + 512 + 512*10 + 10 floats, each tensor 64-byte aligned after a 4 KiB-aligned table.
  EXPECT_GT(std::filesystem::file_size(options.outDir + "/weights/rank_0.bin"), 4u * 669706u);
  std::filesystem::remove_all(dir);
}

// --profile on the executable: one complete event per op per measured run (warm-up runs left out), named by the
// op (a fused group by its members), back to back within a run, in a Chrome trace.
TEST(CompiledOutput, ProfileWritesAChromeTraceOfEveryOpRun) {
  std::string dir = testing::workDir("profile");
  tools::CompileOptions options;
  options.outDir = dir + "/out";
  options.quiet = true;
  std::ostringstream log;
  tools::compileGraph(preparedMlp(2), options, log);
  ir::Tensor x = testing::randomTensor(ir::DType::f32, ir::Shape({2, 28, 28}), 1);
  frontend::writeNpy(dir + "/x.npy", x);
  std::string cmd = "'" + options.outDir + "/bin/rank_0' --input '" + dir + "/x.npy' --warmup 2 --repeat 3 --profile '" +
                    dir + "/trace.json' 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto events = nlohmann::json::parse(readFile(dir + "/trace.json"))["traceEvents"];
  // The MLP's three layers, each a MatMul with its bias (and ReLU) fused; the flattening moves no bytes.
  const std::vector<std::string> names = {"MatMul+Add+Relu %relu1", "MatMul+Add+Relu %relu2", "MatMul+Add %logits"};
  ASSERT_EQ(events.size(), 3 * names.size());
  double previousEnd = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    EXPECT_EQ(e["name"], names[i % names.size()]);
    EXPECT_EQ(e["ph"], "X");
    EXPECT_EQ(e["tid"], 0);
    EXPECT_EQ(e["args"]["op"], int(i % names.size()));
    EXPECT_GE(e["dur"].get<double>(), 0);
    EXPECT_GE(e["ts"].get<double>(), previousEnd);
    previousEnd = e["ts"].get<double>() + e["dur"].get<double>();
  }
  EXPECT_EQ(events[0]["ts"], 0.0);
  std::filesystem::remove_all(dir);
}

// A failed compile leaves neither OUT nor its temporary sibling, and an existing OUT stays as it was.
TEST(CompiledOutput, FailedCompileLeavesNothingBehind) {
  std::string dir = testing::workDir("atomic");
  std::filesystem::create_directories(dir + "/out");
  std::ofstream(dir + "/out/keep.txt") << "old";
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {ir::DType::f16, {4}});
  g.setOutputs({g.addOp1(ir::OpKind::Exp, {x}, "y")});
  std::ostringstream log;
  tools::prepareGraph(g, {}, log);
  tools::CompileOptions options;
  options.outDir = dir + "/out";
  options.quiet = true;
  EXPECT_THROW(tools::compileGraph(g, options, log), ir::Unsupported);
  EXPECT_EQ(readFile(dir + "/out/keep.txt"), "old");
  size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) (void)e, ++entries;
  EXPECT_EQ(entries, 1u) << "only the old OUT remains";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace shardc
