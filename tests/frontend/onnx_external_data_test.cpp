// Initializers in side files (ONNX external data): read from the mapped file at their offset, checked against
// their shape; every wrong location, range or length is one error naming the tensor and the file.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "file_test_util.h"
#include "frontend/onnx_importer.h"
#include "ir/error.h"
#include "ir/interpreter/interpreter.h"
#include "onnx_model_builder.h"

namespace shardc::frontend {
namespace {
using testing::OnnxModelBuilder;

class OnnxExternalData : public testing::FileTest {
 protected:
  std::string dirText() const { return dir.string(); }

  // y = x * w, with w's 6 floats stored in weights.bin after `skip` bytes of other data.
  std::string writeModel(const std::map<std::string, std::string>& entries, uint64_t skip = 24) {
    std::vector<float> w{1.5f, -2, 3, 0.25f, 8, -1};
    {
      std::ofstream bin(dirText() + "/weights.bin", std::ios::binary);
      std::string pad(skip, '\x7f');
      bin.write(pad.data(), std::streamsize(pad.size()));
      bin.write(reinterpret_cast<const char*>(w.data()), std::streamsize(w.size() * sizeof(float)));
    }
    OnnxModelBuilder b(13);
    b.input("x", {2, 3});
    auto* init = b.model().mutable_graph()->add_initializer();
    init->set_name("w");
    init->set_data_type(onnx::TensorProto::FLOAT);
    init->add_dims(2);
    init->add_dims(3);
    init->set_data_location(onnx::TensorProto::EXTERNAL);
    for (const auto& [k, v] : entries) {
      auto* e = init->add_external_data();
      e->set_key(k);
      e->set_value(v);
    }
    b.node("Mul", {"x", "w"}, {"y"}, "scale");
    b.output("y");
    std::string path = dirText() + "/model.onnx";
    std::ofstream(path, std::ios::binary) << b.model().SerializeAsString();
    return path;
  }

  std::string errorOf(const std::string& path) {
    try {
      importOnnxFile(path);
    } catch (const ir::Error& e) {
      return e.what();
    }
    return "";
  }
};

TEST_F(OnnxExternalData, WeightsAreReadFromTheirOffsetInTheSideFile) {
  std::string path = writeModel({{"location", "weights.bin"}, {"offset", "24"}, {"length", "24"}});
  // The model file holds no weight bytes.
  EXPECT_LT(std::filesystem::file_size(path), 200u);
  ir::Graph g = importOnnxFile(path);
  ir::Tensor x = ir::Tensor::fromDoubles(ir::DType::f32, ir::Shape({2, 3}), {1, 1, 1, 2, 2, 2});
  ir::Tensor y = ir::interpret(g, {x})[0];
  std::vector<double> got;
  for (int64_t i = 0; i < y.numElements(); ++i) got.push_back(y.elementAsDouble(i));
  EXPECT_EQ(got, (std::vector<double>{1.5, -2, 3, 0.5, 16, -2}));
}

TEST_F(OnnxExternalData, BadLocationsRangesAndLengthsAreOneErrorEach) {
  EXPECT_EQ(errorOf(writeModel({{"location", "missing.bin"}})),
            "tensor 'w': cannot open its external data file " + dirText() + "/missing.bin");
  EXPECT_EQ(errorOf(writeModel({{"location", "../weights.bin"}})),
            "tensor 'w': external data location '../weights.bin' is outside the model's folder");
  EXPECT_EQ(errorOf(writeModel({{"location", "weights.bin"}, {"offset", "40"}})),
            "tensor 'w': bytes [40, 64) lie past the end of " + dirText() + "/weights.bin (48 bytes)");
  EXPECT_EQ(errorOf(writeModel({{"location", "weights.bin"}, {"length", "20"}})),
            "tensor 'w': external data length 20 in weights.bin, shape [2,3] of f32 needs 24");
  EXPECT_EQ(errorOf(writeModel({{"location", "weights.bin"}, {"offset", "x1"}})),
            "tensor 'w': external data 'offset' is \"x1\", not a byte count");
}

}  // namespace
}  // namespace shardc::frontend
