// Writing small ONNX models in tests, node by node, at a chosen opset.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include "frontend/onnx_tensor.h"

namespace shardc::testing {

class OnnxModelBuilder {
 public:
  explicit OnnxModelBuilder(int64_t opset) {
    model_.set_ir_version(8);
    auto* o = model_.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    model_.mutable_graph()->set_name("test");
  }

  OnnxModelBuilder& input(const std::string& name, std::vector<int64_t> dims, int32_t type = onnx::TensorProto::FLOAT,
                          const std::vector<std::string>& dimParams = {}) {
    auto* in = model_.mutable_graph()->add_input();
    in->set_name(name);
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(type);
    for (size_t i = 0; i < dims.size(); ++i) {
      auto* d = tt->mutable_shape()->add_dim();
      if (i < dimParams.size() && !dimParams[i].empty()) d->set_dim_param(dimParams[i]);
      else d->set_dim_value(dims[i]);
    }
    return *this;
  }

  OnnxModelBuilder& initializer(const std::string& name, const ir::Tensor& t) {
    *model_.mutable_graph()->add_initializer() = frontend::tensorToOnnx(t, name);
    return *this;
  }

  onnx::NodeProto& node(const std::string& op, std::vector<std::string> ins, std::vector<std::string> outs,
                        const std::string& name = "") {
    auto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? outs.at(0) : name);
    for (auto& i : ins) n->add_input(i);
    for (auto& o : outs) n->add_output(o);
    return *n;
  }

  OnnxModelBuilder& output(const std::string& name) {
    model_.mutable_graph()->add_output()->set_name(name);
    return *this;
  }

  static void intAttr(onnx::NodeProto& n, const std::string& name, int64_t v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void intsAttr(onnx::NodeProto& n, const std::string& name, std::vector<int64_t> v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v) a->add_ints(x);
  }
  static void floatAttr(onnx::NodeProto& n, const std::string& name, float v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }

  // Writes the model to a temporary file and returns its path.
  std::string write(const std::string& name) const {
    std::string path = (std::filesystem::path(::testing::TempDir()) /
                        ("shardc_" + name + "_" + std::to_string(::getpid()) + ".onnx"))
                           .string();
    std::ofstream(path, std::ios::binary) << model_.SerializeAsString();
    return path;
  }

  onnx::ModelProto& model() { return model_; }

 private:
  onnx::ModelProto model_;
};

}  // namespace shardc::testing
