// shardc inspect: any file shardc reads, shown readably.
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "frontend/npy.h"
#include "frontend/onnx_tensor_file.h"
#include "frontend/strategy_file.h"
#include "ir/error.h"
#include "ir/parser.h"
#include "ir/printer.h"
#include "tools/shardc/commands.h"
#include "tools/shardc/model_loading.h"
#include "tools/shardc/checkpoint_summary.h"
#include "tools/shardc/strategy_printer.h"

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

// A MindSpore strategy in protobuf starts with its current_stage varint (field 1, wire type 0): byte 0x08. Models
// (MindIR, ONNX's starts with 0x08 too but is named .onnx) and checkpoints start with a length-delimited field.
bool looksLikeStrategy(const std::string& path, const std::string& ext) {
  if (ext == ".json") return true;
  if (ext == ".onnx" || ext == ".pb" || ext == ".mindir") return false;
  std::ifstream in(path, std::ios::binary);
  return in.get() == 0x08;
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
    std::string format, output;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Show a file readably: a model (.onnx, .mindir) or text IR as text IR, a tensor (.npy, ONNX .pb), a strategy (MindSpore protobuf or JSON, shardc JSON), a checkpoint (.ckpt, .safetensors: tensors with checksums); -o --format converts a strategy");
  cmd->add_option("file", args->model.path, "The file")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--all-data", args->allData, "Print every parameter's bytes instead of eliding large ones");
  cmd->add_option("--format", args->format, "With -o: write a strategy file in this format")
      ->check(CLI::IsMember({"shardc", "mindspore-json", "mindspore-pb"}));
  cmd->add_option("-o,--output", args->output, "Write the strategy, converted to --format, to this file");
  addModelOptions(*cmd, args->model);
  cmd->callback([args, &out, &status] {
    const std::string& path = args->model.path;
    std::string ext = std::filesystem::path(path).extension().string();
    ir::PrintOptions po;
    if (args->allData) po.elideAbove = -1;
    if (!args->output.empty() && args->format.empty()) ir::fail("-o needs --format (shardc, mindspore-json, mindspore-pb)");
    if (looksLikeStrategy(path, ext)) {
      ir::StrategyMap s = frontend::readStrategyFile(path);
      if (!args->output.empty()) {
        frontend::writeStrategyFile(s, args->output, frontend::parseStrategyFormat(args->format));
        out << "wrote " << args->output << " (" << args->format << ")\n";
      } else {
        out << "format: " << frontend::strategyFormatName(frontend::detectStrategyFormat(path)) << "\n"
            << describeStrategy(s);
      }
    } else if (!args->output.empty()) {
      ir::fail("{}: -o converts strategy files only", path);
    } else if (ext == ".ckpt" || ext == ".safetensors") {
      out << describeCheckpoint(path);
    } else if (ext == ".npy") {
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
