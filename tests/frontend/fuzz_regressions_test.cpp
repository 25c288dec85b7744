// Inputs the fuzzers found crashing a reader (tests/fuzz/regressions/TARGET/), each now refused with one ir::Error
// saying what is wrong.
#include <filesystem>
#include <functional>

#include <gtest/gtest.h>

#include "frontend/checkpoint_store.h"
#include "frontend/mindir_importer.h"
#include "frontend/npy.h"
#include "frontend/strategy_file.h"
#include "ir/error.h"

namespace shardc {
namespace {

const std::filesystem::path kRegressions = std::filesystem::path(SHARDC_SOURCE_DIR) / "tests/fuzz/regressions";

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ir::Error& e) {
    return e.what();
  }
  return "";
}

// An old-style attribute reference "Tuple[value0,...]" (entries count from 1) read its list at index -1 (the
// mindir fuzzer, under UBSan). The file is refused with an error; the sanitizer build's replay checks the read.
TEST(FuzzRegressions, MindIrAttributeReferenceToValueZero) {
  std::string path = (kRegressions / "mindir/value0_reference").string();
  EXPECT_NE(errorOf([&] { frontend::importMindIrFile(path); }), "");
}

// A .ckpt whose string field claims 2^63 bytes: the reader allocated the string before reading it
// (std::length_error, a crash of shardc). Now the length is checked against the file first.
TEST(FuzzRegressions, CkptFieldLongerThanTheFile) {
  std::string path = (kRegressions / "ckpt/huge_string_length").string();
  std::string e = errorOf([&] {
    auto r = frontend::openCheckpoint(path);
  });
  EXPECT_NE(e.find("runs past the end"), std::string::npos) << e;
}

// A .npy shape of (2, 555555000000...) whose element count overflows int64 (signed overflow in Shape::numElements,
// UBSan): refused from the header.
TEST(FuzzRegressions, NpyShapeWhoseElementCountOverflows) {
  std::string path = (kRegressions / "npy/overflowing_shape").string();
  std::string e = errorOf([&] { frontend::readNpy(path); });
  EXPECT_EQ(e.rfind(path + ": shape (2,, 55555555", 0), 0u) << e;  // (the header text holds a NUL: the message stops there)
}

// The same with a 0 among the dims: the reader skipped its check for an empty array, and Shape::numElements
// overflowed on the dims before the 0 (UBSan).
TEST(FuzzRegressions, NpyEmptyShapeWithAnImpossibleDim) {
  std::string path = (kRegressions / "npy/empty_shape_impossible_dim").string();
  std::string e = errorOf([&] { frontend::readNpy(path); });
  EXPECT_EQ(e.rfind(path + ": shape (2,, 55555555", 0), 0u) << e;
}

// A shardc strategy whose dim is 66666666666666666666666: JSON reads it as a float, and nlohmann's get<int> cast it
// out of range (UBSan). Numbers where integers belong must be integers.
TEST(FuzzRegressions, StrategyJsonFloatWhereAnIntegerBelongs) {
  std::string path = (kRegressions / "strategy_json/float_dim_out_of_int_range.json").string();
  std::string e = errorOf([&] { frontend::readStrategyFile(path); });
  EXPECT_NE(e.find("parameter 'layer2.bias': \"dims\" must hold integers ([[6.666666666666666e+22]])"), std::string::npos) << e;
}

// A strategy whose "format" is an object: telling shardc's JSON from MindSpore's read it as a string, and
// nlohmann's type_error escaped (shardc aborted). Not shardc's format, it is read as MindSpore's JSON, whose
// reader finds none of its keys: an empty strategy.
TEST(FuzzRegressions, StrategyJsonFormatThatIsNotAString) {
  std::string path = (kRegressions / "strategy_json/format_not_a_string.json").string();
  EXPECT_EQ(frontend::detectStrategyFormat(path), frontend::StrategyFormat::MindSporeJson);
  ir::StrategyMap s = frontend::readStrategyFile(path);
  EXPECT_TRUE(s.ops.empty());
  EXPECT_TRUE(s.params.empty());
}

}  // namespace
}  // namespace shardc
