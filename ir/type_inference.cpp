#include "ir/type_inference.h"

#include <algorithm>
#include <numeric>

#include <fmt/ranges.h>

#include "ir/error.h"
#include "ir/window.h"

namespace shardc::ir {
namespace {

void expectOperands(const Op& op, size_t lo, size_t hi, size_t n) {
  if (n < lo || n > hi) {
    if (lo == hi) fail("expects {} operand(s), has {}", lo, n);
    fail("expects {} to {} operands, has {}", lo, hi, n);
  }
  (void)op;
}

int64_t normaliseAxis(int64_t axis, size_t rank, const char* what) {
  int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= std::max<int64_t>(r, 1)) fail("{} {} is out of range for rank {}", what, axis, rank);
  return axis < 0 ? axis + r : axis;
}

// Broadcast that keeps dynamic dims where the other side is 1 or also dynamic.
Shape broadcastTypes(const Shape& a, const Shape& b) {
  size_t r = std::max(a.rank(), b.rank());
  Shape out;
  out.dims.resize(r);
  out.dimNames.resize(r);
  for (size_t i = 0; i < r; ++i) {
    size_t ia = i + a.rank() - r, ib = i + b.rank() - r;
    bool hasA = i >= r - a.rank(), hasB = i >= r - b.rank();
    int64_t da = hasA ? a.dims[ia] : 1, db = hasB ? b.dims[ib] : 1;
    std::string na = hasA && ia < a.dimNames.size() ? a.dimNames[ia] : "";
    std::string nb = hasB && ib < b.dimNames.size() ? b.dimNames[ib] : "";
    if (da == db) {
      out.dims[i] = da;
      out.dimNames[i] = na.empty() ? nb : na;
    } else if (db == 1) {
      out.dims[i] = da;
      out.dimNames[i] = na;
    } else if (da == 1) {
      out.dims[i] = db;
      out.dimNames[i] = nb;
    } else if (da == kDynamicDim || db == kDynamicDim) {
      out.dims[i] = da == kDynamicDim ? db : da;
    } else {
      fail("shapes {} and {} do not broadcast", a.str(), b.str());
    }
  }
  if (std::all_of(out.dimNames.begin(), out.dimNames.end(), [](const auto& s) { return s.empty(); }))
    out.dimNames.clear();
  return out;
}

int64_t dimAt(const Shape& s, size_t i) { return s.dims[i]; }

TensorType matmulType(const TensorType& a, const TensorType& b) {
  if (a.dtype != b.dtype)
    fail("operand types differ: {} and {}", dtypeName(a.dtype), dtypeName(b.dtype));
  if (a.shape.rank() == 0 || b.shape.rank() == 0) fail("operands must have rank >= 1, got {} and {}", a.shape.str(), b.shape.str());
  Shape sa = a.shape, sb = b.shape;
  bool squeezeA = sa.rank() == 1, squeezeB = sb.rank() == 1;
  if (squeezeA) sa = Shape({1, sa.dims[0]});
  if (squeezeB) sb = Shape({sb.dims[0], 1});
  int64_t k1 = dimAt(sa, sa.rank() - 1), k2 = dimAt(sb, sb.rank() - 2);
  if (k1 != k2 && k1 != kDynamicDim && k2 != kDynamicDim)
    fail("inner dimensions differ: {} and {}", a.shape.str(), b.shape.str());
  Shape batchA(std::vector<int64_t>(sa.dims.begin(), sa.dims.end() - 2));
  Shape batchB(std::vector<int64_t>(sb.dims.begin(), sb.dims.end() - 2));
  Shape out = broadcastTypes(batchA, batchB);
  out.dimNames.clear();
  if (!squeezeA) out.dims.push_back(sa.dims[sa.rank() - 2]);
  if (!squeezeB) out.dims.push_back(sb.dims[sb.rank() - 1]);
  return {a.dtype, out};
}

std::vector<int64_t> normalisedAxes(const Op& op, size_t rank) {
  std::vector<int64_t> axes = op.attrs.getInts("axes");
  for (auto& a : axes) a = normaliseAxis(a, rank, "axis");
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) fail("axes repeat an axis");
  return axes;
}

