// Runs the compiled MLP on every rank of an MPI job: every rank passes the whole fixed input (sin of the index;
// the runtime hands the program this rank's half of the batch), rank 0 writes it as input.npy and the whole
// output as <output>.npy in the directory given as the only argument.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <shardrt/shardrt.hpp>

#include "mlp.h"

namespace {

void writeNpy(const std::string& path, const std::vector<float>& data, const std::vector<int64_t>& dims) {
  std::string shape;
  for (int64_t d : dims) shape += std::to_string(d) + ", ";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  FILE* f = std::fopen(path.c_str(), "wb");
  unsigned short len = static_cast<unsigned short>(header.size());
  std::fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  std::fwrite(&len, 2, 1, f);
  std::fwrite(header.data(), 1, header.size(), f);
  std::fwrite(data.data(), sizeof(float), data.size(), f);
  std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: mlp_main OUTPUT_DIR\n");
    return 2;
  }
  std::string dir = argv[1];
  try {
    shardrt_model_options options = shardrt_model_default_options();
    options.use_mpi = 1;
    options.weights_path = MLP_WEIGHTS;
    shardrt::Model model(mlp_program, options);
    shardrt::TensorInfo in = model.inputs().at(0), out = model.outputs().at(0);
    size_t whole = 1;
    for (int64_t d : in.globalDims) whole *= static_cast<size_t>(d);
    std::vector<float> x(whole);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(std::sin(double(i)));
    model.setInput(in.name, x);
    model.predict();
    std::vector<float> y = model.output<float>(out.name);
    if (model.rank() == 0) {
      writeNpy(dir + "/input.npy", x, in.globalDims);
      writeNpy(dir + "/" + out.name + ".npy", y, out.dims);
      std::printf("rank 0 of %d: %s [%lld of %lld] -> %s\n", model.worldSize(), in.name.c_str(),
                  static_cast<long long>(in.dims.at(0)), static_cast<long long>(in.globalDims.at(0)), out.name.c_str());
    }
  } catch (const shardrt::Error& e) {
    std::fprintf(stderr, "mlp_main: %s\n", e.what());
    return 1;
  }
  return 0;
}
