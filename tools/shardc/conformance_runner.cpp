#include "tools/shardc/conformance_runner.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/onnx_importer.h"
#include "frontend/onnx_inputs.h"
#include "frontend/onnx_tensor_file.h"
#include "ir/error.h"
#include "tools/shardc/model_loading.h"

namespace fs = std::filesystem;

namespace shardc::tools {
namespace {

bool isCase(const fs::path& dir) { return fs::exists(dir / "model.onnx"); }

std::vector<fs::path> sortedChildren(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// input_0.pb, input_1.pb, ... (or output_K) in numeric order.
std::vector<fs::path> numberedFiles(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  for (int k = 0;; ++k) {
    fs::path p = dir / fmt::format("{}_{}.pb", prefix, k);
    if (!fs::exists(p)) break;
    out.push_back(p);
  }
  return out;
}

std::string indexString(const ir::Shape& shape, int64_t flat) {
  std::vector<int64_t> idx(shape.rank());
  for (size_t d = shape.rank(); d-- > 0;) {
    idx[d] = shape.dims[d] ? flat % shape.dims[d] : 0;
    flat = shape.dims[d] ? flat / shape.dims[d] : 0;
  }
  return fmt::format("[{}]", fmt::join(idx, ","));
}

}  // namespace

std::vector<std::string> findCases(const std::string& root) {
  fs::path r(root);
  if (!fs::is_directory(r)) ir::fail("{}: not a directory", root);
  if (isCase(r)) return {r.string()};
  std::vector<std::string> cases;
  for (const auto& child : sortedChildren(r)) {
    if (isCase(child)) {
      cases.push_back(child.string());
      continue;
    }
    for (const auto& grandchild : sortedChildren(child))
      if (isCase(grandchild)) cases.push_back(grandchild.string());
  }
  return cases;
}

// ONNX's test data stores bfloat16 tensors as uint16 (numpy has no bfloat16): the same bits, read as the model's type.
static ir::Tensor asType(ir::Tensor t, ir::DType want) {
  if (want == ir::DType::bf16 && t.dtype() == ir::DType::u16)
    return ir::Tensor(want, t.shape(), std::span<const std::byte>(t.bytes(), t.byteSize()));
  return t;
}

std::string compareTensors(const ir::Tensor& got, const ir::Tensor& expected, const Tolerance& tol) {
  if (got.dtype() != expected.dtype())
    return fmt::format("dtype {}, expected {}", ir::dtypeName(got.dtype()), ir::dtypeName(expected.dtype()));
  if (!(got.shape() == expected.shape()))
    return fmt::format("shape {}, expected {}", got.shape().str(), expected.shape().str());
  bool floating = ir::isFloat(got.dtype());
  for (int64_t i = 0; i < got.numElements(); ++i) {
    if (floating) {
      double g = got.elementAsDouble(i), e = expected.elementAsDouble(i);
      if (std::isnan(e) && std::isnan(g)) continue;
      if (std::isinf(e) && g == e) continue;
      if (std::fabs(g - e) <= tol.atol + tol.rtol * std::fabs(e)) continue;
      return fmt::format("element {}: got {:.9g}, expected {:.9g}", indexString(got.shape(), i), g, e);
    }
    if (got.elementAsInt(i) != expected.elementAsInt(i))
      return fmt::format("element {}: got {}, expected {}", indexString(got.shape(), i), got.elementAsInt(i),
                         expected.elementAsInt(i));
  }
  return "";
}

CaseResult runCase(const std::string& caseDir, const std::string& displayName, const Executor& execute,
                   const Tolerance& tol) {
  CaseResult result{displayName, CaseStatus::Passed, ""};
  fs::path dir(caseDir);
  try {
    std::vector<fs::path> sets;
    for (const auto& child : sortedChildren(dir))
      if (child.filename().string().rfind("test_data_set_", 0) == 0) sets.push_back(child);
    if (sets.empty()) ir::fail("{}: no test_data_set_* folder", caseDir);

    std::string modelPath = (dir / "model.onnx").string();
    std::vector<frontend::OnnxInput> modelInputs = frontend::onnxInputs(modelPath);
    for (const auto& in : modelInputs)
      if (!in.isTensor) ir::unsupported("input '{}' is not a tensor (sequence, map and optional values are not supported)", in.name);
    std::vector<fs::path> firstInputs = numberedFiles(sets[0], "input");
    if (firstInputs.size() != modelInputs.size())
      ir::unsupported("the data set has {} inputs for {} model inputs (optional inputs left out)", firstInputs.size(),
                      modelInputs.size());
    frontend::ImportOptions options;
    for (size_t i = 0; i < modelInputs.size(); ++i) {
      ir::Tensor t = frontend::readOnnxTensorFile(firstInputs[i].string());
      options.inputShapes[modelInputs[i].name] = t.shape();
      // Integer inputs may be shapes or axes, and scalars bounds or fill values (Range, Pad), that operators need at
      // compile time; the cases give them as data.
      bool scalar = t.numElements() == 1 && t.dtype() != ir::DType::boolean;
      if ((t.dtype() == ir::DType::i64 || scalar) && sets.size() == 1) options.inputValues[modelInputs[i].name] = t;
    }
    ir::Graph g = frontend::importOnnxFile(modelPath, options);
    prepareGraph(g, {}, std::cerr);

    for (const auto& set : sets) {
      std::vector<ir::Tensor> inputs;
      for (const auto& p : numberedFiles(set, "input"))
        inputs.push_back(asType(frontend::readOnnxTensorFile(p.string()), g.value(g.inputs()[inputs.size()]).type.dtype));
      std::vector<fs::path> expectedFiles = numberedFiles(set, "output");
      std::vector<ir::Tensor> outputs = execute(g, inputs);
      if (outputs.size() != expectedFiles.size())
        ir::fail("{} outputs, expected {}", outputs.size(), expectedFiles.size());
      for (size_t k = 0; k < outputs.size(); ++k) {
        ir::Tensor expected = asType(frontend::readOnnxTensorFile(expectedFiles[k].string()), outputs[k].dtype());
        std::string mismatch = compareTensors(outputs[k], expected, tol);
        if (!mismatch.empty()) {
          result.status = CaseStatus::Failed;
          result.detail = fmt::format("{}: output {} '{}': {}", set.filename().string(), k,
                                      g.value(g.outputs()[k]).name, mismatch);
          return result;
        }
      }
    }
  } catch (const ir::Unsupported& e) {
    result.status = CaseStatus::Unsupported;
    result.detail = e.what();
  } catch (const std::exception& e) {
    result.status = CaseStatus::Failed;
    result.detail = e.what();
  }
  return result;
}

}  // namespace shardc::tools
