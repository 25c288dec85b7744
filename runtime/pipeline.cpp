// Pipeline stages over MPI: a stage's communicator, and the micro-batch loop with the transfers between stages.
#include <mpi.h>

#include <cstring>
#include <string>

#include "runtime/context.h"
#include "runtime/pipeline_run.h"

namespace {

MPI_Comm& comm(void* p) { return *static_cast<MPI_Comm*>(p); }

size_t bytesOf(const shardrt_tensor_desc& d) {
  size_t n = shardrt_dtype_size(d.dtype);
  for (int32_t i = 0; i < d.rank; ++i) n *= static_cast<size_t>(d.dims[i]);
  return n;
}

}  // namespace

int shardrt_pipeline_attach(shardrt_context* ctx, const shardrt_pipeline* pl) {
  if (!ctx->usesMpi || ctx->groups.empty()) {
    shardrt_set_error(ctx, "a pipeline stage needs MPI");
    return 1;
  }
  if (ctx->worldSize != pl->num_stages * pl->stage_ranks) {
    shardrt_set_error(ctx, "the program is a stage of a pipeline of %d stages x %d ranks, the job has %d ranks",
                      pl->num_stages, pl->stage_ranks, ctx->worldSize);
    return 1;
  }
  if (ctx->rank < pl->first_rank || ctx->rank >= pl->first_rank + pl->stage_ranks) {
    shardrt_set_error(ctx, "rank %d runs the program of stage %d, whose ranks are %d to %d (each rank must run its own "
                      "stage's executable)", ctx->rank, pl->stage, pl->first_rank, pl->first_rank + pl->stage_ranks - 1);
    return 1;
  }
  void* tagUpper = nullptr;
  int found = 0;
  MPI_Comm_get_attr(comm(ctx->groups[0]), MPI_TAG_UB, &tagUpper, &found);
  int maxTag = found ? *static_cast<int*>(tagUpper) : 32767;
  for (int32_t i = 0; i < pl->num_sends; ++i)
    if (pl->sends[i].tag > maxTag) {
      shardrt_set_error(ctx, "the pipeline has %d transfers, MPI allows tags up to %d", pl->sends[i].tag, maxTag);
      return 1;
    }
  auto* stage = new MPI_Comm;
  int rc = MPI_Comm_split(comm(ctx->groups[0]), pl->stage, ctx->rank - pl->first_rank, stage);
  if (rc != MPI_SUCCESS) {
    delete stage;
    return shardrt_mpi_failed(ctx, rc, "MPI_Comm_split (pipeline stage)");
  }
  MPI_Comm_set_errhandler(*stage, MPI_ERRORS_RETURN);
  ctx->job = ctx->groups[0];
  ctx->groups[0] = stage;
  return 0;
}

PipelineRun::PipelineRun(const shardrt_program& program, shardrt_context* ctx)
    : p_(program), pl_(*program.pipeline), ctx_(ctx), stageRank_(ctx->rank - program.pipeline->first_rank) {
  int M = pl_.micro_batches;
  auto alloc = [&](size_t bytes) {
    auto b = std::make_unique<RunBuffer>(bytes);
    if (!b->p) error_ = "cannot allocate the pipeline's buffers (" + std::to_string(bytes) + " bytes)";
    return b;
  };
  for (int32_t i = 0; i < p_.num_inputs; ++i) {
    inBytes_.push_back(bytesOf(p_.inputs[i]));
    inputs_.push_back(pl_.input_sources[i] >= 0 ? alloc(inBytes_.back()) : nullptr);
  }
  for (int32_t k = 0; k < p_.num_outputs; ++k) {
    outBytes_.push_back(bytesOf(p_.outputs[k]));
    outputs_.emplace_back();
    for (int m = 0; m < M; ++m) outputs_.back().push_back(alloc(outBytes_.back()));
  }
  for (int32_t k = 0; k < pl_.num_model_outputs; ++k) modelOutBytes_.push_back(bytesOf(pl_.model_outputs[k]));
  for (int32_t t = 0; t < pl_.num_receives; ++t) {
    const shardrt_transfer& r = pl_.receives[t];
    if (r.rank != stageRank_) continue;
    mine_.push_back(t);
    received_.emplace_back();
    if (!r.into_output)
      for (int m = 0; m < M; ++m) received_.back().push_back(alloc(inBytes_[size_t(r.tensor)]));
  }
}

