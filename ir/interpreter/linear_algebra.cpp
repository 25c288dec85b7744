// MatMul (numpy semantics) and Gemm. Float-like types accumulate in double, in order of the reduction index, and
// round once; integers accumulate modulo 2^64 (what int64 accumulation gives, without overflow UB) and wrap.
#include <algorithm>
#include <array>

#include "ir/interpreter/element.h"
#include "ir/interpreter/kernels.h"
#include "ir/interpreter/strided_walk.h"

namespace shardc::ir::interp {
namespace {

template <typename T>
using Acc = std::conditional_t<kFloatLike<T>, double, uint64_t>;

template <typename T>
Acc<T> widen(T x) {
  if constexpr (kFloatLike<T>)
    return toDouble(x);
  else
    return static_cast<uint64_t>(x);
}

template <typename T>
T narrow(Acc<T> v) {
  if constexpr (kFloatLike<T>)
    return fromDouble<T>(v);
  else
    return wrap<T>(v);
}

// An integer accumulator as the number it stands for (signed types: two's complement).
template <typename T>
double accAsDouble(uint64_t v) {
  if constexpr (std::is_signed_v<T>)
    return static_cast<double>(static_cast<int64_t>(v));
  else
    return static_cast<double>(v);
}

}  // namespace

void matmul(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  // 1-D operands: [K] is [1,K] on the left and [K,1] on the right; the result type has already dropped the 1.
  Shape sa = in[0]->shape(), sb = in[1]->shape();
  if (sa.rank() == 1) sa = Shape({1, sa.dims[0]});
  if (sb.rank() == 1) sb = Shape({sb.dims[0], 1});
  const int64_t m = sa.dims[sa.rank() - 2], k = sa.dims[sa.rank() - 1], n = sb.dims[sb.rank() - 1];
  Shape batchA(std::vector<int64_t>(sa.dims.begin(), sa.dims.end() - 2));
  Shape batchB(std::vector<int64_t>(sb.dims.begin(), sb.dims.end() - 2));
  Shape batch;
  if (!broadcastShapes(batchA, batchB, batch))
    fail("batch dims {} and {} do not broadcast", batchA.str(), batchB.str());
  // In units of whole matrices.
  std::array<Strides, 2> strides{broadcastStrides(batchA, batch), broadcastStrides(batchB, batch)};
  DType t = result.dtype();
  dispatchElement(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      unsupportedElementType(t, op.kind);
    } else {
      const T* a = in[0]->data<T>();
      const T* b = in[1]->data<T>();
      T* c = result.data<T>();
      std::vector<Acc<T>> row(static_cast<size_t>(n));
      walkStrided(batch, strides, [&](int64_t bi, const std::array<int64_t, 2>& off) {
        const T* A = a + off[0] * m * k;
        const T* B = b + off[1] * k * n;
        T* C = c + bi * m * n;
        for (int64_t i = 0; i < m; ++i) {
          std::fill(row.begin(), row.end(), Acc<T>(0));
          // Row i of C += A[i,p] * row p of B, p ascending: each C[i,j] sums its products in order of p.
          for (int64_t p = 0; p < k; ++p) {
            Acc<T> av = widen(A[i * k + p]);
            const T* Bp = B + p * n;
            for (int64_t j = 0; j < n; ++j) row[size_t(j)] += av * widen(Bp[j]);
          }
          for (int64_t j = 0; j < n; ++j) C[i * n + j] = narrow<T>(row[size_t(j)]);
        }
      });
    }
  });
}

void gemm(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const bool ta = op.attrs.getInt("transA", 0) != 0, tb = op.attrs.getInt("transB", 0) != 0;
  const double alpha = op.attrs.getFloat("alpha", 1.0), beta = op.attrs.getFloat("beta", 1.0);
  const Shape& sa = in[0]->shape();
  const Shape& sb = in[1]->shape();
  const Shape& out = result.shape();
  const int64_t m = out.dims[0], n = out.dims[1], k = ta ? sa.dims[0] : sa.dims[1];
  const int64_t lda = sa.dims[1], ldb = sb.dims[1];
  // A[i,p] and B[p,j] of op(A), op(B).
  const int64_t aRow = ta ? 1 : lda, aCol = ta ? lda : 1, bRow = tb ? 1 : ldb, bCol = tb ? ldb : 1;
  const bool hasC = in.size() == 3;
  if (hasC && in[2]->dtype() != result.dtype())
    fail("C has element type {}, A and B {}", dtypeName(in[2]->dtype()), dtypeName(result.dtype()));
  // C broadcast (unidirectionally) to [M,N].
  Strides sc = hasC ? broadcastStrides(in[2]->shape(), out) : Strides{0, 0};
  DType t = result.dtype();
  dispatchElement(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      unsupportedElementType(t, op.kind);
    } else {
      const T* a = in[0]->data<T>();
      const T* b = in[1]->data<T>();
      const T* c = hasC ? in[2]->data<T>() : nullptr;
      T* y = result.data<T>();
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          Acc<T> acc = 0;
          for (int64_t p = 0; p < k; ++p) acc += widen(a[i * aRow + p * aCol]) * widen(b[p * bRow + j * bCol]);
          const T* cij = hasC ? c + i * sc[0] + j * sc[1] : nullptr;
          if constexpr (kFloatLike<T>) {
            double v = alpha * acc;
            if (cij) v += beta * toDouble(*cij);
            y[i * n + j] = fromDouble<T>(v);
          } else if (alpha == 1.0 && (beta == 1.0 || !cij)) {
            // Exact integer arithmetic for the usual case.
            y[i * n + j] = wrap<T>(acc + (cij ? static_cast<uint64_t>(*cij) : 0));
          } else {
            double v = alpha * accAsDouble<T>(acc);
            if (cij) v += beta * static_cast<double>(*cij);
            y[i * n + j] = truncateToInt<T>(v);
          }
        }
    }
  });
}

}  // namespace shardc::ir::interp
