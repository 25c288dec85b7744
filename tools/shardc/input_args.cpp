#include "tools/shardc/input_args.h"

#include <filesystem>

#include "frontend/npy.h"
#include <fmt/ranges.h>

#include "ir/error.h"

namespace shardc::tools {

std::vector<ir::Tensor> bindInputs(const ir::Graph& g, const std::vector<std::string>& args) {
  const auto& inputs = g.inputs();
  std::vector<std::string> files(inputs.size());
  std::vector<std::string> positional;
  for (const auto& a : args) {
    auto eq = a.find('=');
    // NAME=FILE only when NAME is an input: a file name may itself contain '='.
    if (eq != std::string::npos) {
      std::string name = a.substr(0, eq);
      bool bound = false;
      for (size_t i = 0; i < inputs.size(); ++i)
        if (g.value(inputs[i]).name == name) {
          if (!files[i].empty()) ir::fail("--input: input '{}' given twice", name);
          files[i] = a.substr(eq + 1);
          bound = true;
        }
      if (bound) continue;
      if (!std::filesystem::exists(a)) {
        std::vector<std::string> names;
        for (auto v : inputs) names.push_back(g.value(v).name);
        ir::fail("--input '{}': the model has no input '{}' (inputs: {})", a, name, fmt::join(names, ", "));
      }
    }
    positional.push_back(a);
  }
  size_t next = 0;
  for (size_t i = 0; i < inputs.size() && next < positional.size(); ++i)
    if (files[i].empty()) files[i] = positional[next++];
  if (next < positional.size()) ir::fail("--input '{}': the model has only {} input(s)", positional[next], inputs.size());
  std::vector<ir::Tensor> tensors;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (files[i].empty()) ir::fail("no --input given for input '{}' ({})", g.value(inputs[i]).name, g.value(inputs[i]).type.str());
    tensors.push_back(frontend::readNpy(files[i]));
  }
  return tensors;
}

std::string fileNameFor(const std::string& valueName) {
  std::string out = valueName;
  for (char& c : out)
    if (c == '/' || c == '\\' || c == ':' || c == '\0') c = '_';
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

}  // namespace shardc::tools
