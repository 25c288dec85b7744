// The embedding API (shardrt.h, "compiled models") on a program compiled with --emit lib, loaded into this
// process: each call, with the errors a caller can make — a wrong input name or size, predict before every input
// is set, an output before any predict, weights missing or wrong, and a handle used after close — each one
// error naming the cause, never a crash. Also the library's files and header, and weights given from memory.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "kernel_test_util.h"
#include "runtime/include/shardrt/shardrt.h"
#include "runtime/include/shardrt/shardrt.hpp"
#include "tools/shardc/compile_driver.h"

namespace shardc {
namespace {
namespace fs = std::filesystem;
using ir::DType;
using ir::OpKind;

// y = relu(x · w + b), x f32[2,3], and the interpreter's answer for an input.
ir::Graph layer() {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {DType::f32, {2, 3}});
  ir::ValueId w = g.addParam("w", ir::Tensor::fromDoubles(DType::f32, {3, 4}, {1, -2, 3, 0.5, 0, 1, -1, 2, 2, 0, 1, -3}));
  ir::ValueId b = g.addParam("b", ir::Tensor::fromDoubles(DType::f32, {4}, {0.25, 0.5, -0.5, 1}));
  ir::ValueId y = g.addOp1(OpKind::Relu, {g.addOp1(OpKind::Add, {g.addOp1(OpKind::MatMul, {x, w}, "xw"), b}, "z")}, "y");
  g.setOutputs({y});
  for (const ir::Op& op : g.ops()) g.value(op.results[0]).type = ir::inferResultTypes(g, op)[0];
  return g;
}

class ModelApi : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::workDir("model_api");
    fs::create_directories(dir_);
    tools::CompileOptions options;
    options.outDir = dir_ + "/out";
    options.modelPath = "layer.onnx";
    options.emit = {"lib"};
    options.libraryName = "layer";
    options.quiet = true;
    std::ostringstream log;
    tools::compileGraph(layer(), options, log);
    std::string so = dir_ + "/layer.so";
    ASSERT_EQ(std::system(fmt::format("c++ -shared -o '{}' '{}/out/lib/layer.o'", so, dir_).c_str()), 0);
    library_ = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(library_, nullptr) << dlerror();
    program_ = static_cast<const shardrt_program*>(dlsym(library_, "layer_program"));
    ASSERT_NE(program_, nullptr);
    weights_ = dir_ + "/out/weights/rank_{rank}.bin";
    options_ = shardrt_model_default_options();
    options_.use_mpi = 0;
    options_.weights_path = weights_.c_str();
  }
  void TearDown() override {
    if (library_) dlclose(library_);
    fs::remove_all(dir_);
  }

  std::string dir_, weights_;
  void* library_ = nullptr;
  const shardrt_program* program_ = nullptr;
  shardrt_model_options options_{};
  const std::vector<float> x_{1, 2, 3, -1, 0.5, 2};
};

