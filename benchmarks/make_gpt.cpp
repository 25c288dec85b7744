// Writes the pipeline benchmark's GPT (the tests' small GPT, tests/models/gpt_builder.h, at chosen sizes, with the
// batch taken from the input so that it runs in micro-batches) and a batch of token ids as .npy.
// Usage: shardc-bench-make-gpt -o gpt.onnx --ids ids.npy [--batch 16 --seq 32 --width 128 --heads 8 --layers 4]
#include <CLI/CLI.hpp>

#include "frontend/npy.h"
#include "tests/models/gpt_builder.h"

int main(int argc, char** argv) {
  using namespace shardc;
  CLI::App app{"Writes a GPT of chosen sizes as ONNX, and token ids for it", "shardc-bench-make-gpt"};
  std::string output, ids;
  shardc::testing::gpt::GptShape shape;
  app.add_option("-o,--output", output, "The ONNX file")->required();
  app.add_option("--ids", ids, "Token ids [batch, seq] as .npy")->required();
  app.add_option("--batch", shape.batch);
  app.add_option("--seq", shape.seq);
  app.add_option("--vocab", shape.vocab);
  app.add_option("--width", shape.model);
  app.add_option("--heads", shape.heads);
  app.add_option("--layers", shape.layers);
  CLI11_PARSE(app, argc, argv);
  shardc::testing::gpt::GptBuilder(/*batchFromInput=*/true, shape).writeTo(output);
  std::vector<int64_t> v;
  for (int64_t i = 0; i < shape.batch * shape.seq; ++i) v.push_back((i * 37 + 11) % shape.vocab);
  frontend::writeNpy(ids, shardc::testing::ints64({shape.batch, shape.seq}, v));
  return 0;
}
