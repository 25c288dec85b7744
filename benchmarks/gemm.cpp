// The generated f32 GEMM against OpenBLAS's cblas_sgemm, single thread, side by side in one run (Google
// Benchmark). For each shape M x K x N, shardc compiles a one-MatMul model (x [M, K] times a weight [K, N]); its
// program object is linked into a shared library and called in process through the runtime ABI, as a program
// embedding the model would. Prints which OpenBLAS kernels ran and, at the end, the ratio per shape; then a layer
// with bias and ReLU fused into the GEMM against the same with them in a pass of their own.
// OPENBLAS_CORETYPE (set on this machine to Haswell, which forces OpenBLAS's AVX2 kernels) is removed before
// OpenBLAS loads, by running the benchmark again without it.
// Usage: shardc-bench-gemm [google benchmark flags]
#include <dlfcn.h>
#include <unistd.h>

#include <cblas.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "ir/type_inference.h"
#include "runtime/include/shardrt/shardrt.h"
#include "tools/shardc/compile_driver.h"

extern "C" char* openblas_get_corename(void);
extern "C" char* openblas_get_config(void);
extern "C" void openblas_set_num_threads(int);

namespace fs = std::filesystem;
using namespace shardc;

namespace {

struct Shape {
  int64_t m, k, n;
  std::string name() const { return fmt::format("{}x{}x{}", m, k, n); }
  double flops() const { return 2.0 * double(m) * double(k) * double(n); }
};

std::vector<float> random(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> d(-1, 1);
  std::vector<float> v(n);
  for (float& x : v) x = d(gen);
  return v;
}

// A compiled one-MatMul program, loaded.
struct Compiled {
  void* library = nullptr;
  const shardrt_program* program = nullptr;
  void* arena = nullptr;
};

// The layer variants: the product alone; with bias and ReLU fused into the GEMM; with them as a separate pass
// (the product is also an output, so it is stored and read back, as an unfused compiler would).
enum class Layer { Product, Fused, Separate };

Compiled compile(const Shape& s, const std::vector<float>& w, const fs::path& dir, Layer layer = Layer::Product) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {ir::DType::f32, {s.m, s.k}});
  ir::Tensor weight(ir::DType::f32, ir::Shape({s.k, s.n}));
  std::copy(w.begin(), w.end(), weight.data<float>());
  ir::ValueId y = g.addOp1(ir::OpKind::MatMul, {x, g.addParam("w", std::move(weight))}, "y", {}, "mm");
  if (layer == Layer::Product) {
    g.setOutputs({y});
  } else {
    ir::Tensor bias(ir::DType::f32, ir::Shape({s.n}));
    std::fill(bias.data<float>(), bias.data<float>() + s.n, 0.5f);
    ir::ValueId a = g.addOp1(ir::OpKind::Add, {y, g.addParam("b", std::move(bias))}, "a", {}, "bias");
    ir::ValueId r = g.addOp1(ir::OpKind::Relu, {a}, "r", {}, "relu");
    g.setOutputs(layer == Layer::Fused ? std::vector<ir::ValueId>{r} : std::vector<ir::ValueId>{r, y});
  }
  for (const ir::Op& op : g.ops()) g.value(op.results[0]).type = ir::inferResultTypes(g, op)[0];
  tools::CompileOptions o;
  o.outDir = (dir / "out").string();
  o.emit = {"obj"};
  o.quiet = true;
  std::ostringstream log;
  tools::compileGraph(g, o, log);
  std::string so = (dir / "gemm.so").string();
  std::string cmd = fmt::format("c++ -shared -o '{}' '{}'", so, (dir / "out/programs/program_0.o").string());
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("linking " + so + " failed");
  Compiled c;
  c.library = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!c.library) throw std::runtime_error(dlerror());
  c.program = static_cast<const shardrt_program*>(dlsym(c.library, "shardc_program"));
  if (!c.program) throw std::runtime_error("no shardc_program in " + so);
  c.arena = std::aligned_alloc(64, size_t((c.program->arena_bytes + 63) / 64 * 64 + 64));
  return c;
}

