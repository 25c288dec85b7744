// MatMul (numpy semantics) and Gemm, accumulating in double (int64 for integers).
#include "ir/error.h"
#include "ir/interpreter/kernels.h"

namespace shardc::ir::interp {
namespace {

template <typename T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

}  // namespace

void matmul(const Op&, const std::vector<const Tensor*>& in, Tensor& result) {
  Shape sa = in[0]->shape(), sb = in[1]->shape();
  if (sa.rank() == 1) sa = Shape({1, sa.dims[0]});
  if (sb.rank() == 1) sb = Shape({sb.dims[0], 1});
  int64_t m = sa.dims[sa.rank() - 2], k = sa.dims[sa.rank() - 1], n = sb.dims[sb.rank() - 1];
  Shape batchA(std::vector<int64_t>(sa.dims.begin(), sa.dims.end() - 2));
  Shape batchB(std::vector<int64_t>(sb.dims.begin(), sb.dims.end() - 2));
  Shape batch;
  broadcastShapes(batchA, batchB, batch);
  std::vector<int64_t> ia = broadcastIndex(batchA, batch), ib = broadcastIndex(batchB, batch);
  DType t = result.dtype();
  if (t == DType::f16 || t == DType::bf16 || t == DType::boolean) unsupported("MatMul on {}", dtypeName(t));
  dispatchDType(t, [&](auto tag) {
    using T = decltype(tag);
    const T* a = in[0]->data<T>();
    const T* b = in[1]->data<T>();
    T* c = result.data<T>();
    for (int64_t bi = 0; bi < batch.numElements(); ++bi) {
      const T* A = a + ia[size_t(bi)] * m * k;
      const T* B = b + ib[size_t(bi)] * k * n;
      T* C = c + bi * m * n;
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          Acc<T> acc = 0;
          for (int64_t p = 0; p < k; ++p) acc += static_cast<Acc<T>>(A[i * k + p]) * static_cast<Acc<T>>(B[p * n + j]);
          C[i * n + j] = static_cast<T>(acc);
        }
    }
  });
}

void gemm(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  bool ta = op.attrs.getInt("transA", 0) != 0, tb = op.attrs.getInt("transB", 0) != 0;
  double alpha = op.attrs.getFloat("alpha", 1.0), beta = op.attrs.getFloat("beta", 1.0);
  const Shape& sa = in[0]->shape();
  const Shape& sb = in[1]->shape();
  int64_t m = result.shape().dims[0], n = result.shape().dims[1], k = ta ? sa.dims[0] : sa.dims[1];
  std::vector<int64_t> ic;
  if (in.size() == 3) ic = broadcastIndex(in[2]->shape(), result.shape());
  DType t = result.dtype();
  if (t == DType::f16 || t == DType::bf16 || t == DType::boolean) unsupported("Gemm on {}", dtypeName(t));
  dispatchDType(t, [&](auto tag) {
    using T = decltype(tag);
    const T* a = in[0]->data<T>();
    const T* b = in[1]->data<T>();
    T* y = result.data<T>();
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p) {
          double av = static_cast<double>(ta ? a[p * sa.dims[1] + i] : a[i * sa.dims[1] + p]);
          double bv = static_cast<double>(tb ? b[j * sb.dims[1] + p] : b[p * sb.dims[1] + j]);
          acc += av * bv;
        }
        acc *= alpha;
        if (in.size() == 3) acc += beta * static_cast<double>(in[2]->data<T>()[ic[size_t(i * n + j)]]);
        y[i * n + j] = static_cast<T>(acc);
      }
  });
}

}  // namespace shardc::ir::interp
