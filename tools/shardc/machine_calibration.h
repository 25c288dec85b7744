// The machine the cost model prices strategies for: measured by `shardc calibrate` (the generated kernels' rate,
// memory bandwidth, MPI latency and bandwidth of an all-reduce under mpirun) and kept in a small JSON file that
// `search` and `compile --search` read with --machine. Without one, the defaults of passes::MachineModel.
#pragma once

#include <iosfwd>
#include <string>

#include "passes/strategy_search.h"

namespace shardc::tools {

// {"format": "shardc-machine", "peak_flops": ..., "memory_bandwidth": ..., "alpha": ..., "bandwidth": ...}
passes::MachineModel readMachineModel(const std::string& path);
std::string machineModelJson(const passes::MachineModel& m);

// Compiles and times small programs in `workDir` (a matmul, a streaming add, an all-reduce of two sizes over
// `ranks` ranks); progress lines to `log`.
passes::MachineModel calibrateMachine(const std::string& workDir, int ranks, std::ostream& log);

}  // namespace shardc::tools
