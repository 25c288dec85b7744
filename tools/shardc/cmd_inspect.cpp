// shardc inspect: any file shardc reads, shown readably.
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "frontend/npy.h"
#include "frontend/onnx_tensor_file.h"
#include "ir/error.h"
#include "ir/parser.h"
#include "ir/printer.h"
#include "tools/shardc/commands.h"
#include "tools/shardc/model_loading.h"

namespace shardc::tools {
namespace {

void printTensorSummary(std::ostream& out, const std::string& what, const ir::Tensor& t) {
  out << fmt::format("{}: {} ({} bytes)\n", what, t.type().str(), t.byteSize());
  int64_t n = t.numElements();
  if (n == 0) return;
  bool numeric = t.dtype() != ir::DType::boolean;
  double lo = t.elementAsDouble(0), hi = lo, sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    double v = t.elementAsDouble(i);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
  }
  if (numeric) out << fmt::format("  min {:.6g}  max {:.6g}  mean {:.6g}\n", lo, hi, sum / static_cast<double>(n));
  out << "  values:";
  for (int64_t i = 0; i < std::min<int64_t>(n, 16); ++i) out << fmt::format(" {:.6g}", t.elementAsDouble(i));
  out << (n > 16 ? " ...\n" : "\n");
}

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ir::fail("{}: cannot open", path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

void addInspectCommand(CLI::App& app, std::ostream& out, int& status) {
  struct Args {
    ModelOptions model;
    bool allData = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Show a file readably: a model (.onnx) or text IR as text IR, a tensor (.npy, ONNX .pb)");
  cmd->add_option("file", args->model.path, "The file")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--all-data", args->allData, "Print every parameter's bytes instead of eliding large ones");
  addModelOptions(*cmd, args->model);
  cmd->callback([args, &out, &status] {
    const std::string& path = args->model.path;
    std::string ext = std::filesystem::path(path).extension().string();
    ir::PrintOptions po;
    if (args->allData) po.elideAbove = -1;
    if (ext == ".npy") {
      printTensorSummary(out, path, frontend::readNpy(path));
    } else if (ext == ".pb") {
      printTensorSummary(out, path, frontend::readOnnxTensorFile(path));
    } else if (ext == ".ir" || ext == ".shardc") {
      out << ir::printGraph(ir::parseGraph(readAll(path), path), po);
    } else {
      out << ir::printGraph(loadModel(args->model, out), po);
    }
    status = 0;
  });
}

}  // namespace shardc::tools
