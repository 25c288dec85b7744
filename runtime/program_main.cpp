// main() of every generated executable: inputs from .npy, weights from the rank's weight file, buffers allocated
// once, the program run (warmup + repeat times), outputs written as .npy. One error line and exit 1 on bad input.
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <mutex>
#include <condition_variable>
#include <vector>

#include "runtime/include/shardrt/shardrt.h"
#include "runtime/npy_io.h"

extern "C" const shardrt_program shardc_program;

namespace {

struct Usage {
  std::vector<std::string> inputs;
  std::string outputDir, weights, profile;
  int repeat = 1, warmup = 0, threads = 1;
  double timeout = 0;  // seconds start-up, a run or the finish may take; 0: no limit
};

// Ends the process when a phase — start-up (MPI, communicators, weights), one run, the finish (outputs, MPI's
// finalize) — takes longer than its limit: a rank stuck in a collective or in MPI's start-up barrier (a peer stopped
// or gone without the job noticing) then fails the job, naming itself, instead of hanging it.
class Watchdog {
 public:
  Watchdog(int rank, double seconds) : rank_(rank), seconds_(seconds) {
    if (seconds_ > 0) thread_ = std::thread([this] { watch(); });
  }
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(m_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void started(const char* phase) { set(phase); }
  void finished() { set(nullptr); }

 private:
  // The phase being watched, or null between phases.
  void set(const char* phase) {
    std::lock_guard<std::mutex> lock(m_);
    phase_ = phase;
    since_ = std::chrono::steady_clock::now();
    cv_.notify_all();
  }
  void watch() {
    std::unique_lock<std::mutex> lock(m_);
    while (!done_) {
      if (phase_ && std::chrono::steady_clock::now() - since_ > std::chrono::duration<double>(seconds_)) {
        std::fprintf(stderr, "rank_%d: %s took longer than %g s (--timeout): a rank stuck or gone?\n", rank_, phase_,
                     seconds_);
        std::fflush(stderr);
        std::_Exit(124);
      }
      cv_.wait_for(lock, std::chrono::milliseconds(100));
    }
  }
  int rank_;
  double seconds_;
  std::thread thread_;
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
  const char* phase_ = nullptr;
  std::chrono::steady_clock::time_point since_;
};

const char* kUsage =
    "usage: rank_K [--input NAME=FILE.npy | --input FILE.npy]... [--output-dir DIR] [--weights FILE]\n"
    "              ({rank} in a file name becomes this process's rank)\n"
    "              [--repeat N] [--warmup N] [--profile TRACE.json] [--threads N] [--timeout S]\n"
    "Runs the compiled program once per --repeat (after --warmup unmeasured runs) and writes each output as\n"
    "DIR/NAME.npy. Weights default to <dir of this executable>/../weights/rank_<rank>.bin. --profile writes each\n"
    "op's time in the measured runs as a Chrome trace (chrome://tracing, Perfetto); without {rank} in its name\n"
    "only rank 0 writes it. --threads N (default 1) computes with N threads in this rank, each pinned to its own\n"
    "core when the host's ranks x N fit its cores. --timeout S ends this rank (and so the job) when start-up, one\n"
    "run or the finish takes longer than S seconds (a rank stuck in a collective or in MPI's start-up).\n";

std::string typeString(int32_t dtype, const int64_t* dims, int32_t rank) {
  std::string s = std::string(shardrt_dtype_name(dtype)) + "[";
  for (int32_t i = 0; i < rank; ++i) s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

std::string fileNameFor(std::string name) {
  for (char& c : name)
    if (c == '/' || c == '\\' || c == ':') c = '_';
  return name;
}

int fail(int rank, const std::string& msg) {
  std::fprintf(stderr, "rank_%d: %s\n", rank, msg.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  // MPI's collectives allocate temporaries per call; above glibc's default 128 KiB mmap threshold each one is a
  // fresh mapping whose first touch costs about 10 us a page (a 128 KiB all-reduce took 0.3 ms instead of 20 us).
  // Kept in the heap, they are touched once and reused.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  const shardrt_program& prog = shardc_program;
  int rank = 0;
  Usage u;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& dst) {
      if (i + 1 >= argc) return false;
      dst = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if ((a == "--input" || a == "-i") && value(v)) {
      u.inputs.push_back(v);
    } else if ((a == "--output-dir" || a == "-o") && value(v)) {
      u.outputDir = v;
    } else if (a == "--weights" && value(v)) {
      u.weights = v;
    } else if (a == "--profile" && value(v)) {
      u.profile = v;
    } else if (a == "--timeout" && value(v)) {
      char* end = nullptr;
      u.timeout = std::strtod(v.c_str(), &end);
      if (*end || v.empty() || !(u.timeout >= 0)) {
        std::fprintf(stderr, "rank_%d: --timeout needs a number of seconds, got '%s'\n", rank, v.c_str());
        return 2;
      }
    } else if ((a == "--repeat" || a == "--warmup" || a == "--threads") && value(v)) {
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      bool positive = a != "--warmup";
      if (*end || v.empty() || n < 0 || (positive && n < 1) || n > (a == "--threads" ? 1024 : 1000000000)) {
        std::fprintf(stderr, "rank_%d: %s needs a %s number, got '%s'\n", rank, a.c_str(),
                     positive ? "positive" : "non-negative", v.c_str());
        return 2;
      }
      (a == "--repeat" ? u.repeat : a == "--warmup" ? u.warmup : u.threads) = static_cast<int>(n);
    } else {
      std::fprintf(stderr, "rank_%d: unknown or incomplete option '%s'\n%s", rank, a.c_str(), kUsage);
      return 2;
    }
  }
  if (prog.abi_version != SHARDRT_ABI_VERSION)
    return fail(rank, "the program was compiled for runtime ABI " + std::to_string(prog.abi_version));

  // Under mpirun (or when the program has collectives) ranks come from MPI; alone, this is rank 0 of 1.
  bool mpi = prog.needs_mpi || std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr;
  if (const char* r = std::getenv("OMPI_COMM_WORLD_RANK")) rank = std::atoi(r);
  std::string weightsPath = u.weights;
  if (weightsPath.empty() && std::getenv("SHARDRT_WEIGHTS")) weightsPath = std::getenv("SHARDRT_WEIGHTS");
  if (weightsPath.empty()) {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    weightsPath = (exe.parent_path().parent_path() / "weights" / "rank_{rank}.bin").string();
  }
  // Declared before the model: it outlives the model's close, so the finish (MPI's finalize) is watched too.
  Watchdog watchdog(rank, u.timeout);
  watchdog.started("start-up");
  shardrt_model_options options = shardrt_model_default_options();
  options.use_mpi = mpi ? 1 : 0;
  options.threads = u.threads;
  options.weights_path = weightsPath.c_str();
  shardrt_model* model = nullptr;
  if (shardrt_model_open(&prog, &options, &model) != 0) return fail(rank, shardrt_model_error(nullptr));
  std::unique_ptr<shardrt_model, void (*)(shardrt_model*)> modelGuard(model, shardrt_model_close);
  shardrt_context* ctx = shardrt_model_context(model);
  rank = shardrt_model_rank(model);

  // Inputs: NAME=FILE binds by name, FILE fills the next unbound input; "{rank}" in a file name becomes this rank
  // (inputs compiled with --local-inputs: each rank reads its own part).
  for (auto& arg : u.inputs)
    for (size_t at = arg.find("{rank}"); at != std::string::npos; at = arg.find("{rank}"))
      arg.replace(at, 6, std::to_string(rank));
  // The model's inputs and outputs as the caller sees them (a pipeline stage's are the whole model's).
  std::vector<shardrt_tensor_info> ins(size_t(shardrt_model_num_inputs(model))), outs(size_t(shardrt_model_num_outputs(model)));
  for (size_t k = 0; k < ins.size(); ++k) shardrt_model_input(model, int32_t(k), &ins[k]);
  for (size_t k = 0; k < outs.size(); ++k) shardrt_model_output(model, int32_t(k), &outs[k]);
  std::vector<bool> bound(ins.size(), false);
  size_t next = 0;
  for (const auto& arg : u.inputs) {
    size_t slot = bound.size();
    std::string file = arg;
    auto eq = arg.find('=');
    if (eq != std::string::npos)
      for (size_t k = 0; k < bound.size(); ++k)
        if (arg.compare(0, eq, ins[k].name) == 0 && std::strlen(ins[k].name) == eq) {
          slot = k;
          file = arg.substr(eq + 1);
        }
    if (slot == bound.size()) {
      while (next < bound.size() && bound[next]) ++next;
      if (next == bound.size()) return fail(rank, "--input '" + arg + "': the program has only " + std::to_string(bound.size()) + " input(s)");
      slot = next;
    }
    const shardrt_tensor_info& d = ins[slot];
    shardrt::NpyArray a;
    std::string err = shardrt::readNpy(file, a);
    if (!err.empty()) return fail(rank, "input '" + std::string(d.name) + "': " + file + ": " + err);
    if (a.dtype != d.dtype || a.dims.size() != static_cast<size_t>(d.rank) ||
        !std::equal(a.dims.begin(), a.dims.end(), d.dims))
      return fail(rank, "input '" + std::string(d.name) + "': expected " + typeString(d.dtype, d.dims, d.rank) +
                            ", got " + typeString(a.dtype, a.dims.data(), int32_t(a.dims.size())));
    if (shardrt_model_set_input(model, d.name, a.bytes.data(), a.bytes.size()) != 0)
      return fail(rank, shardrt_model_error(model));
    bound[slot] = true;
  }
  for (size_t k = 0; k < bound.size(); ++k)
    if (!bound[k])
      return fail(rank, "no --input given for input '" + std::string(ins[k].name) + "' (" +
                            typeString(ins[k].dtype, ins[k].dims, ins[k].rank) + ")");

  watchdog.finished();
  std::vector<double> times;
  double computedBefore = 0;  // seconds computing in the warm-up runs
  for (int r = 0; r < u.warmup + u.repeat; ++r) {
    if (r == u.warmup) computedBefore = shardrt_compute_seconds(ctx);
    if (r == u.warmup && !u.profile.empty()) shardrt_profile_start(ctx);
    auto start = std::chrono::steady_clock::now();
    watchdog.started("a run");
    if (shardrt_model_predict(model) != 0) return fail(rank, shardrt_model_error(model));
    watchdog.finished();
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (r >= u.warmup) times.push_back(ms);
  }
  watchdog.started("the finish");
  if (!u.profile.empty()) {
    shardrt_profile_stop(ctx);
    bool perRank = u.profile.find("{rank}") != std::string::npos;
    std::string path = u.profile;
    for (size_t at = path.find("{rank}"); at != std::string::npos; at = path.find("{rank}"))
      path.replace(at, 6, std::to_string(rank));
    if ((perRank || rank == 0) && shardrt_profile_write(ctx, &prog, path.c_str()) != 0)
      return fail(rank, shardrt_last_error(ctx));
  }
  // A pipeline stage's idle time: every rank says how much of its runs it computed (the rest waited for others).
  if ((u.repeat > 1 || u.warmup > 0) && prog.pipeline) {
    double total = 0;
    for (double t : times) total += t;
    std::fprintf(stderr, "shardrt: rank %d (stage %d of %d): computing %.3f ms of %.3f ms per run\n", rank,
                 prog.pipeline->stage, prog.pipeline->num_stages,
                 1e3 * (shardrt_compute_seconds(ctx) - computedBefore) / u.repeat, total / double(times.size()));
  }
  if ((u.repeat > 1 || u.warmup > 0) && rank == 0) {
    std::sort(times.begin(), times.end());
    std::fprintf(stderr, "shardrt: %zu runs: min %.3f ms, median %.3f ms, max %.3f ms\n", times.size(), times.front(),
                 times[times.size() / 2], times.back());
    if (mpi) {
      int runs = u.warmup + u.repeat;
      std::fprintf(stderr, "shardrt: rank 0 per run: %.3f ms in collectives, %llu bytes sent\n",
                   1e3 * shardrt_collective_seconds(ctx) / runs,
                   static_cast<unsigned long long>(shardrt_bytes_sent(ctx) / static_cast<uint64_t>(runs)));
    }
  }

  // Every rank computes the whole outputs of an SPMD program's replicated results (a pipeline gathers them on rank
  // 0); rank 0 writes them.
  if (!u.outputDir.empty() && rank == 0) {
    std::error_code ec;
    std::filesystem::create_directories(u.outputDir, ec);
    if (ec) return fail(rank, u.outputDir + ": cannot create: " + ec.message());
    // Each file is written whole (a temporary, then renamed); when one fails, the ones written before it go too.
    std::vector<std::string> written;
    auto failOutputs = [&](const std::string& msg) {
      for (const auto& w : written) std::remove(w.c_str());
      return fail(rank, msg);
    };
    for (const shardrt_tensor_info& d : outs) {
      size_t bytes = shardrt_dtype_size(d.dtype);
      for (int32_t i = 0; i < d.rank; ++i) bytes *= static_cast<size_t>(d.dims[i]);
      std::vector<unsigned char> data(bytes);
      if (shardrt_model_get_output(model, d.name, data.data(), bytes) != 0) return failOutputs(shardrt_model_error(model));
      std::string path = (std::filesystem::path(u.outputDir) / (fileNameFor(d.name) + ".npy")).string();
      std::string err = shardrt::writeNpy(path, d.dtype, std::vector<int64_t>(d.dims, d.dims + d.rank), data.data(), bytes);
      if (!err.empty()) return failOutputs(path + ": " + err);
      written.push_back(path);
    }
  }
  return 0;
}
