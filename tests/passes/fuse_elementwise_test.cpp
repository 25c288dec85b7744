// fuse: elementwise chains share a group; an f32 MatMul or Conv (no groups) that feeds only such a group, with its
// shape, joins it when every member has a vector form (the GEMM applies them as it stores) and, for a Conv, every
// outside operand is per channel or per position; it stays alone otherwise.
#include <gtest/gtest.h>

#include "pass_test_util.h"

namespace shardc {
namespace {
using testing::runPassOnText;

TEST(FuseElementwise, MatMulJoinsItsBiasAndActivation) {
  EXPECT_EQ(runPassOnText("fuse", R"(graph @g {
  input %x : f32[4,8]
  param %w : f32[8,16] = <elided>
  param %b : f32[16] = <elided>
  %m = MatMul(%x, %w) : f32[4,16]
  %a = Add(%m, %b) : f32[4,16]
  %y = Relu(%a) : f32[4,16]
  output %y
}
)"),
            R"(graph @g {
  input %x : f32[4,8]
  param %w : f32[8,16] = <elided>
  param %b : f32[16] = <elided>
  %m = MatMul(%x, %w) {fusion_group = 0} : f32[4,16]
  %a = Add(%m, %b) {fusion_group = 0} : f32[4,16]
  %y = Relu(%a) {fusion_group = 0} : f32[4,16]
  output %y
}
)");
}

// GELU (erf form) reads the product twice, both inside the group: the MatMul joins it.
TEST(FuseElementwise, MatMulJoinsGeluReadingItTwice) {
  EXPECT_EQ(runPassOnText("fuse", R"(graph @g {
  input %x : f32[4,8]
  param %w : f32[8,16] = <elided>
  param %r2 : f32[] = <elided>
  param %half : f32[] = <elided>
  param %one : f32[] = <elided>
  %m = MatMul(%x, %w) : f32[4,16]
  %d = Div(%m, %r2) : f32[4,16]
  %e = Erf(%d) : f32[4,16]
  %p = Add(%e, %one) : f32[4,16]
  %h = Mul(%m, %half) : f32[4,16]
  %y = Mul(%h, %p) : f32[4,16]
  output %y
}
)"),
            R"(graph @g {
  input %x : f32[4,8]
  param %w : f32[8,16] = <elided>
  param %r2 : f32[] = <elided>
  param %half : f32[] = <elided>
  param %one : f32[] = <elided>
  %m = MatMul(%x, %w) {fusion_group = 0} : f32[4,16]
  %d = Div(%m, %r2) {fusion_group = 0} : f32[4,16]
  %e = Erf(%d) {fusion_group = 0} : f32[4,16]
  %p = Add(%e, %one) {fusion_group = 0} : f32[4,16]
  %h = Mul(%m, %half) {fusion_group = 0} : f32[4,16]
  %y = Mul(%h, %p) {fusion_group = 0} : f32[4,16]
  output %y
}
)");
}

// A residual add alone is a group of one elementwise op and the MatMul.
TEST(FuseElementwise, MatMulJoinsAResidualAdd) {
  EXPECT_EQ(runPassOnText("fuse", R"(graph @g {
  input %x : f32[4,8]
  param %w : f32[8,8] = <elided>
  %m = MatMul(%x, %w) : f32[4,8]
  %y = Add(%x, %m) : f32[4,8]
  output %y
}
)"),
            R"(graph @g {
  input %x : f32[4,8]
  param %w : f32[8,8] = <elided>
  %m = MatMul(%x, %w) {fusion_group = 0} : f32[4,8]
  %y = Add(%x, %m) {fusion_group = 0} : f32[4,8]
  output %y
}
)");
}

TEST(FuseElementwise, MatMulStaysAloneWhenItCannotCarryTheGroup) {
  for (const char* text : {
           // Log calls the math library per element: no vector form.
           R"(graph @g {
  input %x : f32[4,8]
  param %w : f32[8,16] = <elided>
  %m = MatMul(%x, %w) : f32[4,16]
  %y = Log(%m) : f32[4,16]
  output %y
}
)",
           // The product is read outside the group too.
           R"(graph @g {
  input %x : f32[4,8]
  param %w : f32[8,16] = <elided>
  %m = MatMul(%x, %w) : f32[4,16]
  %r = Relu(%m) : f32[4,16]
  %y = Neg(%m) : f32[4,16]
  output %r, %y
}
)",
           // The product is an output.
           R"(graph @g {
  input %x : f32[4,8]
  param %w : f32[8,16] = <elided>
  %m = MatMul(%x, %w) : f32[4,16]
  %y = Relu(%m) : f32[4,16]
  output %m, %y
}
)",
           // The group broadcasts the product to a larger shape.
           R"(graph @g {
  input %x : f32[4,8]
  input %z : f32[2,4,16]
  param %w : f32[8,16] = <elided>
  %m = MatMul(%x, %w) : f32[4,16]
  %y = Add(%m, %z) : f32[2,4,16]
  output %y
}
)"}) {
    std::string out = runPassOnText("fuse", text);
    EXPECT_NE(out.find("MatMul(%x, %w) : f32[4,16]"), std::string::npos) << out;
  }
}

TEST(FuseElementwise, ConvJoinsItsBiasActivationAndResidual) {
  EXPECT_EQ(runPassOnText("fuse", R"(graph @g {
  input %x : f32[1,3,8,8]
  input %res : f32[1,4,6,6]
  param %w : f32[4,3,3,3] = <elided>
  param %b : f32[4,1,1] = <elided>
  %c = Conv(%x, %w) {group = 1} : f32[1,4,6,6]
  %a = Add(%c, %b) : f32[1,4,6,6]
  %r = Relu(%a) : f32[1,4,6,6]
  %y = Add(%r, %res) : f32[1,4,6,6]
  output %y
}
)"),
            R"(graph @g {
  input %x : f32[1,3,8,8]
  input %res : f32[1,4,6,6]
  param %w : f32[4,3,3,3] = <elided>
  param %b : f32[4,1,1] = <elided>
  %c = Conv(%x, %w) {fusion_group = 0, group = 1} : f32[1,4,6,6]
  %a = Add(%c, %b) {fusion_group = 0} : f32[1,4,6,6]
  %r = Relu(%a) {fusion_group = 0} : f32[1,4,6,6]
  %y = Add(%r, %res) {fusion_group = 0} : f32[1,4,6,6]
  output %y
}
)");
}

TEST(FuseElementwise, ConvStaysAloneWhenItsEpilogueCannotReadAnOperand) {
  for (const char* text : {
           // Varies along the last spatial dim only: neither one value per channel nor the output's layout.
           R"(graph @g {
  input %x : f32[1,3,8,8]
  param %w : f32[4,3,3,3] = <elided>
  param %q : f32[6] = <elided>
  %c = Conv(%x, %w) {group = 1} : f32[1,4,6,6]
  %y = Add(%c, %q) : f32[1,4,6,6]
  output %y
}
)",
           // A grouped convolution keeps the direct loops.
           R"(graph @g {
  input %x : f32[1,4,8,8]
  param %w : f32[4,2,3,3] = <elided>
  %c = Conv(%x, %w) {group = 2} : f32[1,4,6,6]
  %y = Relu(%c) : f32[1,4,6,6]
  output %y
}
)"}) {
    std::string out = runPassOnText("fuse", text);
    EXPECT_NE(out.find("Conv(%x, %w) {group = "), std::string::npos) << out;
    EXPECT_EQ(out.find("fusion_group = 0, group"), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace shardc
