// Inputs the fuzzers found crashing a reader (tests/fuzz/regressions/TARGET/), each now refused with one ir::Error
// saying what is wrong.
#include <filesystem>
#include <functional>

#include <gtest/gtest.h>

#include "frontend/checkpoint_store.h"
#include "frontend/mindir_importer.h"
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

}  // namespace
}  // namespace shardc