std::map<std::string, double> secondsPerRun;  // "shardc/<shape>" or "openblas/<shape>" -> seconds

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs)
      if (r.run_type == Run::RT_Iteration) secondsPerRun[r.benchmark_name()] = r.GetAdjustedRealTime() * 1e-9;
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE")) {
    unsetenv("OPENBLAS_CORETYPE");
    execv("/proc/self/exe", argv);
    std::perror("re-running without OPENBLAS_CORETYPE");
    return 1;
  }
  openblas_set_num_threads(1);
  std::printf("OpenBLAS: %s, kernels for %s, 1 thread\n", openblas_get_config(), openblas_get_corename());
  std::vector<Shape> shapes{{512, 512, 512}, {1024, 1024, 1024}, {2048, 2048, 2048}, {1, 784, 512},
                            {64, 784, 512},  {128, 768, 3072},   {1, 768, 768},      {1, 4096, 4096}};
  fs::path work = fs::temp_directory_path() / fmt::format("shardc_bench_gemm_{}", getpid());
  shardrt_context* ctx = nullptr;
  shardrt_options options{0, 1, 0, nullptr, 1};
  shardrt_context_create(&options, &ctx);
  // The generated code calls the profiler's hooks; this keeps profile.o (and them) in the executable.
  shardrt_profile_stop(ctx);
  std::vector<std::unique_ptr<std::vector<float>>> keep;
  for (const Shape& s : shapes) {
    auto a = std::make_unique<std::vector<float>>(random(size_t(s.m * s.k), 1));
    auto w = std::make_unique<std::vector<float>>(random(size_t(s.k * s.n), 2));
    auto c = std::make_unique<std::vector<float>>(size_t(s.m * s.n));
    fs::create_directories(work / s.name());
    Compiled compiled = compile(s, *w, work / s.name());
    float *pa = a->data(), *pw = w->data(), *pc = c->data();
    benchmark::RegisterBenchmark(("shardc/" + s.name()).c_str(), [=](benchmark::State& st) {
      const void* inputs[] = {pa};
      void* outputs[] = {pc};
      const void* weights[] = {pw};
      // Once, as a model's open does: the weight's panels packed ahead, when the GEMM reads them.
      if (compiled.program->prepare) compiled.program->prepare(ctx, compiled.arena, weights);
      for (auto _ : st) compiled.program->run(ctx, inputs, outputs, compiled.arena, weights);
      st.counters["GFLOP/s"] = benchmark::Counter(s.flops(), benchmark::Counter::kIsIterationInvariantRate);
    });
    benchmark::RegisterBenchmark(("openblas/" + s.name()).c_str(), [=](benchmark::State& st) {
      for (auto _ : st)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(s.m), int(s.n), int(s.k), 1.0f, pa, int(s.k), pw,
                    int(s.n), 0.0f, pc, int(s.n));
      st.counters["GFLOP/s"] = benchmark::Counter(s.flops(), benchmark::Counter::kIsIterationInvariantRate);
    });
    keep.push_back(std::move(a));
    keep.push_back(std::move(w));
    keep.push_back(std::move(c));
  }
  // A layer with bias and ReLU, fused into the GEMM's store or as a pass of its own.
  std::vector<float> bias(1024, 0.5f);
  std::vector<Shape> layers{{64, 784, 512}, {256, 64, 1024}};
  for (const Shape& s : layers) {
    for (Layer layer : {Layer::Fused, Layer::Separate}) {
      std::string name = std::string(layer == Layer::Fused ? "layer-fused/" : "layer-separate/") + s.name();
      fs::create_directories(work / name);
      auto a = std::make_unique<std::vector<float>>(random(size_t(s.m * s.k), 1));
      auto w = std::make_unique<std::vector<float>>(random(size_t(s.k * s.n), 2));
      auto c = std::make_unique<std::vector<float>>(size_t(s.m * s.n));
      auto y = std::make_unique<std::vector<float>>(size_t(s.m * s.n));
      Compiled compiled = compile(s, *w, work / name, layer);
      const void* b = bias.data();
      float *pa = a->data(), *pw = w->data(), *pc = c->data(), *py = y->data();
      benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& st) {
        const void* inputs[] = {pa};
        void* outputs[] = {pc, py};
        // The descriptor lists weights by name; w and b in its order.
        std::vector<const void*> weights;
        for (int i = 0; i < compiled.program->num_weights; ++i)
          weights.push_back(std::string(compiled.program->weights[i].name) == "b" ? b : pw);
        if (compiled.program->prepare) compiled.program->prepare(ctx, compiled.arena, weights.data());
        for (auto _ : st) compiled.program->run(ctx, inputs, outputs, compiled.arena, weights.data());
        st.counters["GFLOP/s"] = benchmark::Counter(s.flops(), benchmark::Counter::kIsIterationInvariantRate);
      });
      keep.push_back(std::move(a));
      keep.push_back(std::move(w));
      keep.push_back(std::move(c));
      keep.push_back(std::move(y));
    }
  }
  fs::remove_all(work);
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\n| M x K x N | shardc GFLOP/s | OpenBLAS GFLOP/s | shardc / OpenBLAS |\n|---|---|---|---|\n");
  for (const Shape& s : shapes) {
    auto mine = secondsPerRun.find("shardc/" + s.name()), peer = secondsPerRun.find("openblas/" + s.name());
    if (mine == secondsPerRun.end() || peer == secondsPerRun.end()) continue;
    std::printf("| %s | %.1f | %.1f | %.2f |\n", s.name().c_str(), s.flops() / mine->second / 1e9,
                s.flops() / peer->second / 1e9, peer->second / mine->second);
  }
  for (const Shape& s : layers) {
    auto fused = secondsPerRun.find("layer-fused/" + s.name()), separate = secondsPerRun.find("layer-separate/" + s.name());
    if (fused != secondsPerRun.end() && separate != secondsPerRun.end())
      std::printf("layer %s + bias + ReLU: fused %.1f us, separate pass %.1f us (%.2fx)\n", s.name().c_str(),
                  fused->second * 1e6, separate->second * 1e6, separate->second / fused->second);
  }
  shardrt_context_destroy(ctx);
}
