/* libshardrt: the thin runtime that shardc's generated programs link against. C ABI.
 *
 * Every function returns 0 on success or a non-zero code after recording a message that shardrt_last_error()
 * returns; none of them exits or aborts, so a program that embeds a compiled model keeps control. */
#ifndef SHARDRT_SHARDRT_H
#define SHARDRT_SHARDRT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SHARDRT_ABI_VERSION 8

/* Element types. The numbers are part of the ABI (generated code and weight files store them). */
typedef enum shardrt_dtype {
  SHARDRT_F32 = 1,
  SHARDRT_F64 = 2,
  SHARDRT_I8 = 3,
  SHARDRT_I16 = 4,
  SHARDRT_I32 = 5,
  SHARDRT_I64 = 6,
  SHARDRT_U8 = 7,
  SHARDRT_U16 = 8,
  SHARDRT_U32 = 9,
  SHARDRT_U64 = 10,
  SHARDRT_BOOL = 11,
  SHARDRT_F16 = 12,
  SHARDRT_BF16 = 13
} shardrt_dtype;

/* Bytes of one element of `dtype`, or 0 for an unknown code. */
size_t shardrt_dtype_size(int32_t dtype);
/* "f32", "i64", ... or "?" */
const char* shardrt_dtype_name(int32_t dtype);

typedef struct shardrt_tensor_desc {
  const char* name;
  int32_t dtype;
  int32_t rank;
  const int64_t* dims;
} shardrt_tensor_desc;

typedef struct shardrt_context shardrt_context;

/* A compiled program's entry: buffers for every input, output and weight (in the descriptor's orders) and an
 * arena of arena_bytes, 64-byte aligned. */
typedef int (*shardrt_run_fn)(shardrt_context* ctx, const void* const* inputs, void* const* outputs, void* arena,
                              const void* const* weights);

/* Where a rank's part of an input lies in the whole tensor (programs compiled with --local-inputs). */
typedef struct shardrt_input_layout {
  const int64_t* global_dims; /* the whole tensor's dims (the input's rank of them) */
  const int64_t* offsets;     /* [ranks][rank]: where each rank's part starts */
} shardrt_input_layout;

/* A pipeline stage moves whole tensors between its ranks and those of other stages, one message per micro-batch. */
typedef struct shardrt_transfer {
  int32_t rank;   /* the rank within this stage that makes it */
  int32_t tensor; /* send: a program output; receive: a program input, or (into_output) a model output */
  int32_t peer;   /* the job rank on the other side */
  int32_t tag;    /* the same on both sides */
  int32_t into_output;
} shardrt_transfer;

/* A program that is one stage of a pipeline: its ranks are the job's [first_rank, first_rank + stage_ranks) (its
 * collectives stay among them); it runs once per micro-batch, taking each input's micro-batch from the model's
 * whole input or from another stage, and sending its outputs on. The model's outputs, whole, end on job rank 0. */
typedef struct shardrt_pipeline {
  int32_t stage, num_stages, first_rank, stage_ranks, micro_batches;
  int32_t num_model_inputs;
  const shardrt_tensor_desc* model_inputs; /* the whole batch; the same in every stage */
  int32_t num_model_outputs;
  const shardrt_tensor_desc* model_outputs;
  const int32_t* input_sources; /* per program input: the model input it is a micro-batch of, or -1: received */
  int32_t num_sends;
  const shardrt_transfer* sends;
  int32_t num_receives;
  const shardrt_transfer* receives;
} shardrt_pipeline;