TEST_F(ModelApi, TheLibraryHasItsObjectHeaderAndWeightsAndNoExecutables) {
  EXPECT_TRUE(fs::exists(dir_ + "/out/lib/layer.o"));
  EXPECT_TRUE(fs::exists(dir_ + "/out/weights/rank_0.bin"));
  EXPECT_FALSE(fs::exists(dir_ + "/out/bin"));
  std::ifstream in(dir_ + "/out/include/layer.h");
  std::string header((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(header.find("extern const shardrt_program layer_program;"), std::string::npos) << header;
  EXPECT_NE(header.find("#define LAYER_RANKS 1"), std::string::npos) << header;
  EXPECT_NE(header.find("#define LAYER_WEIGHTS \"" + fs::absolute(dir_ + "/out").string() + "/weights/rank_{rank}.bin\""),
            std::string::npos)
      << header;
  EXPECT_NE(header.find(" *   x f32[2,3]"), std::string::npos) << header;
  EXPECT_NE(header.find(" *   y f32[2,4]"), std::string::npos) << header;
}

TEST_F(ModelApi, OpenDescribeSetPredictRead) {
  shardrt_model* m = nullptr;
  ASSERT_EQ(shardrt_model_open(program_, &options_, &m), 0) << shardrt_model_error(nullptr);
  EXPECT_EQ(shardrt_model_rank(m), 0);
  EXPECT_EQ(shardrt_model_world_size(m), 1);
  ASSERT_EQ(shardrt_model_num_inputs(m), 1);
  ASSERT_EQ(shardrt_model_num_outputs(m), 1);
  shardrt_tensor_info d;
  ASSERT_EQ(shardrt_model_input(m, 0, &d), 0);
  EXPECT_STREQ(d.name, "x");
  EXPECT_EQ(d.dtype, SHARDRT_F32);
  EXPECT_EQ(std::vector<int64_t>(d.dims, d.dims + d.rank), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(std::vector<int64_t>(d.global_dims, d.global_dims + d.rank), (std::vector<int64_t>{2, 3}));
  ASSERT_EQ(shardrt_model_output(m, 0, &d), 0);
  EXPECT_STREQ(d.name, "y");
  EXPECT_EQ(std::vector<int64_t>(d.dims, d.dims + d.rank), (std::vector<int64_t>{2, 4}));
  ASSERT_EQ(shardrt_model_set_input(m, "x", x_.data(), x_.size() * 4), 0) << shardrt_model_error(m);
  ASSERT_EQ(shardrt_model_predict(m), 0) << shardrt_model_error(m);
  std::vector<float> y(8);
  ASSERT_EQ(shardrt_model_get_output(m, "y", y.data(), y.size() * 4), 0) << shardrt_model_error(m);
  // x·w + b: row 0 = (1·1+2·0+3·2+.25, 1·-2+2·1+0+.5, 1·3+2·-1+3·1-.5, .5+4-9+1) = (7.25, .5, 3.5, -3.5)
  EXPECT_EQ(y, (std::vector<float>{7.25f, 0.5f, 3.5f, 0.0f, 3.25f, 3.0f, 0.0f, 0.0f}));
  // Inputs keep their values: a second predict gives the same.
  ASSERT_EQ(shardrt_model_predict(m), 0);
  std::vector<float> again(8);
  ASSERT_EQ(shardrt_model_get_output(m, "y", again.data(), again.size() * 4), 0);
  EXPECT_EQ(again, y);
  shardrt_model_close(m);
}

TEST_F(ModelApi, EachMistakeIsAnErrorNamingIt) {
  shardrt_model* m = nullptr;
  ASSERT_EQ(shardrt_model_open(program_, &options_, &m), 0) << shardrt_model_error(nullptr);
  std::vector<float> y(8);
  EXPECT_NE(shardrt_model_predict(m), 0);
  EXPECT_STREQ(shardrt_model_error(m), "input 'x' (f32[2,3]) has not been set");
  EXPECT_NE(shardrt_model_get_output(m, "y", y.data(), 32), 0);
  EXPECT_STREQ(shardrt_model_error(m), "output 'y': no prediction has run yet");
  EXPECT_NE(shardrt_model_set_input(m, "z", x_.data(), 24), 0);
  EXPECT_STREQ(shardrt_model_error(m), "the program has no input 'z'");
  EXPECT_NE(shardrt_model_set_input(m, "x", x_.data(), 20), 0);
  EXPECT_STREQ(shardrt_model_error(m), "input 'x': expected 24 bytes (f32[2,3]), got 20");
  shardrt_tensor_info d;
  EXPECT_NE(shardrt_model_input(m, 1, &d), 0);
  EXPECT_STREQ(shardrt_model_error(m), "input index 1 is out of range (the program has 1)");
  ASSERT_EQ(shardrt_model_set_input(m, "x", x_.data(), 24), 0);
  ASSERT_EQ(shardrt_model_predict(m), 0);
  EXPECT_NE(shardrt_model_get_output(m, "logits", y.data(), 32), 0);
  EXPECT_STREQ(shardrt_model_error(m), "the program has no output 'logits'");
  EXPECT_NE(shardrt_model_get_output(m, "y", y.data(), 16), 0);
  EXPECT_STREQ(shardrt_model_error(m), "output 'y': it has 32 bytes (f32[2,4]), the buffer 16");
  shardrt_model_close(m);
  // Use after close: every call fails and says why.
  EXPECT_NE(shardrt_model_predict(m), 0);
  EXPECT_STREQ(shardrt_model_error(m), "the model handle is not an open model (closed already?)");
  EXPECT_NE(shardrt_model_set_input(m, "x", x_.data(), 24), 0);
  EXPECT_EQ(shardrt_model_num_inputs(m), -1);
  shardrt_model_close(m);  // twice: nothing happens
  EXPECT_NE(shardrt_model_predict(nullptr), 0);
  EXPECT_STREQ(shardrt_model_error(nullptr), "the model handle is NULL");
}

TEST_F(ModelApi, WeightsMissingWrongOrFromMemory) {
  shardrt_model* m = nullptr;
  shardrt_model_options o = options_;
  std::string missing = dir_ + "/nowhere_{rank}.bin";
  o.weights_path = missing.c_str();
  EXPECT_NE(shardrt_model_open(program_, &o, &m), 0);
  EXPECT_EQ(m, nullptr);
  EXPECT_NE(std::string(shardrt_model_error(nullptr)).find(dir_ + "/nowhere_0.bin: cannot open the weight file"),
            std::string::npos)
      << shardrt_model_error(nullptr);
  o.weights_path = nullptr;
  EXPECT_NE(shardrt_model_open(program_, &o, &m), 0);
  EXPECT_STREQ(shardrt_model_error(nullptr), "the program needs 2 weights: give weights_path or weights_data");
  // The weight file's bytes from memory.
  std::ifstream in(dir_ + "/out/weights/rank_0.bin", std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  o.weights_data = bytes.data();
  o.weights_bytes = bytes.size();
  ASSERT_EQ(shardrt_model_open(program_, &o, &m), 0) << shardrt_model_error(nullptr);
  ASSERT_EQ(shardrt_model_set_input(m, "x", x_.data(), 24), 0);
  ASSERT_EQ(shardrt_model_predict(m), 0);
  std::vector<float> y(8);
  ASSERT_EQ(shardrt_model_get_output(m, "y", y.data(), 32), 0);
  EXPECT_EQ(y, (std::vector<float>{7.25f, 0.5f, 3.5f, 0.0f, 3.25f, 3.0f, 0.0f, 0.0f}));
  shardrt_model_close(m);
  o.weights_bytes = 10;
  EXPECT_NE(shardrt_model_open(program_, &o, &m), 0);
  EXPECT_STREQ(shardrt_model_error(nullptr), "the weights in memory: not a shardc weight file (too short)");
}

TEST_F(ModelApi, TheCppWrapperThrowsTheSameMessages) {
  shardrt::Model model(*program_, options_);
  EXPECT_EQ(model.inputs().at(0).name, "x");
  EXPECT_EQ(model.outputs().at(0).bytes(), 32u);
  EXPECT_THROW(model.predict(), shardrt::Error);
  model.setInput("x", x_);
  model.predict();
  EXPECT_EQ(model.output<float>("y"), (std::vector<float>{7.25f, 0.5f, 3.5f, 0.0f, 3.25f, 3.0f, 0.0f, 0.0f}));
  try {
    model.setInput("x", std::vector<float>{1});
    ADD_FAILURE() << "a one-element input was accepted";
  } catch (const shardrt::Error& e) {
    EXPECT_STREQ(e.what(), "input 'x': expected 24 bytes (f32[2,3]), got 4");
  }
}

}  // namespace
}  // namespace shardc
