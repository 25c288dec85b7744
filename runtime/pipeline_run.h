// A pipeline stage's runs (private to libshardrt): the program once per micro-batch, its inputs cut from the
// model's whole inputs or received from other stages, its outputs sent on; the model's outputs gathered whole on
// job rank 0. Receives are posted for every micro-batch before the first runs, sends never wait, so a stage starts
// micro-batch m + 1 while the next one works on m.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/include/shardrt/shardrt.h"
#include "runtime/run_buffer.h"

class PipelineRun {
 public:
  // Allocates the program's buffers (a slot per micro-batch for what is received and sent); error() says why not.
  PipelineRun(const shardrt_program& program, shardrt_context* ctx);
  const std::string& error() const { return error_; }
  // One prediction: modelInputs are the whole inputs (pipeline->model_inputs order), modelOutputs the whole outputs
  // (filled on job rank 0). Returns 0, or 1 with the message in the context.
  int run(const std::vector<const void*>& modelInputs, const std::vector<void*>& modelOutputs, void* arena,
          const void* const* weights);

 private:
  const shardrt_program& p_;
  const shardrt_pipeline& pl_;
  shardrt_context* ctx_;
  int stageRank_ = 0;
  std::string error_;
  std::vector<size_t> inBytes_, outBytes_, modelOutBytes_;
  std::vector<std::unique_ptr<RunBuffer>> inputs_;           // inputs cut from the model's
  std::vector<std::vector<std::unique_ptr<RunBuffer>>> received_;  // per receive of this rank, per micro-batch
  std::vector<std::vector<std::unique_ptr<RunBuffer>>> outputs_;   // per program output, per micro-batch
  std::vector<int> mine_;  // this rank's receives (indices into pl_.receives)
};
