// shardc graph: a program (or a model) as Graphviz DOT: ops, tensors with their types and layouts, collectives
// with their groups and bytes.
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/atomic_file.h"
#include "ir/error.h"
#include "ir/parser.h"
#include "tools/shardc/commands.h"
#include "tools/shardc/model_loading.h"

namespace shardc::tools {
namespace {

// Labels use DOT's \n line breaks; only quotes need escaping.
std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"') out += '\\';
    out += c;
  }
  return out;
}

bool isCollective(ir::OpKind k) {
  return k == ir::OpKind::AllReduce || k == ir::OpKind::AllGather || k == ir::OpKind::ReduceScatter ||
         k == ir::OpKind::AllToAll || k == ir::OpKind::ShardSlice;
}

}  // namespace

std::string graphToDot(const ir::Graph& g, const std::map<std::string, std::string>& layouts) {
  std::string out = fmt::format("digraph \"{}\" {{\n  rankdir=TB;\n  node [fontname=\"monospace\", fontsize=10];\n", escape(g.name));
  std::vector<ir::OpId> producer = g.producers();
  auto valueLabel = [&](ir::ValueId v) {
    const ir::Value& val = g.value(v);
    std::string label = val.name + "\\n" + val.type.str();
    auto it = layouts.find(val.name);
    if (it != layouts.end()) label += "\\n" + it->second.substr(it->second.find(':') + 2);
    return escape(label);
  };
  for (ir::ValueId v : g.inputs()) out += fmt::format("  v{} [shape=box, style=rounded, label=\"input {}\"];\n", v, valueLabel(v));
  for (ir::ValueId v : g.params()) out += fmt::format("  v{} [shape=box, style=dashed, label=\"param {}\"];\n", v, valueLabel(v));
  for (size_t i = 0; i < g.ops().size(); ++i) {
    const ir::Op& op = g.ops()[i];
    std::string label = std::string(ir::opKindName(op.kind));
    if (isCollective(op.kind)) {
      std::vector<int64_t> axes = op.attrs.getInts("axes");
      label += fmt::format("\\ngroup: mesh axes {} ({} ranks)", fmt::join(axes, ","), op.attrs.getInt("group_size", 0));
      if (op.attrs.has("bytes")) label += fmt::format("\\n{} B/rank", op.attrs.getInt("bytes", 0));
    }
    out += fmt::format("  op{} [shape=ellipse, {}label=\"{}\"];\n", i,
                       isCollective(op.kind) ? "style=filled, fillcolor=\"#f4c27a\", " : "", escape(label));
    for (ir::ValueId v : op.operands) {
      ir::OpId p = producer[size_t(v)];
      std::string from = p == ir::kNoOp ? fmt::format("v{}", v) : fmt::format("op{}", p);
      out += fmt::format("  {} -> op{} [label=\"{}\"];\n", from, i, p == ir::kNoOp ? "" : valueLabel(v));
    }
  }
  for (ir::ValueId v : g.outputs()) {
    ir::OpId p = producer[size_t(v)];
    out += fmt::format("  out{} [shape=box, style=rounded, label=\"output {}\"];\n", v, valueLabel(v));
    out += fmt::format("  {} -> out{};\n", p == ir::kNoOp ? fmt::format("v{}", v) : fmt::format("op{}", p), v);
  }
  return out + "}\n";
}

void addGraphCommand(CLI::App& app, std::ostream& out, int& status) {
  struct Args {
    ModelOptions model;
    std::string output;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("graph", "Write a compiled program (OUT/) or a model as Graphviz DOT");
  cmd->add_option("input", args->model.path, "A shardc compile output directory, or a model")->required()->check(CLI::ExistingPath);
  cmd->add_option("-o,--output", args->output, "The .dot file to write (default: standard output)");
  addModelOptions(*cmd, args->model);
  cmd->callback([args, &out, &status] {
    ir::Graph g;
    std::map<std::string, std::string> layouts;
    if (std::filesystem::is_directory(args->model.path)) {
      std::string irPath = (std::filesystem::path(args->model.path) / "programs" / "program_0.ir").string();
      std::ifstream in(irPath);
      if (!in) ir::fail("{}: no program (is this the output of shardc compile?)", irPath);
      std::stringstream ss;
      ss << in.rdbuf();
      std::string text = ss.str();
      g = ir::parseGraph(text, irPath);
      std::istringstream lines(text);
      std::string line;
      while (std::getline(lines, line))
        if (line.rfind("// layout %", 0) == 0) {
          auto colon = line.find(": ");
          layouts[line.substr(11, colon - 11)] = line.substr(colon);
        }
    } else {
      g = loadModel(args->model, out);
    }
    std::string dot = graphToDot(g, layouts);
    if (args->output.empty())
      out << dot;
    else
      frontend::writeFileAtomically(args->output, dot);
    status = 0;
  });
}

}  // namespace shardc::tools
