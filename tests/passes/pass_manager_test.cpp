#include <sstream>

#include <gtest/gtest.h>

#include "ir/error.h"
#include "pass_test_util.h"

namespace shardc {
namespace {

TEST(PassManager, DumpsAfterTheNamedPassOnly) {
  ir::Graph g = ir::parseGraph(R"(graph @g {
  input %x : f32[2,3]
  %y = Flatten(%x) {axis = 0} : f32[1,6]
  output %y
}
)");
  passes::PassManagerOptions options;
  options.dumpAfter = {"canonicalize"};
  passes::PassManager pm(options);
  pm.addDefaultPipeline();
  std::ostringstream dump, timing;
  pm.run(g, dump, timing);
  EXPECT_EQ(dump.str(), R"(// ----- after canonicalize -----
graph @g {
  input %x : f32[2,3]
  %y = Reshape(%x) {shape = [1, 6]} : f32[1,6]
  output %y
}
)");
  EXPECT_EQ(timing.str(), "");
}

TEST(PassManager, TimesEveryPassWhenAsked) {
  ir::Graph g = ir::parseGraph("graph @g {\n  input %x : f32[2]\n  %y = Relu(%x) : f32[2]\n  output %y\n}\n");
  passes::PassManagerOptions options;
  options.timePasses = true;
  passes::PassManager pm(options);
  pm.addDefaultPipeline();
  std::ostringstream dump, timing;
  pm.run(g, dump, timing);
  std::string t = timing.str();
  EXPECT_NE(t.find("shape-inference"), std::string::npos);
  EXPECT_NE(t.find("canonicalize"), std::string::npos);
  EXPECT_NE(t.find("total"), std::string::npos);
}

TEST(PassManager, UnknownPassIsAnErrorListingTheKnownOnes) {
  passes::PassManager pm;
  try {
    pm.add("fuse-everything");
    FAIL() << "no error";
  } catch (const ir::Error& e) {
    EXPECT_STREQ(e.what(), "unknown pass 'fuse-everything' (passes: shape-inference, canonicalize, fuse)");
  }
  passes::PassManagerOptions options;
  options.dumpAfter = {"nope"};
  passes::PassManager bad(options);
  ir::Graph g;
  std::ostringstream s;
  EXPECT_THROW(bad.run(g, s, s), ir::Error);
}

}  // namespace
}  // namespace shardc
