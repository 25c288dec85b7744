// f32 MaxPool and AveragePool through the vector kernel against the reference interpreter, bit for bit, for
// AVX-512, AVX2 and SSE builds: strides 1 to 3, pads, dilations, ceil mode, count_include_pad, 1-D, 2-D and 3-D
// windows, rows of 1, 3, 17 and 255 positions.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "kernel_test_util.h"

namespace shardc {
namespace {
using ir::DType;
using ir::OpKind;
using testing::randomTensor;

struct PoolCase {
  ir::Shape x;
  std::vector<int64_t> kernel, strides, pads, dilations;
  int64_t ceil = 0, includePad = 0;
};

const std::vector<PoolCase> kCases = {
    {{1, 4, 56, 56}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}},  // the ResNet stem's pool
    {{2, 3, 17, 17}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}},
    {{1, 2, 11, 9}, {2, 3}, {3, 2}, {0, 1, 1, 0}, {1, 1}, 1},
    {{1, 2, 10, 10}, {3, 3}, {1, 1}, {2, 2, 2, 2}, {2, 2}},
    {{1, 3, 255}, {3}, {1}, {1, 1}, {1}},
    {{1, 2, 3}, {2}, {1}, {0, 0}, {1}},
    {{1, 1, 1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}},
    {{1, 2, 5, 6, 7}, {2, 2, 3}, {1, 2, 2}, {1, 0, 1, 1, 0, 1}, {1, 1, 1}},
    {{1, 3, 13, 13}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 0, 1},
};

void expectAll(const std::string& cpu, const std::string& tag) {
  codegen::CodegenOptions options;
  options.target.cpu = cpu;
  uint32_t seed = 7;
  for (OpKind kind : {OpKind::MaxPool, OpKind::AveragePool})
    for (const PoolCase& c : kCases) {
      if (kind == OpKind::MaxPool && c.includePad) continue;
      ir::Graph g;
      ir::ValueId x = g.addInput("x", {DType::f32, c.x});
      ir::Attributes a;
      a.set("kernel_shape", c.kernel);
      a.set("strides", c.strides);
      a.set("pads", c.pads);
      if (kind == OpKind::MaxPool) a.set("dilations", c.dilations);
      a.set("ceil_mode", c.ceil);
      if (kind == OpKind::AveragePool) a.set("count_include_pad", c.includePad);
      g.setOutputs({g.addOp1(kind, {x}, "y", a)});
      std::string name = fmt::format("{}_{}_{}_{}", tag, ir::opKindName(kind), c.x.xstr(), c.strides[0]);
      testing::expectCompiledEqualsInterpreter(std::move(g), {randomTensor(DType::f32, c.x, seed++)}, name, 0, 0,
                                               options);
    }
}

TEST(PoolKernel, Avx512) { expectAll("", "avx512"); }
TEST(PoolKernel, Avx2) { expectAll("x86-64-v3", "avx2"); }
TEST(PoolKernel, Sse) { expectAll("x86-64-v2", "sse"); }

}  // namespace
}  // namespace shardc