int PipelineRun::run(const std::vector<const void*>& modelInputs, const std::vector<void*>& modelOutputs, void* arena,
                     const void* const* weights) {
  int M = pl_.micro_batches;
  MPI_Comm job = comm(ctx_->job);
  // Every receive of every micro-batch, posted first: stages ahead may send as soon as they are done.
  std::vector<std::vector<MPI_Request>> receives(mine_.size(), std::vector<MPI_Request>(size_t(M), MPI_REQUEST_NULL));
  for (size_t i = 0; i < mine_.size(); ++i) {
    const shardrt_transfer& r = pl_.receives[mine_[i]];
    for (int m = 0; m < M; ++m) {
      void* into;
      size_t bytes;
      if (r.into_output) {
        bytes = modelOutBytes_[size_t(r.tensor)] / size_t(M);
        into = static_cast<char*>(modelOutputs[size_t(r.tensor)]) + size_t(m) * bytes;
      } else {
        bytes = inBytes_[size_t(r.tensor)];
        into = received_[i][size_t(m)]->p;
      }
      int rc = MPI_Irecv(into, static_cast<int>(bytes), MPI_BYTE, r.peer, r.tag, job, &receives[i][size_t(m)]);
      if (rc != MPI_SUCCESS) return shardrt_mpi_failed(ctx_, rc, "receive from another stage");
    }
  }
  std::vector<MPI_Request> sends;
  std::vector<const void*> in(size_t(p_.num_inputs));
  std::vector<void*> out(size_t(p_.num_outputs));
  for (int m = 0; m < M; ++m) {
    for (int32_t k = 0; k < p_.num_inputs; ++k) {
      int32_t source = pl_.input_sources[k];
      if (source < 0) continue;
      // Micro-batch m of a whole input is its m-th slab along dim 0.
      std::memcpy(inputs_[size_t(k)]->p, static_cast<const char*>(modelInputs[size_t(source)]) + size_t(m) * inBytes_[size_t(k)],
                  inBytes_[size_t(k)]);
      in[size_t(k)] = inputs_[size_t(k)]->p;
    }
    for (size_t i = 0; i < mine_.size(); ++i) {
      const shardrt_transfer& r = pl_.receives[mine_[i]];
      if (r.into_output) continue;
      int rc = MPI_Wait(&receives[i][size_t(m)], MPI_STATUS_IGNORE);
      if (rc != MPI_SUCCESS) return shardrt_mpi_failed(ctx_, rc, "receive from another stage");
      in[size_t(r.tensor)] = received_[i][size_t(m)]->p;
    }
    for (int32_t k = 0; k < p_.num_outputs; ++k) out[size_t(k)] = outputs_[size_t(k)][size_t(m)]->p;
    double start = MPI_Wtime();
    if (p_.run(ctx_, in.data(), out.data(), arena, weights) != 0) return 1;
    ctx_->computeSeconds += MPI_Wtime() - start;
    for (int32_t t = 0; t < pl_.num_sends; ++t) {
      const shardrt_transfer& s = pl_.sends[t];
      if (s.rank != stageRank_) continue;
      sends.emplace_back();
      int rc = MPI_Isend(out[size_t(s.tensor)], static_cast<int>(outBytes_[size_t(s.tensor)]), MPI_BYTE, s.peer, s.tag,
                         job, &sends.back());
      if (rc != MPI_SUCCESS) return shardrt_mpi_failed(ctx_, rc, "send to another stage");
    }
  }
  if (!sends.empty()) {
    int rc = MPI_Waitall(static_cast<int>(sends.size()), sends.data(), MPI_STATUSES_IGNORE);
    if (rc != MPI_SUCCESS) return shardrt_mpi_failed(ctx_, rc, "send to another stage");
  }
  for (auto& perMicroBatch : receives) {
    int rc = MPI_Waitall(M, perMicroBatch.data(), MPI_STATUSES_IGNORE);
    if (rc != MPI_SUCCESS) return shardrt_mpi_failed(ctx_, rc, "receive of the model's outputs");
  }
  return 0;
}
