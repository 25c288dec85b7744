// Conv and the pools, as direct loops over every output element and its window (accumulating in double).
#include <cmath>
#include <limits>

#include "ir/interpreter/element.h"
#include "ir/interpreter/kernels.h"
#include "ir/window.h"

namespace shardc::ir::interp {
namespace {

// Calls f(index) for every index of `extents` in row-major order.
template <typename F>
void forEachIndex(const std::vector<int64_t>& extents, F&& f) {
  int64_t n = 1;
  for (int64_t e : extents) n *= e;
  std::vector<int64_t> idx(extents.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    f(idx);
    for (size_t d = extents.size(); d-- > 0;) {
      if (++idx[d] < extents[d]) break;
      idx[d] = 0;
    }
  }
}

std::vector<int64_t> spatial(const Shape& s) { return std::vector<int64_t>(s.dims.begin() + 2, s.dims.end()); }

// Offset of a spatial position in a [.., D...] block, or -1 when a coordinate falls outside.
int64_t spatialOffset(const std::vector<int64_t>& pos, const std::vector<int64_t>& dims) {
  int64_t off = 0;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (pos[d] < 0 || pos[d] >= dims[d]) return -1;
    off = off * dims[d] + pos[d];
  }
  return off;
}

// The extents both convolutions loop over: spatial dims of input, kernel and output, the window, batch, channels
// in and out (M is the result's dim 1), per-group channel counts, and the elements of one plane of each.
struct ConvGeometry {
  std::vector<int64_t> xs, ks, os;
  Window win;
  int64_t N, C, M, cg, mg, xBlock = 1, kBlock = 1, oBlock = 1;
  ConvGeometry(const Op& op, const Tensor& X, const Tensor& W, const Tensor& Y)
      : xs(spatial(X.shape())), ks(spatial(W.shape())), os(spatial(Y.shape())), win(windowOf(op, ks)),
        N(X.shape().dims[0]), C(X.shape().dims[1]), M(Y.shape().dims[1]) {
    int64_t group = op.attrs.getInt("group", 1);
    cg = C / group;
    mg = M / group;
    for (int64_t v : xs) xBlock *= v;
    for (int64_t v : ks) kBlock *= v;
    for (int64_t v : os) oBlock *= v;
  }
};

}  // namespace

void conv(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Tensor &X = *in[0], &W = *in[1];
  ConvGeometry geo(op, X, W, result);
  auto& [xs, ks, os, win, N, C, M, cg, mg, xBlock, kBlock, oBlock] = geo;
  dispatchElement(result.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (kFloatLike<T>) {
      const T* x = X.data<T>();
      const T* w = W.data<T>();
      const T* b = in.size() > 2 ? in[2]->data<T>() : nullptr;
      T* y = result.data<T>();
      std::vector<int64_t> pos(xs.size());
      for (int64_t n = 0; n < N; ++n)
        for (int64_t m = 0; m < M; ++m) {
          int64_t g = m / mg;
          int64_t o = 0;
          forEachIndex(os, [&](const std::vector<int64_t>& out) {
            double acc = b ? toDouble(b[m]) : 0.0;
            for (int64_t c = 0; c < cg; ++c) {
              const T* xc = x + (n * C + g * cg + c) * xBlock;
              const T* wc = w + (m * cg + c) * kBlock;
              int64_t k = 0;
              forEachIndex(ks, [&](const std::vector<int64_t>& kp) {
                for (size_t d = 0; d < xs.size(); ++d)
                  pos[d] = out[d] * win.strides[d] - win.padBegin[d] + kp[d] * win.dilations[d];
                int64_t off = spatialOffset(pos, xs);
                if (off >= 0) acc += toDouble(xc[off]) * toDouble(wc[k]);
                ++k;
              });
            }
            y[(n * M + m) * oBlock + o++] = fromDouble<T>(acc);
          });
        }
    } else {
      unsupportedElementType(result.dtype(), op.kind);
    }
  });
}