/* What the code generator emits as the constant `shardc_program` in every program object. */
typedef struct shardrt_program {
  int32_t abi_version; /* SHARDRT_ABI_VERSION */
  const char* name;
  int32_t num_inputs;
  const shardrt_tensor_desc* inputs;
  int32_t num_outputs;
  const shardrt_tensor_desc* outputs;
  int32_t num_weights;
  const shardrt_tensor_desc* weights;
  int64_t arena_bytes;
  int32_t needs_mpi; /* the program calls collectives */
  int32_t mesh_rank; /* the job's device mesh (row-major ranks) */
  const int64_t* mesh_shape;
  int32_t num_groups; /* before running, the runtime creates group i+1 along the axes of group_masks[i] */
  const uint32_t* group_masks;
  shardrt_run_fn run;
  int32_t num_ops; /* the ops the run function reports to the profiler, by index */
  const char* const* op_names;
  const shardrt_input_layout* input_layouts; /* one per input, or NULL: every rank takes whole inputs */
  /* Called once, after the weights are bound and the arena allocated, before the first run (or NULL): writes
   * what the program derives from its weights (GEMM panels packed ahead) into the arena, past what runs use. */
  int (*prepare)(shardrt_context* ctx, void* arena, const void* const* weights);
  const shardrt_pipeline* pipeline; /* NULL: the program is the whole job */
  /* Groups given by their ranks (programs compiled per rank): before the axis groups, the runtime creates group
   * i+1 of the job ranks rank_group_ranks[rank_group_offsets[i] .. rank_group_offsets[i+1]) (every rank creates
   * every group, in this order; a rank outside one is not in its communicator). The axis groups then follow. */
  int32_t num_rank_groups;
  const int32_t* rank_group_offsets; /* num_rank_groups + 1 */
  const int32_t* rank_group_ranks;
} shardrt_program;

/* ---- context ---------------------------------------------------------------------------------------------- */

typedef struct shardrt_options {
  int32_t rank;       /* without MPI: this process's rank (0 for a single-rank program) */
  int32_t world_size; /* without MPI: 1 for a single-rank program */
  int32_t use_mpi;    /* 1: rank and world size come from MPI, and collectives work */
  /* With use_mpi: a pointer to the caller's MPI_Comm (the runtime neither initialises nor finalises MPI then), or
   * NULL for MPI_COMM_WORLD, initialising MPI when nobody has and finalising it on destroy. */
  void* mpi_comm;
  /* Threads this rank computes with (0 or 1: the caller's only). When every rank of this host gets its own cores
   * (ranks on the host x threads <= its CPUs), each thread is pinned to one of them. */
  int32_t threads;
} shardrt_options;

int shardrt_context_create(const shardrt_options* options, shardrt_context** out);
void shardrt_context_destroy(shardrt_context* ctx);
int32_t shardrt_rank(const shardrt_context* ctx);
int32_t shardrt_world_size(const shardrt_context* ctx);
int32_t shardrt_threads(const shardrt_context* ctx);
/* Calls task(args, part, parts) once for every part in [0, parts), parts = the context's threads, the caller
 * running part 0; returns when every part is done. Generated programs run their larger kernels through it. */
void shardrt_parallel(shardrt_context* ctx, void (*task)(const void* args, int64_t part, int64_t parts),
                      const void* args);

