#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "cli_test_util.h"
#include "frontend/onnx_writer.h"
#include "tools/shardc/demo_model.h"

namespace shardc {
namespace {
using testing::lineCount;
using testing::runCli;
using testing::TempDir;

void writeBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Each bad model: exit 1, exactly one line, naming the file (or node), and no output directory.
void expectOneLineError(const std::vector<std::string>& args, const std::string& mentions,
                        const std::string& outDir) {
  auto r = runCli(args);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(mentions), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(outDir)) << outDir;
}

TEST(CliBadModel, TruncatedOnnxFile) {
  TempDir dir("bad_truncated");
  frontend::writeOnnxModel(tools::buildDemoMlp(1), dir / "m.onnx");
  std::string bytes = readBytes(dir / "m.onnx");
  writeBytes(dir / "t.onnx", bytes.substr(0, bytes.size() / 3));
  expectOneLineError({"eval", dir / "t.onnx", "--shape", "x=1x28x28", "-i", "x.npy", "-o", dir / "out"},
                     dir / "t.onnx", dir / "out");
  expectOneLineError({"inspect", dir / "t.onnx"}, dir / "t.onnx", dir / "out");
}

TEST(CliBadModel, NotAnOnnxFile) {
  TempDir dir("bad_text");
  writeBytes(dir / "m.onnx", "this is not a protobuf\n\xff\xff\xff");
  expectOneLineError({"inspect", dir / "m.onnx"}, dir / "m.onnx", dir / "out");
}

TEST(CliBadModel, UnsupportedOperatorNamesNodeOpTypeAndOpset) {
  TempDir dir("bad_op");
  onnx::ModelProto model;
  model.set_ir_version(8);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  auto* graph = model.mutable_graph();
  graph->set_name("g");
  auto* in = graph->add_input();
  in->set_name("x");
  in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  in->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(4);
  auto* node = graph->add_node();
  node->set_name("weird");
  node->set_op_type("Acosh");
  node->add_input("x");
  node->add_output("y");
  auto* out = graph->add_output();
  out->set_name("y");
  out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  writeBytes(dir / "m.onnx", model.SerializeAsString());
  auto r = runCli({"inspect", dir / "m.onnx"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("'weird'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Acosh"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("opset 17"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("MatMul"), std::string::npos) << "lists the supported operators: " << r.err;
}

TEST(CliBadModel, MissingModelFileIsAUsageError) {
  auto r = runCli({"inspect", "/nonexistent/model.onnx"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("/nonexistent/model.onnx"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace shardc
