#include "tools/shardc/machine_calibration.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "frontend/npy.h"
#include "ir/error.h"
#include "ir/type_inference.h"
#include "tools/shardc/compile_driver.h"

namespace shardc::tools {
namespace {

ir::Tensor ramp(ir::Shape s) {
  std::vector<double> v(size_t(s.numElements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = double(i % 97) * 0.01;
  return ir::Tensor::fromDoubles(ir::DType::f32, std::move(s), v);
}

void typeAll(ir::Graph& g) {
  for (const auto& op : g.ops()) g.value(op.results[0]).type = ir::inferResultTypes(g, op)[0];
}

struct Timing {
  double medianMs = 0, collectiveMs = 0;
};

// Compiles g for `ranks` ranks (with `strategy`), runs it under mpirun with --repeat, and reads the runtime's
// timing lines.
Timing timeProgram(const ir::Graph& g, const ir::StrategyMap& strategy, int ranks, const std::string& dir,
                   const std::vector<ir::Tensor>& inputs, int repeat) {
  std::filesystem::create_directories(dir);
  CompileOptions o;
  o.outDir = dir + "/out";
  o.quiet = true;
  o.ranks = ranks;
  o.strategy = strategy;
  std::ostringstream sink;
  compileGraph(g, o, sink);
  std::string cmd = "mpirun";
  if (::geteuid() == 0) cmd += " --allow-run-as-root";
  if (ranks > int(std::thread::hardware_concurrency())) cmd += " --oversubscribe";
  cmd += fmt::format(" -np {} {}/bin/rank_0", ranks, o.outDir);
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string path = fmt::format("{}/in{}.npy", dir, i);
    frontend::writeNpy(path, inputs[i]);
    cmd += fmt::format(" --input {}={}", g.value(g.inputs()[i]).name, path);
  }
  cmd += fmt::format(" --warmup 5 --repeat {} > /dev/null 2> {}/log < /dev/null", repeat, dir);
  if (std::system(cmd.c_str()) != 0) ir::fail("calibration run failed: {}", cmd);
  std::ifstream in(dir + "/log");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  Timing t;
  std::smatch m;
  if (!std::regex_search(text, m, std::regex("median ([0-9.]+) ms"))) ir::fail("calibration: no timing in {}/log", dir);
  t.medianMs = std::stod(m[1]);
  if (std::regex_search(text, m, std::regex("per run: ([0-9.]+) ms in collectives"))) t.collectiveMs = std::stod(m[1]);
  return t;
}

}  // namespace

passes::MachineModel readMachineModel(const std::string& path) {
  std::ifstream in(path);
  if (!in) ir::fail("{}: cannot open", path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    ir::fail("{}: not JSON ({})", path, e.what());
  }
  if (j.value("format", "") != "shardc-machine") ir::fail("{}: not a shardc machine file (\"format\": \"shardc-machine\")", path);
  passes::MachineModel m;
  auto positive = [&](const char* key, double& into) {
    if (!j.contains(key)) return;
    if (!j[key].is_number() || j[key].get<double>() <= 0) ir::fail("{}: '{}' must be a positive number", path, key);
    into = j[key].get<double>();
  };
  positive("peak_flops", m.peakFlops);
  positive("memory_bandwidth", m.comm.memoryBandwidth);
  positive("alpha", m.comm.alpha);
  positive("bandwidth", m.comm.bandwidth);
  positive("cache_bytes", m.cacheBytes);
  return m;
}

std::string machineModelJson(const passes::MachineModel& m) {
  nlohmann::json j;
  j["format"] = "shardc-machine";
  j["peak_flops"] = m.peakFlops;
  j["memory_bandwidth"] = m.comm.memoryBandwidth;
  j["alpha"] = m.comm.alpha;
  j["bandwidth"] = m.comm.bandwidth;
  j["cache_bytes"] = m.cacheBytes;
  return j.dump(2) + "\n";
}

passes::MachineModel calibrateMachine(const std::string& workDir, int ranks, std::ostream& log) {
  passes::MachineModel m;
  // glibc reads the cache sizes from cpuid; virtual machines without sysfs cache entries still answer.
  if (long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE); l2 > 0) m.cacheBytes = double(l2);
  log << fmt::format("calibrate: L2 cache {} KiB per core\n", int64_t(m.cacheBytes) / 1024);
  {
    // The generated matmul kernel: 2 * 256 * 512 * 512 flops.
    ir::Graph g;
    ir::ValueId x = g.addInput("x", {ir::DType::f32, {256, 512}});
    g.setOutputs({g.addOp1(ir::OpKind::MatMul, {x, g.addParam("w", ramp(ir::Shape({512, 512})))}, "y", {}, "mm")});
    typeAll(g);
    Timing t = timeProgram(g, {}, 1, workDir + "/matmul", {ramp(ir::Shape({256, 512}))}, 50);
    m.peakFlops = 2.0 * 256 * 512 * 512 / (t.medianMs * 1e-3);
    log << fmt::format("calibrate: matmul 256x512x512 {:.3f} ms: {:.1f} GFLOP/s\n", t.medianMs, m.peakFlops / 1e9);
  }
  {
    // A streaming add over 32 MiB: reads it once, writes as much.
    int64_t n = int64_t{8} << 20;
    ir::Graph g;
    ir::ValueId x = g.addInput("x", {ir::DType::f32, {n}});
    g.setOutputs({g.addOp1(ir::OpKind::Add, {x, x}, "y", {}, "add")});
    typeAll(g);
    Timing t = timeProgram(g, {}, 1, workDir + "/stream", {ramp(ir::Shape({n}))}, 20);
    m.comm.memoryBandwidth = double(2 * n * 4) / (t.medianMs * 1e-3);
    log << fmt::format("calibrate: streaming add of 32 MiB {:.3f} ms: {:.1f} GB/s\n", t.medianMs, m.comm.memoryBandwidth / 1e9);
  }
  if (ranks > 1) {
    // An all-reduce of a partial sum: x [1, ranks] · w [ranks, N] with the reduction dim split.
    auto allReduce = [&](int64_t n) {
      ir::Graph g;
      ir::ValueId x = g.addInput("x", {ir::DType::f32, {1, ranks}});
      g.setOutputs({g.addOp1(ir::OpKind::MatMul, {x, g.addParam("w", ramp(ir::Shape({ranks, n})))}, "y", {}, "mm")});
      typeAll(g);
      ir::StrategyMap s;
      s.ops["MatMul_w"] = {{{1, ranks}, {ranks, 1}}, 0};
      return timeProgram(g, s, ranks, workDir + "/allreduce" + std::to_string(n), {ramp(ir::Shape({1, ranks}))}, 50)
          .collectiveMs * 1e-3;
    };
    int64_t small = 16, large = int64_t{1} << 20;
    double ts = allReduce(small), tl = allReduce(large);
    // The cost model's all-reduce: a small one by recursive doubling (log2 n steps of alpha), a large one as a
    // reduce-scatter and an all-gather (2 log2 n steps, 2(n-1)/n of the buffer sent).
    double steps = std::ceil(std::log2(double(ranks))), share = 2.0 * double(ranks - 1) / double(ranks);
    m.comm.alpha = std::max(ts / steps, 1e-8);
    m.comm.bandwidth = share * double(large * 4) / std::max(tl - 2 * steps * m.comm.alpha, 1e-9);
    log << fmt::format("calibrate: all-reduce over {} ranks: 64 B {:.1f} us, 4 MiB {:.3f} ms: alpha {:.2f} us, {:.2f} GB/s\n",
                       ranks, ts * 1e6, tl * 1e3, m.comm.alpha * 1e6, m.comm.bandwidth / 1e9);
  }
  return m;
}

}  // namespace shardc::tools
