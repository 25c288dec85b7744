// shardc eval: run a model through the reference interpreter.
#include <filesystem>
#include <ostream>

#include <CLI/CLI.hpp>

#include "frontend/npy.h"
#include "ir/error.h"
#include "ir/interpreter/interpreter.h"
#include "tools/shardc/commands.h"
#include "tools/shardc/input_args.h"
#include "tools/shardc/model_loading.h"

namespace shardc::tools {

void addEvalCommand(CLI::App& app, std::ostream& out, int& status) {
  struct Args {
    ModelOptions model;
    std::vector<std::string> inputs;
    std::string outputDir;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("eval", "Run a model on the reference interpreter and write its outputs");
  cmd->add_option("model", args->model.path, "The model (.onnx or .mindir)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--input,-i", args->inputs, "NAME=FILE.npy, or FILE.npy in input order (repeatable)");
  cmd->add_option("--output-dir,-o", args->outputDir, "Write each output as DIR/NAME.npy")->required();
  addModelOptions(*cmd, args->model);
  cmd->callback([args, &out, &status] {
    ir::Graph g = loadModel(args->model, out);
    std::vector<ir::Tensor> inputs = bindInputs(g, args->inputs);
    std::vector<ir::Tensor> outputs = ir::interpret(g, inputs);
    std::error_code ec;
    std::filesystem::create_directories(args->outputDir, ec);
    if (ec) ir::fail("{}: cannot create the output directory: {}", args->outputDir, ec.message());
    for (size_t i = 0; i < outputs.size(); ++i) {
      std::string name = g.value(g.outputs()[i]).name;
      std::string path = (std::filesystem::path(args->outputDir) / (fileNameFor(name) + ".npy")).string();
      frontend::writeNpy(path, outputs[i]);
      out << name << ": " << outputs[i].type().str() << " -> " << path << "\n";
    }
    status = 0;
  });
}

}  // namespace shardc::tools
