// Compiled models run from the caller's process (shardrt.h, "compiled models"): a context, the weights bound by
// name, the I/O buffers and the arena, all made once at open. Handles are checked against the open models, so a
// closed or foreign one is an error, not a crash.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "runtime/context.h"
#include "runtime/pipeline_run.h"
#include "runtime/run_buffer.h"

struct shardrt_model {
  const shardrt_program* program = nullptr;
  shardrt_context* ctx = nullptr;
  shardrt_weights* weights = nullptr;
  std::vector<const void*> weightPtrs;
  std::vector<std::unique_ptr<RunBuffer>> inputs, outputs;
  std::vector<const void*> inPtrs;
  std::vector<void*> outPtrs;
  std::vector<size_t> inBytes, outBytes;
  std::vector<bool> inputSet;
  std::unique_ptr<RunBuffer> arena;
  // A pipeline stage: inputs and outputs above are the model's whole ones, the stage's own are in here.
  std::unique_ptr<PipelineRun> pipeline;
  bool predicted = false;
  std::string error;
};

namespace {

std::mutex openModelsMutex;
std::set<const shardrt_model*> openModels;
thread_local std::string threadError;

bool isOpen(const shardrt_model* m) {
  std::lock_guard<std::mutex> lock(openModelsMutex);
  return openModels.count(m) != 0;
}

// False (and this thread's error set) for a handle that is not an open model.
bool check(const shardrt_model* m) {
  if (!m) threadError = "the model handle is NULL";
  else if (!isOpen(m)) threadError = "the model handle is not an open model (closed already?)";
  else return true;
  return false;
}

template <typename... Args>
int failModel(shardrt_model* m, const char* fmt, Args... args) {
  char buf[1024];
  std::snprintf(buf, sizeof buf, fmt, args...);
  m->error = buf;
  return 1;
}

std::string typeString(int32_t dtype, const int64_t* dims, int32_t rank) {
  std::string s = std::string(shardrt_dtype_name(dtype)) + "[";
  for (int32_t i = 0; i < rank; ++i) s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

size_t byteSize(const shardrt_tensor_desc& d) {
  size_t n = shardrt_dtype_size(d.dtype);
  for (int32_t i = 0; i < d.rank; ++i) n *= static_cast<size_t>(d.dims[i]);
  return n;
}

int32_t find(const shardrt_tensor_desc* descs, int32_t count, const char* name) {
  for (int32_t i = 0; name && i < count; ++i)
    if (std::strcmp(descs[i].name, name) == 0) return i;
  return -1;
}

size_t globalBytes(const shardrt_tensor_desc& d, const shardrt_input_layout& l) {
  size_t n = shardrt_dtype_size(d.dtype);
  for (int32_t i = 0; i < d.rank; ++i) n *= static_cast<size_t>(l.global_dims[i]);
  return n;
}

// This rank's part (d.dims from its offsets) of the whole tensor `whole` into `part`, a row of the last dim at a
// time.
void copyPart(const shardrt_tensor_desc& d, const shardrt_input_layout& l, int32_t rank, const void* whole, void* part) {
  size_t elem = shardrt_dtype_size(d.dtype);
  if (d.rank == 0) {
    std::memcpy(part, whole, elem);
    return;
  }
  const int64_t* offset = l.offsets + int64_t(rank) * d.rank;
  int64_t rows = 1;
  for (int32_t i = 0; i + 1 < d.rank; ++i) rows *= d.dims[i];
  size_t row = elem * size_t(d.dims[d.rank - 1]);
  std::vector<int64_t> at(size_t(d.rank), 0);
  for (int64_t r = 0; r < rows; ++r) {
    // The row's first element in the whole tensor.
    int64_t flat = 0;
    for (int32_t i = 0; i < d.rank; ++i) flat = flat * l.global_dims[i] + offset[i] + at[size_t(i)];
    std::memcpy(static_cast<char*>(part) + size_t(r) * row, static_cast<const char*>(whole) + size_t(flat) * elem, row);
    for (int32_t i = d.rank - 2; i >= 0; --i) {
      if (++at[size_t(i)] < d.dims[i]) break;
      at[size_t(i)] = 0;
    }
  }
}

// The inputs and outputs the caller sees: the program's, or a pipeline's whole model ones.
const shardrt_tensor_desc* inputDescs(const shardrt_program& p) { return p.pipeline ? p.pipeline->model_inputs : p.inputs; }
int32_t numInputs(const shardrt_program& p) { return p.pipeline ? p.pipeline->num_model_inputs : p.num_inputs; }
const shardrt_tensor_desc* outputDescs(const shardrt_program& p) { return p.pipeline ? p.pipeline->model_outputs : p.outputs; }
int32_t numOutputs(const shardrt_program& p) { return p.pipeline ? p.pipeline->num_model_outputs : p.num_outputs; }

// Entry i of an input or output table into info (whole dims = this rank's).
int describe(shardrt_model* m, const char* kind, const shardrt_tensor_desc* descs, int32_t count, int32_t i,
             shardrt_tensor_info* info) {
  if (i < 0 || i >= count || !info) {
    m->error = std::string(kind) + " index " + std::to_string(i) + " is out of range (the program has " +
               std::to_string(count) + ")";
    return 1;
  }
  const shardrt_tensor_desc& d = descs[i];
  *info = {d.name, d.dtype, d.rank, d.dims, d.dims};
  return 0;
}

// Opens the weights and binds them to the program's, by name; on failure the message is in ctx.
int bindWeights(shardrt_model* m, const shardrt_model_options& o) {
  const shardrt_program& p = *m->program;
  if (p.num_weights == 0) return 0;
  std::string where;
  if (o.weights_path) {
    where = o.weights_path;
    for (size_t at = where.find("{rank}"); at != std::string::npos; at = where.find("{rank}"))
      where.replace(at, 6, std::to_string(m->ctx->rank));
    if (shardrt_weights_open(m->ctx, where.c_str(), &m->weights) != 0) return 1;
  } else if (o.weights_data) {
    where = "the weights in memory";
    if (shardrt_weights_open_memory(m->ctx, o.weights_data, o.weights_bytes, where.c_str(), &m->weights) != 0) return 1;
  } else {
    shardrt_set_error(m->ctx, "the program needs %d weights: give weights_path or weights_data", p.num_weights);
    return 1;
  }
  for (int32_t k = 0; k < p.num_weights; ++k) {
    const shardrt_tensor_desc& want = p.weights[k];
    int32_t at = shardrt_weights_find(m->weights, want.name);
    if (at < 0) {
      shardrt_set_error(m->ctx, "%s: has no weight '%s'", where.c_str(), want.name);
      return 1;
    }
    shardrt_tensor_desc have;
    const void* data = nullptr;
    shardrt_weights_entry(m->weights, at, &have, &data, nullptr);
    if (have.dtype != want.dtype || have.rank != want.rank || !std::equal(have.dims, have.dims + have.rank, want.dims)) {
      shardrt_set_error(m->ctx, "%s: weight '%s' is %s, the program needs %s", where.c_str(), want.name,
                        typeString(have.dtype, have.dims, have.rank).c_str(),
                        typeString(want.dtype, want.dims, want.rank).c_str());
      return 1;
    }
    m->weightPtrs.push_back(data);
  }
  return 0;
}

void release(shardrt_model* m) {
  shardrt_weights_close(m->weights);
  shardrt_context_destroy(m->ctx);
  delete m;
}

}  // namespace

extern "C" {

shardrt_model_options shardrt_model_default_options(void) {
  shardrt_model_options o{};
  o.use_mpi = -1;
  return o;
}

int shardrt_model_open(const shardrt_program* program, const shardrt_model_options* options, shardrt_model** out) {
  if (!out) {
    threadError = "shardrt_model_open: out is NULL";
    return 1;
  }
  *out = nullptr;
  if (!program) {
    threadError = "shardrt_model_open: the program is NULL";
    return 1;
  }
  if (program->abi_version != SHARDRT_ABI_VERSION) {
    threadError = "the program was compiled for runtime ABI " + std::to_string(program->abi_version) +
                  ", this runtime is " + std::to_string(SHARDRT_ABI_VERSION);
    return 1;
  }
  shardrt_model_options o = options ? *options : shardrt_model_default_options();
  bool mpi = o.use_mpi > 0 || (o.use_mpi < 0 && (program->needs_mpi || std::getenv("OMPI_COMM_WORLD_SIZE")));
  if (program->pipeline && !mpi) {
    threadError = "the program is a pipeline stage: it runs under MPI (use_mpi 0 was asked)";
    return 1;
  }
  auto* m = new shardrt_model();
  m->program = program;
  shardrt_options co{0, 1, mpi ? 1 : 0, o.mpi_comm, o.threads};
  if (shardrt_context_create(&co, &m->ctx) != 0) {
    threadError = shardrt_last_error(nullptr);
    delete m;
    return 1;
  }
  auto failOpen = [&](const std::string& msg) {
    threadError = msg;
    release(m);
    return 1;
  };
  int64_t meshRanks = 1;
  for (int32_t i = 0; i < program->mesh_rank; ++i) meshRanks *= program->mesh_shape[i];
  if (program->pipeline) {
    if (shardrt_pipeline_attach(m->ctx, program->pipeline) != 0) return failOpen(shardrt_last_error(m->ctx));
    if (meshRanks != program->pipeline->stage_ranks)
      return failOpen("the stage's mesh has " + std::to_string(meshRanks) + " ranks, the stage " +
                      std::to_string(program->pipeline->stage_ranks));
  } else if (meshRanks != m->ctx->worldSize && (mpi || meshRanks > 1)) {
    return failOpen("the program was compiled for " + std::to_string(meshRanks) + " ranks, the job has " +
                    std::to_string(m->ctx->worldSize));
  }
  for (int32_t i = 0; i < program->num_rank_groups; ++i) {
    int32_t id = 0;
    const int32_t* ranks = program->rank_group_ranks + program->rank_group_offsets[i];
    if (shardrt_group_create_ranks(m->ctx, ranks, program->rank_group_offsets[i + 1] - program->rank_group_offsets[i], &id) != 0)
      return failOpen(shardrt_last_error(m->ctx));
  }
  for (int32_t i = 0; i < program->num_groups; ++i) {
    int32_t id = 0;
    if (shardrt_group_create(m->ctx, program->mesh_shape, program->mesh_rank, program->group_masks[i], &id) != 0)
      return failOpen(shardrt_last_error(m->ctx));
  }
  if (bindWeights(m, o) != 0) return failOpen(shardrt_last_error(m->ctx));
  for (int32_t k = 0; k < numInputs(*program); ++k) {
    m->inBytes.push_back(byteSize(inputDescs(*program)[k]));
    m->inputs.push_back(std::make_unique<RunBuffer>(m->inBytes.back()));
    m->inPtrs.push_back(m->inputs.back()->p);
  }
  for (int32_t k = 0; k < numOutputs(*program); ++k) {
    m->outBytes.push_back(byteSize(outputDescs(*program)[k]));
    m->outputs.push_back(std::make_unique<RunBuffer>(m->outBytes.back()));
    m->outPtrs.push_back(m->outputs.back()->p);
  }
  if (program->pipeline) {
    m->pipeline = std::make_unique<PipelineRun>(*program, m->ctx);
    if (!m->pipeline->error().empty()) return failOpen(m->pipeline->error());
  }
  m->arena = std::make_unique<RunBuffer>(size_t(program->arena_bytes));
  for (const auto& b : m->inputs)
    if (!b->p) return failOpen("cannot allocate the input buffers");
  for (const auto& b : m->outputs)
    if (!b->p) return failOpen("cannot allocate the output buffers");
  if (!m->arena->p) return failOpen("cannot allocate the arena of " + std::to_string(program->arena_bytes) + " bytes");
  if (program->prepare && program->prepare(m->ctx, m->arena->p, m->weightPtrs.data()) != 0)
    return failOpen(shardrt_last_error(m->ctx));
  m->inputSet.assign(m->inputs.size(), false);
  {
    std::lock_guard<std::mutex> lock(openModelsMutex);
    openModels.insert(m);
  }
  *out = m;
  return 0;
}

void shardrt_model_close(shardrt_model* model) {
  {
    std::lock_guard<std::mutex> lock(openModelsMutex);
    if (!model || !openModels.erase(model)) return;
  }
  release(model);
}

const char* shardrt_model_error(const shardrt_model* model) {
  if (model && isOpen(model)) return model->error.c_str();
  return threadError.c_str();
}

int32_t shardrt_model_rank(const shardrt_model* model) { return check(model) ? model->ctx->rank : -1; }
shardrt_context* shardrt_model_context(shardrt_model* model) { return check(model) ? model->ctx : nullptr; }
int32_t shardrt_model_world_size(const shardrt_model* model) { return check(model) ? model->ctx->worldSize : -1; }
int32_t shardrt_model_num_inputs(const shardrt_model* model) { return check(model) ? numInputs(*model->program) : -1; }
int32_t shardrt_model_num_outputs(const shardrt_model* model) { return check(model) ? numOutputs(*model->program) : -1; }

int shardrt_model_input(const shardrt_model* model, int32_t i, shardrt_tensor_info* info) {
  if (!check(model)) return 1;
  const shardrt_program& p = *model->program;
  if (describe(const_cast<shardrt_model*>(model), "input", inputDescs(p), numInputs(p), i, info) != 0) return 1;
  if (p.input_layouts && !p.pipeline) info->global_dims = p.input_layouts[i].global_dims;
  return 0;
}

int shardrt_model_output(const shardrt_model* model, int32_t i, shardrt_tensor_info* info) {
  if (!check(model)) return 1;
  const shardrt_program& p = *model->program;
  return describe(const_cast<shardrt_model*>(model), "output", outputDescs(p), numOutputs(p), i, info);
}

int shardrt_model_set_input(shardrt_model* model, const char* name, const void* data, size_t bytes) {
  if (!check(model)) return 1;
  const shardrt_program& p = *model->program;
  int32_t k = find(inputDescs(p), numInputs(p), name);
  if (k < 0) return failModel(model, "the program has no input '%s'", name ? name : "(null)");
  const shardrt_tensor_desc& d = inputDescs(p)[k];
  size_t local = model->inBytes[size_t(k)];
  bool layouts = p.input_layouts && !p.pipeline;
  if (data && bytes == local) {
    if (bytes) std::memcpy(model->inputs[size_t(k)]->p, data, bytes);
  } else if (data && layouts && bytes == globalBytes(d, p.input_layouts[k])) {
    copyPart(d, p.input_layouts[k], model->ctx->rank, data, model->inputs[size_t(k)]->p);
  } else if (layouts) {
    const int64_t* g = p.input_layouts[k].global_dims;
    return failModel(model, "input '%s': expected %zu bytes (this rank's %s) or %zu (the whole %s), got %zu", d.name,
                     local, typeString(d.dtype, d.dims, d.rank).c_str(), globalBytes(d, p.input_layouts[k]),
                     typeString(d.dtype, g, d.rank).c_str(), bytes);
  } else {
    return failModel(model, "input '%s': expected %zu bytes (%s), got %zu", d.name, local,
                     typeString(d.dtype, d.dims, d.rank).c_str(), bytes);
  }
  model->inputSet[size_t(k)] = true;
  return 0;
}

int shardrt_model_predict(shardrt_model* model) {
  if (!check(model)) return 1;
  const shardrt_program& p = *model->program;
  for (size_t k = 0; k < model->inputSet.size(); ++k)
    if (!model->inputSet[k])
      return failModel(model, "input '%s' (%s) has not been set", inputDescs(p)[k].name,
                       typeString(inputDescs(p)[k].dtype, inputDescs(p)[k].dims, inputDescs(p)[k].rank).c_str());
  int rc = model->pipeline ? model->pipeline->run(model->inPtrs, model->outPtrs, model->arena->p, model->weightPtrs.data())
                           : p.run(model->ctx, model->inPtrs.data(), model->outPtrs.data(), model->arena->p,
                                   model->weightPtrs.data());
  if (rc != 0) return failModel(model, "%s", shardrt_last_error(model->ctx));
  model->predicted = true;
  return 0;
}

int shardrt_model_get_output(const shardrt_model* model, const char* name, void* data, size_t bytes) {
  if (!check(model)) return 1;
  auto* m = const_cast<shardrt_model*>(model);
  const shardrt_program& p = *model->program;
  int32_t k = find(outputDescs(p), numOutputs(p), name);
  if (k < 0) return failModel(m, "the program has no output '%s'", name ? name : "(null)");
  const shardrt_tensor_desc& d = outputDescs(p)[k];
  if (!model->predicted) return failModel(m, "output '%s': no prediction has run yet", d.name);
  if (p.pipeline && model->ctx->rank != 0)
    return failModel(m, "output '%s': a pipeline's outputs are gathered on rank 0, this is rank %d", d.name,
                     model->ctx->rank);
  if (bytes != model->outBytes[size_t(k)] || (!data && bytes))
    return failModel(m, "output '%s': it has %zu bytes (%s), the buffer %zu", d.name, model->outBytes[size_t(k)],
                     typeString(d.dtype, d.dims, d.rank).c_str(), bytes);
  if (bytes) std::memcpy(data, model->outputs[size_t(k)]->p, bytes);
  return 0;
}

}  // extern "C"
