// Writes the demo model of the seed documents (tools/shardc/demo_model.h) as ONNX, and optionally a random input
// and its weights as one whole MindSpore checkpoint (what training on one device saves), so the demo needs no
// download.
#include <iostream>

#include <CLI/CLI.hpp>

#include "frontend/checkpoint_store.h"
#include "frontend/npy.h"
#include "frontend/onnx_writer.h"
#include "ir/error.h"
#include "tools/shardc/demo_model.h"

int main(int argc, char** argv) {
  using namespace shardc;
  CLI::App app{"Writes the seed documents' MLP (784-512-512-10) as ONNX with fixed-seed weights",
               "shardc-make-demo-model"};
  std::string output, inputPath, checkpointPath;
  uint32_t seed = 1;
  int64_t batch = 1;
  app.add_option("-o,--output", output, "The ONNX file to write")->required();
  app.add_option("--seed", seed, "Seed of the weights (the input uses seed + 1000)");
  app.add_option("--input", inputPath, "Also write a random input of shape [batch,28,28] to this .npy");
  app.add_option("--checkpoint", checkpointPath, "Also write the weights as one whole checkpoint (.ckpt or .safetensors)");
  app.add_option("--batch", batch, "Batch of the input written by --input")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    ir::Graph g = tools::buildDemoMlp(seed);
    frontend::writeOnnxModel(g, output);
    if (!checkpointPath.empty()) {
      std::vector<frontend::CheckpointTensorInfo> tensors;
      for (ir::ValueId p : g.params()) {
        const ir::Tensor& t = *g.value(p).data;
        tensors.push_back({g.value(p).name, t.dtype(), t.shape().dims, uint64_t(t.byteSize())});
      }
      auto w = frontend::createCheckpoint(checkpointPath, frontend::checkpointFormatOf(checkpointPath), tensors);
      for (size_t i = 0; i < g.params().size(); ++i) {
        const ir::Tensor& t = *g.value(g.params()[i]).data;
        w->beginTensor(tensors[i]);
        w->write(t.bytes(), size_t(t.byteSize()));
        w->endTensor();
      }
      w->commit();
    }
    if (!inputPath.empty()) frontend::writeNpy(inputPath, tools::normalTensor(seed + 1000, {batch, 28, 28}));
  } catch (const ir::Error& e) {
    std::cerr << "shardc-make-demo-model: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
