// Writes a whole checkpoint of N float32 parameters [rows, cols] named w0, w1, ... with distinct deterministic
// contents, streamed a row at a time (no parameter is ever whole in memory), for the resharding benchmark.
#include <iostream>
#include <vector>

#include <CLI/CLI.hpp>

#include "frontend/checkpoint_store.h"
#include "ir/error.h"

int main(int argc, char** argv) {
  using namespace shardc;
  CLI::App app{"Writes a synthetic float32 checkpoint", "shardc-bench-make-checkpoint"};
  std::string output;
  int params = 64;
  int64_t rows = 2048, cols = 4096;
  app.add_option("-o,--output", output, "The checkpoint to write (.ckpt or .safetensors)")->required();
  app.add_option("--params", params, "How many parameters");
  app.add_option("--rows", rows, "Rows of each");
  app.add_option("--cols", cols, "Columns of each");
  CLI11_PARSE(app, argc, argv);
  try {
    std::vector<frontend::CheckpointTensorInfo> tensors;
    for (int p = 0; p < params; ++p)
      tensors.push_back({"w" + std::to_string(p), ir::DType::f32, {rows, cols}, uint64_t(rows * cols * 4)});
    auto w = frontend::createCheckpoint(output, frontend::checkpointFormatOf(output), tensors);
    std::vector<float> row(static_cast<size_t>(cols));
    for (int p = 0; p < params; ++p) {
      w->beginTensor(tensors[size_t(p)]);
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < cols; ++c) row[size_t(c)] = float(p * 1000003 + r * cols + c);
        w->write(row.data(), row.size() * sizeof(float));
      }
      w->endTensor();
    }
    w->commit();
  } catch (const std::exception& e) {
    std::cerr << "shardc-bench-make-checkpoint: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