TensorType inferOne(const Op& op, std::span<const TensorType> in) {
  auto needBool = [&](const TensorType& t) {
    if (isLogical(op.kind) && t.dtype != DType::boolean) fail("needs bool operands, got {}", dtypeName(t.dtype));
  };
  switch (opCategory(op.kind)) {
    case OpCategory::Unary: {
      expectOperands(op, 1, 1, in.size());
      needBool(in[0]);
      if (op.kind == OpKind::Expand) {
        auto shape = op.attrs.findInts("shape");
        if (!shape) fail("has no 'shape' attribute");
        Shape target(*shape);
        for (int64_t d : target.dims)
          if (d < 0) fail("shape {} has a negative dim", target.str());
        return {in[0].dtype, broadcastTypes(in[0].shape, target)};
      }
      if (op.kind != OpKind::Cast) return in[0];
      std::string to = op.attrs.getString("to", "");
      std::optional<DType> t = parseDType(to);
      if (!t) fail("'to' is \"{}\", not an element type", to);
      return {*t, in[0].shape};
    }
    case OpCategory::Binary:
      expectOperands(op, 2, 2, in.size());
      if (in[0].dtype != in[1].dtype)
        fail("operand types differ: {} and {}", dtypeName(in[0].dtype), dtypeName(in[1].dtype));
      needBool(in[0]);
      return {isComparison(op.kind) ? DType::boolean : in[0].dtype, broadcastTypes(in[0].shape, in[1].shape)};
    case OpCategory::Ternary:
      expectOperands(op, 3, 3, in.size());
      if (in[0].dtype != DType::boolean) fail("the condition must be bool, got {}", dtypeName(in[0].dtype));
      if (in[1].dtype != in[2].dtype)
        fail("operand types differ: {} and {}", dtypeName(in[1].dtype), dtypeName(in[2].dtype));
      return {in[1].dtype, broadcastTypes(broadcastTypes(in[0].shape, in[1].shape), in[2].shape)};
    case OpCategory::Other: break;
  }
  switch (op.kind) {
    case OpKind::MatMul:
      expectOperands(op, 2, 2, in.size());
      return matmulType(in[0], in[1]);
    case OpKind::Gemm: {
      expectOperands(op, 2, 3, in.size());
      if (in[0].shape.rank() != 2 || in[1].shape.rank() != 2)
        fail("operands must be 2-D, got {} and {}", in[0].shape.str(), in[1].shape.str());
      bool ta = op.attrs.getInt("transA", 0) != 0, tb = op.attrs.getInt("transB", 0) != 0;
      int64_t m = in[0].shape.dims[ta ? 1 : 0], k1 = in[0].shape.dims[ta ? 0 : 1];
      int64_t k2 = in[1].shape.dims[tb ? 1 : 0], n = in[1].shape.dims[tb ? 0 : 1];
      if (k1 != k2 && k1 != kDynamicDim && k2 != kDynamicDim)
        fail("inner dimensions differ: {} and {} (transA={}, transB={})", in[0].shape.str(), in[1].shape.str(),
             int(ta), int(tb));
      if (in[0].dtype != in[1].dtype) fail("operand types differ");
      Shape out({m, n});
      if (in.size() == 3) {
        if (in[2].dtype != in[0].dtype)
          fail("C has element type {}, A and B {}", dtypeName(in[2].dtype), dtypeName(in[0].dtype));
        Shape b = broadcastTypes(out, in[2].shape);
        if (b.rank() != 2 || (b.dims != out.dims && out.isStatic() && b.isStatic()))
          fail("C of shape {} does not broadcast to [{},{}]", in[2].shape.str(), m, n);
      }
      return {in[0].dtype, out};
    }
    case OpKind::Transpose: {
      expectOperands(op, 1, 1, in.size());
      size_t r = in[0].shape.rank();
      std::vector<int64_t> perm = op.attrs.getInts("perm");
      if (!op.attrs.has("perm")) {
        perm.resize(r);
        std::iota(perm.rbegin(), perm.rend(), 0);
      }
      if (perm.size() != r) fail("perm has {} entries for rank {}", perm.size(), r);
      std::vector<bool> seen(r, false);
      Shape out;
      for (int64_t p : perm) {
        if (p < 0 || p >= static_cast<int64_t>(r) || seen[static_cast<size_t>(p)])
          fail("perm [{}] is not a permutation of rank {}", fmt::join(perm, ","), r);
        seen[static_cast<size_t>(p)] = true;
        out.dims.push_back(in[0].shape.dims[static_cast<size_t>(p)]);
      }
      return {in[0].dtype, out};
    }
    case OpKind::Reshape: {
      expectOperands(op, 1, 1, in.size());
      auto shape = op.attrs.findInts("shape");
      if (!shape) fail("has no 'shape' attribute");
      Shape out(*shape);
      for (int64_t d : out.dims)
        if (d < 0) fail("target shape {} has a negative dim", out.str());
      if (in[0].shape.isStatic() && in[0].shape.numElements() != out.numElements())
        fail("cannot reshape {} ({} elements) to {} ({} elements)", in[0].shape.str(), in[0].shape.numElements(),
             out.str(), out.numElements());
      return {in[0].dtype, out};
    }
    case OpKind::Flatten: {
      expectOperands(op, 1, 1, in.size());
      const Shape& s = in[0].shape;
      int64_t axis = op.attrs.getInt("axis", 1);
      int64_t r = static_cast<int64_t>(s.rank());
      if (axis < -r || axis > r) fail("axis {} is out of range for rank {}", axis, r);
      if (axis < 0) axis += r;
      int64_t outer = 1, inner = 1;
      for (int64_t i = 0; i < r; ++i) {
        int64_t d = s.dims[static_cast<size_t>(i)];
        int64_t& acc = i < axis ? outer : inner;
        acc = (acc == kDynamicDim || d == kDynamicDim) ? kDynamicDim : acc * d;
      }
      return {in[0].dtype, Shape({outer, inner})};
    }
    case OpKind::Concat: {
      if (in.empty()) fail("expects at least one operand");
      size_t r = in[0].shape.rank();
      if (r == 0) fail("cannot concatenate 0-D tensors");
      int64_t axis = normaliseAxis(op.attrs.getInt("axis", 0), r, "axis");
      Shape out = in[0].shape;
      out.dimNames.clear();
      for (size_t i = 1; i < in.size(); ++i) {
        if (in[i].dtype != in[0].dtype) fail("operand types differ");
        if (in[i].shape.rank() != r) fail("operand ranks differ: {} and {}", in[0].shape.str(), in[i].shape.str());
        for (size_t d = 0; d < r; ++d) {
          int64_t x = in[i].shape.dims[d];
          if (static_cast<int64_t>(d) == axis)
            out.dims[d] = (out.dims[d] == kDynamicDim || x == kDynamicDim) ? kDynamicDim : out.dims[d] + x;
          else if (x != out.dims[d] && x != kDynamicDim && out.dims[d] != kDynamicDim)
            fail("operand shapes {} and {} differ outside axis {}", in[0].shape.str(), in[i].shape.str(), axis);
        }
      }
      return {in[0].dtype, out};
    }
    case OpKind::Conv: {
      expectOperands(op, 2, 3, in.size());
      const Shape &x = in[0].shape, &w = in[1].shape;
      if (x.rank() < 3 || w.rank() != x.rank())
        fail("needs X [N,C,D...] and W [M,C/group,K...] of one rank >= 3, got {} and {}", x.str(), w.str());
      if (!isFloat(in[0].dtype) || in[1].dtype != in[0].dtype)
        fail("needs floating-point X and W of one type, got {} and {}", dtypeName(in[0].dtype), dtypeName(in[1].dtype));
      int64_t group = op.attrs.getInt("group", 1);
      if (group <= 0 || x.dims[1] % group != 0 || w.dims[0] % group != 0 || w.dims[1] * group != x.dims[1])
        fail("X {} and W {} do not fit group {}", x.str(), w.str(), group);
      if (in.size() == 3 && (in[2].shape.rank() != 1 || in[2].shape.dims[0] != w.dims[0] || in[2].dtype != in[0].dtype))
        fail("bias {} does not match the {} output channels", in[2].str(), w.dims[0]);
      Window win = windowOf(op, std::vector<int64_t>(w.dims.begin() + 2, w.dims.end()));
      Shape out({x.dims[0], w.dims[0]});
      for (size_t d = 0; d + 2 < x.rank(); ++d) out.dims.push_back(win.outputDim(d, x.dims[d + 2]));
      return {in[0].dtype, out};
    }
    case OpKind::MaxPool:
    case OpKind::AveragePool: {
      expectOperands(op, 1, 1, in.size());
      const Shape& x = in[0].shape;
      if (x.rank() < 3) fail("needs X [N,C,D...] of rank >= 3, got {}", x.str());
      if (!isFloat(in[0].dtype) && op.kind == OpKind::AveragePool)
        fail("needs a floating-point operand, got {}", dtypeName(in[0].dtype));
      std::vector<int64_t> kernel = op.attrs.getInts("kernel_shape");
      if (kernel.size() + 2 != x.rank()) fail("kernel_shape has {} entries for input {}", kernel.size(), x.str());
      Window win = windowOf(op, kernel);
      Shape out({x.dims[0], x.dims[1]});
      for (size_t d = 0; d + 2 < x.rank(); ++d) out.dims.push_back(win.outputDim(d, x.dims[d + 2]));
      return {in[0].dtype, out};
    }
    case OpKind::Slice: {
      expectOperands(op, 1, 1, in.size());
      const Shape& s = in[0].shape;
      std::vector<int64_t> starts = op.attrs.getInts("starts"), ends = op.attrs.getInts("ends"),
                           steps = op.attrs.getInts("steps");
      if (starts.size() != s.rank() || ends.size() != s.rank() || steps.size() != s.rank())
        fail("starts, ends and steps need {} entries each (one per dim), have {}, {} and {}", s.rank(), starts.size(),
             ends.size(), steps.size());
      Shape out;
      for (size_t d = 0; d < s.rank(); ++d) {
        int64_t dim = s.dims[d], b = starts[d], e = ends[d], st = steps[d];
        if (st == 0) fail("step of dim {} is 0", d);
        if (dim == kDynamicDim) fail("cannot slice dynamic dim {}", d);
        bool ok = st > 0 ? (b >= 0 && b <= dim && e >= 0 && e <= dim) : (b >= -1 && b < dim && e >= -1 && e < dim);
        if (!ok) fail("dim {} of size {}: start {}, end {}, step {} are not clamped", d, dim, b, e, st);
        int64_t n = st > 0 ? (e - b + st - 1) / st : (b - e - st - 1) / -st;
        out.dims.push_back(std::max<int64_t>(n, 0));
      }
      return {in[0].dtype, out};
    }
    case OpKind::Gather: {
      expectOperands(op, 2, 2, in.size());
      const Shape& s = in[0].shape;
      if (s.rank() == 0) fail("cannot gather from a 0-D tensor");
      if (in[1].dtype != DType::i32 && in[1].dtype != DType::i64)
        fail("indices must be i32 or i64, got {}", dtypeName(in[1].dtype));
      size_t axis = static_cast<size_t>(normaliseAxis(op.attrs.getInt("axis", 0), s.rank(), "axis"));
      Shape out;
      out.dims.assign(s.dims.begin(), s.dims.begin() + static_cast<std::ptrdiff_t>(axis));
      out.dims.insert(out.dims.end(), in[1].shape.dims.begin(), in[1].shape.dims.end());
      out.dims.insert(out.dims.end(), s.dims.begin() + static_cast<std::ptrdiff_t>(axis) + 1, s.dims.end());
      return {in[0].dtype, out};
    }
    case OpKind::Softmax:
      expectOperands(op, 1, 1, in.size());
      normaliseAxis(op.attrs.getInt("axis", -1), in[0].shape.rank(), "axis");
      if (!isFloat(in[0].dtype)) fail("needs a floating-point operand, got {}", dtypeName(in[0].dtype));
      return in[0];
    case OpKind::ArgMax:
    case OpKind::ArgMin:
    case OpKind::TopK: {
      expectOperands(op, 1, 1, in.size());
      Shape out = in[0].shape;
      out.dimNames.clear();
      if (out.rank() == 0) fail("needs an operand of rank >= 1");
      size_t axis = static_cast<size_t>(normaliseAxis(op.attrs.getInt("axis", 0), out.rank(), "axis"));
      if (op.kind == OpKind::TopK) {
        int64_t k = op.attrs.getInt("k", -1);
        if (k < 0 || k > out.dims[axis]) fail("k {} is out of range for a dim of {}", k, out.dims[axis]);
        out.dims[axis] = k;
        std::string which = op.attrs.getString("output", "values");
        if (which != "values" && which != "indices") fail("'output' is \"{}\"; values or indices", which);
        return {which == "values" ? in[0].dtype : DType::i64, out};
      }
      if (op.attrs.getInt("keepdims", 1) != 0)
        out.dims[axis] = 1;
      else
        out.dims.erase(out.dims.begin() + static_cast<std::ptrdiff_t>(axis));
      return {DType::i64, out};
    }
    case OpKind::GatherElements: {
      expectOperands(op, 2, 2, in.size());
      if (in[1].dtype != DType::i32 && in[1].dtype != DType::i64)
        fail("indices must be i32 or i64, got {}", dtypeName(in[1].dtype));
      if (in[0].shape.rank() != in[1].shape.rank() || in[0].shape.rank() == 0)
        fail("data {} and indices {} need one rank >= 1", in[0].shape.str(), in[1].shape.str());
      normaliseAxis(op.attrs.getInt("axis", 0), in[0].shape.rank(), "axis");
      return {in[0].dtype, Shape(in[1].shape.dims)};
    }
    case OpKind::Pad: {
      expectOperands(op, 1, 1, in.size());
      const Shape& s = in[0].shape;
      std::vector<int64_t> pads = op.attrs.getInts("pads");
      if (pads.size() != 2 * s.rank()) fail("pads has {} entries for rank {}", pads.size(), s.rank());
      std::string mode = op.attrs.getString("mode", "constant");
      if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
        fail("mode \"{}\" is not constant, reflect, edge or wrap", mode);
      Shape out;
      for (size_t d = 0; d < s.rank(); ++d) {
        int64_t n = s.dims[d] + pads[d] + pads[d + s.rank()];
        if (n < 0) fail("pads [{}] crop dim {} of size {} below 0", fmt::join(pads, ","), d, s.dims[d]);
        if (mode != "constant" && s.dims[d] == 0 && n > 0) fail("cannot {}-pad the empty dim {}", mode, d);
        out.dims.push_back(n);
      }
      return {in[0].dtype, out};
    }
    case OpKind::ConvTranspose: {
      expectOperands(op, 2, 3, in.size());
      const Shape &x = in[0].shape, &w = in[1].shape;
      if (x.rank() < 3 || w.rank() != x.rank())
        fail("needs X [N,C,D...] and W [C,M/group,K...] of one rank >= 3, got {} and {}", x.str(), w.str());
      if (!isFloat(in[0].dtype) || in[1].dtype != in[0].dtype)
        fail("needs floating-point X and W of one type, got {} and {}", dtypeName(in[0].dtype), dtypeName(in[1].dtype));
      int64_t group = op.attrs.getInt("group", 1);
      if (group <= 0 || x.dims[1] != w.dims[0] || x.dims[1] % group != 0)
        fail("X {} and W {} do not fit group {}", x.str(), w.str(), group);
      int64_t m = w.dims[1] * group;
      if (in.size() == 3 && (in[2].shape.rank() != 1 || in[2].shape.dims[0] != m))
        fail("bias {} does not match the {} output channels", in[2].str(), m);
      Window win = windowOf(op, std::vector<int64_t>(w.dims.begin() + 2, w.dims.end()));
      std::vector<int64_t> extra = op.attrs.getInts("output_padding");
      extra.resize(x.rank() - 2, 0);
      Shape out({x.dims[0], m});
      for (size_t d = 0; d + 2 < x.rank(); ++d) {
        int64_t o = win.transposedOutputDim(d, x.dims[d + 2]) + extra[d];
        if (o < 0) fail("spatial dim {} comes out negative ({})", d, o);
        out.dims.push_back(o);
      }
      return {in[0].dtype, out};
    }
    case OpKind::ReduceProd:
    case OpKind::ReduceSum:
    case OpKind::ReduceMean:
    case OpKind::ReduceMax:
    case OpKind::ReduceMin: {
      expectOperands(op, 1, 1, in.size());
      const Shape& s = in[0].shape;
      std::vector<int64_t> axes = normalisedAxes(op, s.rank());
      bool keep = op.attrs.getInt("keepdims", 1) != 0;
      Shape out;
      for (size_t d = 0; d < s.rank(); ++d) {
        bool reduced = axes.empty() || std::binary_search(axes.begin(), axes.end(), static_cast<int64_t>(d));
        if (!reduced)
          out.dims.push_back(s.dims[d]);
        else if (keep)
          out.dims.push_back(1);
      }
      return {in[0].dtype, out};
    }
    case OpKind::AllReduce:
    case OpKind::AllGather:
    case OpKind::ReduceScatter:
    case OpKind::AllToAll:
    case OpKind::ShardSlice: {
      expectOperands(op, 1, 1, in.size());
      int64_t n = op.attrs.getInt("group_size", 0);
      if (n <= 0) fail("has no positive 'group_size'");
      if (op.attrs.getInts("axes").empty()) fail("has no mesh 'axes'");
      if (op.kind == OpKind::AllReduce) {
        std::string r = op.attrs.getString("reduce", "sum");
        if (r != "sum" && r != "max" && r != "min") fail("'reduce' is \"{}\"; sum, max or min", r);
      }
      Shape out = in[0].shape;
      out.dimNames.clear();
      auto dimAttr = [&](const char* name) {
        int64_t d = op.attrs.getInt(name, -1);
        if (d < 0 || d >= static_cast<int64_t>(out.rank())) fail("'{}' {} is out of range for rank {}", name, d, out.rank());
        return static_cast<size_t>(d);
      };
      auto divide = [&](size_t d) {
        if (out.dims[d] >= 0 && out.dims[d] % n != 0)
          fail("dim {} of size {} does not divide over {} ranks", d, out.dims[d], n);
        if (out.dims[d] >= 0) out.dims[d] /= n;
      };
      auto multiply = [&](size_t d) {
        if (out.dims[d] >= 0) out.dims[d] *= n;
      };
      if (op.kind == OpKind::AllGather) multiply(dimAttr("dim"));
      if (op.kind == OpKind::ReduceScatter || op.kind == OpKind::ShardSlice) divide(dimAttr("dim"));
      if (op.kind == OpKind::AllToAll) {
        size_t d = dimAttr("dim"), e = dimAttr("to_dim");
        if (d == e) fail("moves dim {} to itself", d);
        multiply(d);
        divide(e);
      }
      return {in[0].dtype, out};
    }
    default: break;
  }
  fail("has no type rule");
}

}  // namespace

std::vector<TensorType> inferResultTypes(const Op& op, std::span<const TensorType> operands) {
  return {inferOne(op, operands)};
}

std::vector<TensorType> inferResultTypes(const Graph& g, const Op& op) {
  std::vector<TensorType> in;
  in.reserve(op.operands.size());
  for (ValueId v : op.operands) in.push_back(g.value(v).type);
  try {
    return inferResultTypes(op, in);
  } catch (const Unsupported& e) {
    throw Unsupported(describeOp(g, op) + ": " + e.what());
  } catch (const Error& e) {
    throw Error(describeOp(g, op) + ": " + e.what());
  } catch (const std::invalid_argument& e) {
    // An attribute of the wrong kind (Attributes' getters): name the op too.
    throw Error(describeOp(g, op) + ": " + e.what());
  }
}

std::string describeOp(const Graph& g, const Op& op) {
  if (!op.name.empty()) return fmt::format("node '{}' ({})", op.name, opKindName(op.kind));
  if (!op.results.empty()) return fmt::format("{} producing %{}", opKindName(op.kind), g.value(op.results[0]).name);
  return std::string(opKindName(op.kind));
}

}  // namespace shardc::ir
