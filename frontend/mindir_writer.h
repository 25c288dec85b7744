// Writing MindIR models node by node, as MindSpore exports them: new style (MindSpore >= 2.0: each node's op_type
// "REF::<primitive>:<id>" into the model's primitive list, sub-graph calls "REF::<graph>", constants as Constant
// nodes) or old style (1.x: the primitive's name as op_type, its attributes on the node). Names are MindSpore's:
// "<graph>:<name>" for inputs, parameters and node outputs, constants bare. What `shardc export --format mindir`
// writes a rank's graph with, and what the tests build MindIR files with.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "frontend/mindir_value.h"
#include "ir/tensor.h"

namespace shardc::frontend {

class MindIrWriter {
 public:
  enum class Style { New, Old };

  struct NodeOptions {
    std::string name;                    // the output's name in its graph; default: the primitive's, lower case
    std::string scope;                   // the full scope name (NodeProto.domain); default "Default/<Prim>-op<N>"
    std::optional<ir::TensorType> type;  // the output's type, written as the node's abstract ("shape")
  };

  // One graph of the model: the main graph or a sub-graph (function). Each method returns the name that refers
  // to the value it defines, to give as another node's input or as an output.
  struct Impl;

  class Graph {
   public:
    const std::string& name() const { return name_; }
    std::string input(const std::string& name, const ir::TensorType& type);
    // A weight (graph.parameter, ref_key the plain name).
    std::string parameter(const std::string& name, const ir::Tensor& data);
    // A Constant node: a tensor, a scalar, a tuple (a Reshape's shape), a dtype (Cast's).
    std::string constant(const std::string& name, const MindIrValue& value);
    // A primitive applied to `inputs`; attributes are the primitive's (in_strategy among them).
    std::string node(const std::string& primitive, const std::vector<std::string>& inputs, const MindIrAttrs& attrs = {},
                     const NodeOptions& options = {});
    // A call of sub-graph `callee` (of the same writer).
    std::string call(const Graph& callee, const std::vector<std::string>& inputs, const NodeOptions& options = {});
    // Adds an output of the graph (a graph with several returns a tuple).
    void output(const std::string& value);

   private:
    friend class MindIrWriter;
    Graph(struct Impl* impl, void* proto, std::string name) : impl_(impl), proto_(proto), name_(std::move(name)) {}
    std::string newValueName(const std::string& wanted);
    struct Impl* impl_;  // the writer's, which stays put when the writer moves
    void* proto_;  // its GraphProto
    std::string name_;
  };

  explicit MindIrWriter(const std::string& mainGraph = "main", Style style = Style::New);
  ~MindIrWriter();
  MindIrWriter(MindIrWriter&&) noexcept;
  MindIrWriter& operator=(MindIrWriter&&) noexcept;

  Graph& main();
  // The sub-graph of that name, created on first use.
  Graph& function(const std::string& name);

  // Parameters' bytes go to the file `location` (relative to the model's folder) rather than into the model, as
  // MindSpore exports models over 1 GiB: a 64-byte header (byte 0 is 1: little-endian), then each parameter
  // 64-byte aligned, referred to by TensorProto.external_data {location, offset, length}.
  void setExternalData(const std::string& location);

  // The model's bytes (without the external data file).
  std::string serialize() const;
  // Writes the model (and its external data file) atomically.
  void write(const std::string& path) const;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace shardc::frontend
