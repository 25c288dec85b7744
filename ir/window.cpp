#include "ir/window.h"

#include <fmt/ranges.h>

#include "ir/error.h"

namespace shardc::ir {

int64_t Window::outputDim(size_t d, int64_t in) const {
  int64_t span = dilations[d] * (kernel[d] - 1) + 1;
  int64_t room = in + padBegin[d] + padEnd[d] - span;
  if (room < 0) return 0;
  int64_t out = (ceilMode ? (room + strides[d] - 1) / strides[d] : room / strides[d]) + 1;
  // A last window starting in the end padding is dropped (ONNX's ceil_mode).
  if (ceilMode && (out - 1) * strides[d] >= in + padBegin[d]) --out;
  return out;
}

int64_t Window::transposedOutputDim(size_t d, int64_t in) const {
  return strides[d] * (in - 1) + dilations[d] * (kernel[d] - 1) + 1 - padBegin[d] - padEnd[d];
}

Window windowOf(const Op& op, const std::vector<int64_t>& kernel) {
  Window w;
  w.kernel = kernel;
  size_t r = kernel.size();
  auto listOr = [&](const char* name, int64_t dflt, size_t n) {
    std::vector<int64_t> v = op.attrs.getInts(name);
    if (!op.attrs.has(name) || v.empty()) v.assign(n, dflt);
    if (v.size() != n) fail("'{}' has {} entries, expects {}", name, v.size(), n);
    return v;
  };
  w.strides = listOr("strides", 1, r);
  w.dilations = listOr("dilations", 1, r);
  std::vector<int64_t> pads = listOr("pads", 0, 2 * r);
  w.padBegin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(r));
  w.padEnd.assign(pads.begin() + static_cast<std::ptrdiff_t>(r), pads.end());
  w.ceilMode = op.attrs.getInt("ceil_mode", 0) != 0;
  for (size_t d = 0; d < r; ++d) {
    if (kernel[d] <= 0 || w.strides[d] <= 0 || w.dilations[d] <= 0)
      fail("kernel [{}], strides [{}] and dilations [{}] must be positive", fmt::join(kernel, ","),
           fmt::join(w.strides, ","), fmt::join(w.dilations, ","));
    if (w.padBegin[d] < 0 || w.padEnd[d] < 0) fail("pads [{}] must not be negative", fmt::join(pads, ","));
  }
  return w;
}

}  // namespace shardc::ir
