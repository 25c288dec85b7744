#include "passes/split_stages.h"

#include <map>
#include <set>

#include "ir/error.h"
#include "ir/type_inference.h"
#include "passes/cut_stages.h"

namespace shardc::passes {

std::vector<StageGraph> splitStages(const ir::Graph& g, int stages) {
  std::vector<ir::OpId> producer = g.producers();
  auto stageOfValue = [&](ir::ValueId v) { return producer[size_t(v)] == ir::kNoOp ? -1 : int(stageOf(g.op(producer[size_t(v)]))); };
  // Who reads each value: the stages of its consumers, and whether it is a model output.
  std::vector<std::set<int>> readBy(g.numValues());
  for (const ir::Op& op : g.ops())
    for (ir::ValueId x : op.operands) readBy[size_t(x)].insert(int(stageOf(op)));
  std::set<ir::ValueId> modelOutputs(g.outputs().begin(), g.outputs().end());
  for (ir::ValueId v : g.outputs())
    if (producer[size_t(v)] == ir::kNoOp)
      ir::fail("model output '{}' is not computed by any op (an input or a constant): a pipeline cannot place it",
               g.value(v).name);

  std::vector<StageGraph> out(static_cast<size_t>(stages));
  for (int s = 0; s < stages; ++s) {
    StageGraph& sg = out[size_t(s)];
    sg.graph.name = g.name + "_stage" + std::to_string(s);
    std::map<ir::ValueId, ir::ValueId> local;
    auto operand = [&](ir::ValueId x) {
      auto it = local.find(x);
      if (it != local.end()) return it->second;
      const ir::Value& v = g.value(x);
      ir::ValueId l;
      if (v.role == ir::ValueRole::Param) {
        l = v.data ? sg.graph.addParam(v.name, *v.data) : sg.graph.addParam(v.name, v.type);
      } else {
        l = sg.graph.addInput(v.name, v.type);
        sg.inputFrom.push_back(stageOfValue(x));
      }
      local[x] = l;
      return l;
    };
    std::vector<ir::ValueId> outputs;
    for (const ir::Op& op : g.ops()) {
      if (stageOf(op) != s) continue;
      std::vector<ir::ValueId> operands;
      for (ir::ValueId x : op.operands) {
        if (stageOfValue(x) > s)
          ir::fail("{} (stage {}) reads %{} from stage {}", ir::describeOp(g, op), s, g.value(x).name, stageOfValue(x));
        operands.push_back(operand(x));
      }
      std::vector<std::string> names;
      for (ir::ValueId r : op.results) names.push_back(g.value(r).name);
      ir::OpId id = sg.graph.addOp(op.kind, operands, names, op.attrs, op.name);
      for (size_t k = 0; k < op.results.size(); ++k) {
        ir::ValueId r = sg.graph.op(id).results[k];
        if (sg.graph.value(r).name != g.value(op.results[k]).name)
          ir::fail("internal error: stage {} renamed %{} to %{}", s, g.value(op.results[k]).name, sg.graph.value(r).name);
        sg.graph.value(r).type = g.value(op.results[k]).type;
        local[op.results[k]] = r;
        bool later = readBy[size_t(op.results[k])].upper_bound(s) != readBy[size_t(op.results[k])].end();
        if (later || modelOutputs.count(op.results[k])) outputs.push_back(op.results[k]);
      }
    }
    std::vector<ir::ValueId> localOutputs;
    for (ir::ValueId v : outputs) localOutputs.push_back(local.at(v));
    sg.graph.setOutputs(localOutputs);
  }
  return out;
}

}  // namespace shardc::passes
