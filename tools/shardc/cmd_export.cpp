// shardc export: what a compile produced, or a model, in a form other tools open — each rank's program as ONNX
// (collectives and rank-dependent ops as nodes of the "shardc" domain with their groups' ranks) or as MindIR (with
// MindSpore's primitive names and collectives, and the group-info file MindSpore Lite reads beside them, as
// MindSpore's distributed export writes them), or a model's global graph as ONNX or MindIR.
#include <filesystem>
#include <ostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "frontend/atomic_file.h"
#include "frontend/mindir_graph_writer.h"
#include "frontend/mindspore_group_info.h"
#include "frontend/onnx_writer.h"
#include "ir/error.h"
#include "tools/shardc/commands.h"
#include "tools/shardc/model_loading.h"
#include "tools/shardc/output_directory.h"
#include "tools/shardc/rank_export.h"

namespace shardc::tools {

void addExportCommand(CLI::App& app, std::ostream& out, int& status) {
  struct Args {
    std::string source, format = "onnx", output;
    ModelOptions model;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "export", "Write each rank's program of a compiled job (OUT), or a model's global graph, as ONNX or MindIR");
  cmd->add_option("source", args->source, "A shardc compile output directory, or a model file")->required();
  cmd->add_option("--format", args->format,
                  "onnx, or mindir (MindSpore's primitives; for OUT with the group-info file group_info.pb)")
      ->check(CLI::IsMember({"onnx", "mindir"}));
  cmd->add_option("-o,--output", args->output,
                  "For OUT: the directory of rank_K.onnx or rank_K.mindir (default OUT/export, replaced only when "
                  "complete); for a model: the file to write");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress output");
  cmd->add_option("--shape", args->model.shapes, "For a model: give an input a static shape, NAME=1x784");
  cmd->callback([args, &out, &status] {
    if (std::filesystem::is_directory(args->source)) {
      int64_t ranks = compiledRanks(args->source);
      std::string dir = args->output.empty() ? (std::filesystem::path(args->source) / "export").string() : args->output;
      OutputDirectory target(dir);
      bool mindir = args->format == "mindir";
      frontend::GroupRanks groups;
      for (int64_t r = 0; r < ranks; ++r) {
        ir::Graph g = loadRankProgram(args->source, r);
        std::string name = "rank_" + std::to_string(r) + (mindir ? ".mindir" : ".onnx");
        std::string file = target.path(name);
        if (mindir)  // messages name the file as it will be, not the temporary directory's
          frontend::writeFileAtomically(
              file, frontend::serializeMindIrGraph(g, (std::filesystem::path(dir) / name).string(), r, &groups));
        else
          frontend::writeOnnxModel(g, file, 17, /*rankProgram=*/true);
      }
      // Every group the files name, for loaders that take groups by name (MindSpore Lite, --group-info).
      if (mindir) {
        std::vector<int64_t> all;
        for (int64_t r = 0; r < ranks; ++r) all.push_back(r);
        frontend::writeGroupInfoFile(target.path("group_info.pb"), groups, all);
      }
      target.commit();
      if (!args->quiet) out << fmt::format("shardc: wrote {} rank program(s) to {}\n", ranks, dir);
    } else {
      if (args->output.empty()) ir::fail("export {}: give the .{} file to write with -o", args->source, args->format);
      args->model.path = args->source;
      ir::Graph g = loadModel(args->model, out);
      if (args->format == "mindir")
        frontend::writeMindIrGraph(g, args->output);
      else
        frontend::writeOnnxModel(g, args->output, 17);
      if (!args->quiet) out << fmt::format("shardc: wrote {} ({} ops)\n", args->output, g.ops().size());
    }
    status = 0;
  });
}

}  // namespace shardc::tools
