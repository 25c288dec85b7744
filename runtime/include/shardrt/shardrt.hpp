// A thin C++ wrapper over shardrt.h's compiled models: errors become shardrt::Error, the handle closes itself.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "shardrt/shardrt.h"

namespace shardrt {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TensorInfo {
  std::string name;
  int32_t dtype;
  std::vector<int64_t> dims;        // this rank's
  std::vector<int64_t> globalDims;  // the whole tensor's
  size_t bytes() const {
    size_t n = shardrt_dtype_size(dtype);
    for (int64_t d : dims) n *= static_cast<size_t>(d);
    return n;
  }
};

class Model {
 public:
  explicit Model(const shardrt_program& program, const shardrt_model_options& options = shardrt_model_default_options()) {
    if (shardrt_model_open(&program, &options, &m_) != 0) throw Error(shardrt_model_error(nullptr));
  }
  ~Model() { shardrt_model_close(m_); }
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  int rank() const { return shardrt_model_rank(m_); }
  int worldSize() const { return shardrt_model_world_size(m_); }
  std::vector<TensorInfo> inputs() const { return describe(shardrt_model_num_inputs(m_), &shardrt_model_input); }
  std::vector<TensorInfo> outputs() const { return describe(shardrt_model_num_outputs(m_), &shardrt_model_output); }

  template <typename T>
  void setInput(const std::string& name, const std::vector<T>& data) {
    check(shardrt_model_set_input(m_, name.c_str(), data.data(), data.size() * sizeof(T)));
  }
  void predict() { check(shardrt_model_predict(m_)); }
  template <typename T>
  std::vector<T> output(const std::string& name) const {
    for (const TensorInfo& t : outputs())
      if (t.name == name) {
        std::vector<T> out(t.bytes() / sizeof(T));
        check(shardrt_model_get_output(m_, name.c_str(), out.data(), out.size() * sizeof(T)));
        return out;
      }
    throw Error("the program has no output '" + name + "'");
  }
  shardrt_model* handle() { return m_; }

 private:
  void check(int rc) const {
    if (rc != 0) throw Error(shardrt_model_error(m_));
  }
  std::vector<TensorInfo> describe(int32_t n, int (*get)(const shardrt_model*, int32_t, shardrt_tensor_info*)) const {
    std::vector<TensorInfo> out;
    for (int32_t i = 0; i < n; ++i) {
      shardrt_tensor_info d;
      check(get(m_, i, &d));
      out.push_back({d.name, d.dtype, std::vector<int64_t>(d.dims, d.dims + d.rank),
                     std::vector<int64_t>(d.global_dims, d.global_dims + d.rank)});
    }
    return out;
  }
  shardrt_model* m_ = nullptr;
};

}  // namespace shardrt