/* The last error recorded on ctx (or on this thread when ctx is NULL); "" when none. */
const char* shardrt_last_error(const shardrt_context* ctx);
void shardrt_set_error(shardrt_context* ctx, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- collectives ------------------------------------------------------------------------------------------
 * Over groups of ranks along axes of a device mesh (row-major rank order, axis 0 slowest): the group of a rank
 * for `axes_mask` is the ranks that differ from it only in the coordinates of the masked axes, ordered by those
 * coordinates. Every rank creates the same groups in the same order. Group 0 is the whole communicator.
 * Counts are elements; all-gather and all-to-all exchange `count` elements with each member (recv holds
 * count * group size); reduce-scatter sends count * group size and keeps `count`. */
int shardrt_group_create(shardrt_context* ctx, const int64_t* mesh_shape, int32_t mesh_rank, uint32_t axes_mask,
                         int32_t* group);
/* A group of the given job ranks, in that order (called by every rank of the job, members or not). */
int shardrt_group_create_ranks(shardrt_context* ctx, const int32_t* ranks, int32_t count, int32_t* group);
int32_t shardrt_group_size(const shardrt_context* ctx, int32_t group);
int shardrt_all_reduce_sum(shardrt_context* ctx, int32_t group, void* buf, int64_t count, int32_t dtype);
/* The reductions an all-reduce may apply. The numbers are part of the ABI (generated code passes them). */
typedef enum shardrt_reduce_op { SHARDRT_REDUCE_SUM = 1, SHARDRT_REDUCE_MAX = 2, SHARDRT_REDUCE_MIN = 3 } shardrt_reduce_op;
/* An all-reduce in place with `op`, a shardrt_reduce_op. */
int shardrt_all_reduce(shardrt_context* ctx, int32_t group, void* buf, int64_t count, int32_t dtype, int32_t op);
int shardrt_all_gather(shardrt_context* ctx, int32_t group, const void* send, void* recv, int64_t count,
                       int32_t dtype);
int shardrt_reduce_scatter_sum(shardrt_context* ctx, int32_t group, const void* send, void* recv, int64_t count,
                               int32_t dtype);
int shardrt_all_to_all(shardrt_context* ctx, int32_t group, const void* send, void* recv, int64_t count,
                       int32_t dtype);
int shardrt_broadcast(shardrt_context* ctx, int32_t group, void* buf, int64_t count, int32_t dtype, int32_t root);
/* Bytes this rank has sent in collectives since the context was created (ring-algorithm accounting). */
uint64_t shardrt_bytes_sent(const shardrt_context* ctx);
/* Seconds this rank has spent inside collectives since the context was created. */
double shardrt_collective_seconds(const shardrt_context* ctx);
/* Seconds this rank has spent running its program (collectives included; a pipeline stage's waits for other stages
 * not) since the context was created. */
double shardrt_compute_seconds(const shardrt_context* ctx);

/* ---- profiling ----------------------------------------------------------------------------------------------
 * A program's run function calls shardrt_op_begin/end around each of its ops (op = index into op_names); they
 * record only between shardrt_profile_start and shardrt_profile_stop. shardrt_profile_write saves what was
 * recorded as a Chrome trace (JSON: chrome://tracing, Perfetto), one complete event per op run, on thread `rank`. */
void shardrt_op_begin(shardrt_context* ctx, int32_t op);
void shardrt_op_end(shardrt_context* ctx, int32_t op);
void shardrt_profile_start(shardrt_context* ctx);
void shardrt_profile_stop(shardrt_context* ctx);
int shardrt_profile_write(shardrt_context* ctx, const shardrt_program* program, const char* path);

/* ---- weight files ------------------------------------------------------------------------------------------
 * weights/rank_K.bin, little-endian:
 *   header (64 bytes): magic "SHARDCW1", u32 version (1), u32 count, u64 table_offset, u64 table_bytes,
 *                      u64 data_offset (a multiple of 4096), zero padding;
 *   table: per tensor: u32 name_len, name bytes, u32 dtype, u32 rank, u64 dims[rank], u64 offset (from
 *          data_offset, a multiple of 64), u64 nbytes;
 *   data:  each tensor's bytes, row-major.
 * Opened by mmap, read-only; tensors are used in place. */
typedef struct shardrt_weights shardrt_weights;

int shardrt_weights_open(shardrt_context* ctx, const char* path, shardrt_weights** out);
/* The same over a weight file's bytes in the caller's memory (kept valid and unchanged until close); `name`
 * names it in errors. */
int shardrt_weights_open_memory(shardrt_context* ctx, const void* data, size_t bytes, const char* name,
                                shardrt_weights** out);
void shardrt_weights_close(shardrt_weights* w);
int32_t shardrt_weights_count(const shardrt_weights* w);
/* Entry i: its description (dims stay valid while w is open), its bytes and their size. */
int shardrt_weights_entry(const shardrt_weights* w, int32_t i, shardrt_tensor_desc* desc, const void** data,
                          uint64_t* nbytes);
/* Index of the entry named `name`, or -1. */
int32_t shardrt_weights_find(const shardrt_weights* w, const char* name);

/* ---- compiled models ----------------------------------------------------------------------------------------
 * A program compiled with `shardc compile --emit lib` (its descriptor is the constant <name>_program the
 * generated header declares), run from the caller's own process: one model per rank of an MPI job, or alone for
 * a one-rank program. Calls return 0 or non-zero with a message that shardrt_model_error returns; none exits.
 *
 *   shardrt_model* m;
 *   shardrt_model_options o = shardrt_model_default_options();
 *   o.weights_path = "out/weights/rank_{rank}.bin";
 *   if (shardrt_model_open(&mlp_program, &o, &m)) { puts(shardrt_model_error(NULL)); ... }
 *   shardrt_model_set_input(m, "x", data, bytes);
 *   shardrt_model_predict(m);
 *   shardrt_model_get_output(m, "logits", out, out_bytes);
 *   shardrt_model_close(m);
 */
typedef struct shardrt_model shardrt_model;

typedef struct shardrt_model_options {
  /* 1: run under MPI (needed by a program of several ranks), 0: alone, -1: decide (MPI when the program has
   * collectives or the process was started by mpirun). */
  int32_t use_mpi;
  /* With MPI: a pointer to the caller's MPI_Comm (MPI initialised by the caller, and left to it), or NULL for
   * MPI_COMM_WORLD, initialising MPI when nobody has and finalising it on close. */
  void* mpi_comm;
  /* This rank's weight file ("{rank}" becomes the rank), or NULL with weights_data. */
  const char* weights_path;
  /* Or the weight file's bytes in memory (the caller's, valid and unchanged until close). */
  const void* weights_data;
  size_t weights_bytes;
  int32_t threads; /* threads this rank computes with (0 or 1: the caller's only) */
} shardrt_model_options;

/* use_mpi -1, everything else zero. */
shardrt_model_options shardrt_model_default_options(void);
int shardrt_model_open(const shardrt_program* program, const shardrt_model_options* options, shardrt_model** out);
/* Releases everything the model holds; the handle is invalid afterwards (calls with it fail, naming the cause). */
void shardrt_model_close(shardrt_model* model);
/* The model's last error; with NULL, the last error of this thread (a failed open, a closed handle). */
const char* shardrt_model_error(const shardrt_model* model);

int32_t shardrt_model_rank(const shardrt_model* model);
/* The model's runtime context: for profiling (shardrt_profile_*) and the collective statistics. */
shardrt_context* shardrt_model_context(shardrt_model* model);
int32_t shardrt_model_world_size(const shardrt_model* model);
int32_t shardrt_model_num_inputs(const shardrt_model* model);
int32_t shardrt_model_num_outputs(const shardrt_model* model);
/* An input or output: its name, dtype, the shape this rank holds and the whole tensor's (the same unless the
 * program was compiled with --local-inputs); dims stay valid while the model is open. */
typedef struct shardrt_tensor_info {
  const char* name;
  int32_t dtype;
  int32_t rank;
  const int64_t* dims;        /* this rank's */
  const int64_t* global_dims; /* the whole tensor's */
} shardrt_tensor_info;
int shardrt_model_input(const shardrt_model* model, int32_t i, shardrt_tensor_info* info);
int shardrt_model_output(const shardrt_model* model, int32_t i, shardrt_tensor_info* info);
/* Copies the input named `name` in: `bytes` is either this rank's part's size, or, for a program whose ranks take
 * parts of their inputs, the whole tensor's (the runtime then copies this rank's part out of it). */
int shardrt_model_set_input(shardrt_model* model, const char* name, const void* data, size_t bytes);
/* Runs the program once; every input must have been set (they keep their values between runs). */
int shardrt_model_predict(shardrt_model* model);
/* Copies the output named `name` (exactly its size) after a predict. A pipeline's outputs are on job rank 0 only. */
int shardrt_model_get_output(const shardrt_model* model, const char* name, void* data, size_t bytes);

#ifdef __cplusplus
}
#endif

#endif /* SHARDRT_SHARDRT_H */