void convTranspose(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Tensor &X = *in[0], &W = *in[1];
  ConvGeometry geo(op, X, W, result);
  auto& [xs, ks, os, win, N, C, M, cg, mg, xBlock, kBlock, oBlock] = geo;
  dispatchElement(result.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (kFloatLike<T>) {
      const T* x = X.data<T>();
      const T* w = W.data<T>();
      std::vector<double> acc(static_cast<size_t>(result.numElements()), 0.0);
      if (in.size() > 2)
        for (int64_t n = 0; n < N; ++n)
          for (int64_t m = 0; m < M; ++m)
            for (int64_t o = 0; o < oBlock; ++o) acc[size_t((n * M + m) * oBlock + o)] = toDouble(in[2]->data<T>()[m]);
      std::vector<int64_t> pos(xs.size());
      // Scatter form: input position i with kernel offset k lands at i * stride - pad + k * dilation.
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c) {
          int64_t g = c / cg;
          int64_t i = 0;
          forEachIndex(xs, [&](const std::vector<int64_t>& ip) {
            double xv = toDouble(x[(n * C + c) * xBlock + i++]);
            for (int64_t mm = 0; mm < mg; ++mm) {
              const T* wc = w + (c * mg + mm) * kBlock;
              int64_t k = 0;
              forEachIndex(ks, [&](const std::vector<int64_t>& kp) {
                for (size_t d = 0; d < xs.size(); ++d)
                  pos[d] = ip[d] * win.strides[d] - win.padBegin[d] + kp[d] * win.dilations[d];
                int64_t off = spatialOffset(pos, os);
                if (off >= 0) acc[size_t((n * M + g * mg + mm) * oBlock + off)] += xv * toDouble(wc[k]);
                ++k;
              });
            }
          });
        }
      T* y = result.data<T>();
      for (size_t j = 0; j < acc.size(); ++j) y[j] = fromDouble<T>(acc[j]);
    } else {
      unsupportedElementType(result.dtype(), op.kind);
    }
  });
}

void pool(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Tensor& X = *in[0];
  std::vector<int64_t> xs = spatial(X.shape()), os = spatial(result.shape());
  Window win = windowOf(op, op.attrs.getInts("kernel_shape"));
  bool isMax = op.kind == OpKind::MaxPool, includePad = op.attrs.getInt("count_include_pad", 0) != 0;
  int64_t planes = X.shape().dims[0] * X.shape().dims[1], xBlock = 1, oBlock = 1;
  for (int64_t v : xs) xBlock *= v;
  for (int64_t v : os) oBlock *= v;
  dispatchElement(result.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (kFloatLike<T> || kInteger<T>) {
      const T* x = X.data<T>();
      T* y = result.data<T>();
      std::vector<int64_t> pos(xs.size());
      for (int64_t p = 0; p < planes; ++p) {
        int64_t o = 0;
        forEachIndex(os, [&](const std::vector<int64_t>& out) {
          double acc = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
          int64_t count = 0;
          forEachIndex(win.kernel, [&](const std::vector<int64_t>& kp) {
            bool inPadded = true;
            for (size_t d = 0; d < xs.size(); ++d) {
              pos[d] = out[d] * win.strides[d] - win.padBegin[d] + kp[d] * win.dilations[d];
              inPadded = inPadded && pos[d] < xs[d] + win.padEnd[d];
            }
            int64_t off = spatialOffset(pos, xs);
            if (off >= 0) {
              double v;
              if constexpr (kFloatLike<T>) v = toDouble(x[p * xBlock + off]);
              else v = static_cast<double>(x[p * xBlock + off]);
              acc = isMax ? (v > acc || std::isnan(v) ? v : acc) : acc + v;
              ++count;
            } else if (includePad && inPadded) {
              ++count;
            }
          });
          double r = isMax ? acc : acc / static_cast<double>(count);
          if constexpr (kFloatLike<T>) y[p * oBlock + o++] = fromDouble<T>(r);
          else y[p * oBlock + o++] = static_cast<T>(r);
        });
      }
    } else {
      unsupportedElementType(result.dtype(), op.kind);
    }
  });
}

}  // namespace shardc::ir::interp
