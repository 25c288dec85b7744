// Each ir op as the MindSpore primitive(s) computing it, in the forms the MindIR importer (mindir_primitives.cpp,
// mindir_collectives.cpp) reads: constant operands (shapes, axes, permutations, dtypes) as Constant nodes, Concat's
// operands through MakeTuple, every node typed (its abstract), so that AlltoAll and the like know their input's
// rank on import. Where MindSpore has no one primitive for an ir op, the op is written as the primitives MindSpore's
// own parallel passes use for it: AllGather and ReduceScatter work along dim 0 only, so another dim is moved to the
// front and back by Transposes; a vocabulary-split Gather is GatherInfo's masked lookup (Sub, clamp, Gather, Equal,
// Cast, Mul); a ReduceMean by the global count is ReduceSum then RealDiv.
#include "frontend/mindir_graph_writer.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/atomic_file.h"
#include "frontend/mindir_writer.h"
#include "ir/error.h"
#include "ir/type_inference.h"
#include "ir/window.h"

namespace shardc::frontend {
namespace {

using ir::OpKind;
using Dims = std::vector<int64_t>;

class GraphExport {
 public:
  GraphExport(const ir::Graph& g, std::string path, std::optional<int64_t> jobRank, GroupRanks* groups)
      : g_(g), path_(std::move(path)), jobRank_(jobRank), groups_(groups), w_(g.name.empty() ? "main" : g.name),
        mg_(w_.main()) {}

  std::string run() {
    names_.resize(g_.numValues());
    for (ir::ValueId v : g_.inputs()) names_[size_t(v)] = mg_.input(g_.value(v).name, g_.value(v).type);
    for (ir::ValueId p : g_.params()) {
      const ir::Value& v = g_.value(p);
      if (!v.data) ir::fail("{}: parameter '{}' has no data to write", path_, v.name);
      names_[size_t(p)] = mg_.parameter(v.name, *v.data);
    }
    for (const ir::Op& op : g_.ops()) {
      if (op.results.size() != 1) cannot(op, fmt::format("it has {} results", op.results.size()));
      writeOp(op);
    }
    for (ir::ValueId v : g_.outputs()) mg_.output(names_[size_t(v)]);
    return w_.serialize();
  }

 private:
  [[noreturn]] void cannot(const ir::Op& op, const std::string& why) const {
    ir::unsupported("{}: {} has no MindSpore form (MindIR export): {}", path_, ir::describeOp(g_, op), why);
  }

  const std::string& in(const ir::Op& op, size_t i) const { return names_[size_t(op.operands.at(i))]; }
  const ir::TensorType& inType(const ir::Op& op, size_t i = 0) const { return g_.value(op.operands.at(i)).type; }
  const ir::TensorType& outType(const ir::Op& op) const { return g_.value(op.results[0]).type; }
  const std::string& outName(const ir::Op& op) const { return g_.value(op.results[0]).name; }

  // A node of `op`: its last node is named as the op's result; intermediate ones after it with a suffix.
  std::string node(const ir::Op& op, const std::string& prim, const std::vector<std::string>& inputs,
                   const MindIrAttrs& attrs, const ir::TensorType& type, const std::string& suffix = "") {
    MindIrWriter::NodeOptions o;
    o.name = outName(op) + suffix;
    o.type = type;
    if (!op.name.empty()) o.scope = op.name;
    return mg_.node(prim, inputs, attrs, o);
  }
  std::string result(const ir::Op& op, const std::string& prim, const std::vector<std::string>& inputs,
                     const MindIrAttrs& attrs = {}) {
    return names_[size_t(op.results[0])] = node(op, prim, inputs, attrs, outType(op));
  }
  // result() for writeOp's cases, which return nothing.
  void define(const ir::Op& op, const std::string& prim, const std::vector<std::string>& inputs,
              const MindIrAttrs& attrs = {}) {
    result(op, prim, inputs, attrs);
  }
  std::string constant(const ir::Op& op, const std::string& what, const MindIrValue& v) {
    return mg_.constant(outName(op) + "." + what, v);
  }

  // The op's group: `group`, `group_ranks` and `rank_size` as MindSpore's parallel passes set them.
  MindIrAttrs groupAttrs(const ir::Op& op) {
    if (!op.attrs.has("group_ranks"))
      cannot(op, "its group has no ranks (group_ranks): only a rank's program from `shardc compile` has them");
    Dims ranks = op.attrs.getInts("group_ranks");
    std::string name = mindIrGroupName(ranks);
    if (groups_) (*groups_)[name] = ranks;
    return {{"group", MindIrValue::string(name)},
            {"group_ranks", MindIrValue::ints(ranks)},
            {"rank_size", MindIrValue::integer(int64_t(ranks.size()))}};
  }

  // The rank's place in the op's group, for ops whose data depends on it.
  int64_t position(const ir::Op& op) const {
    if (!jobRank_) cannot(op, "it depends on the rank, and no rank is given");
    Dims ranks = op.attrs.getInts("group_ranks");
    auto it = std::find(ranks.begin(), ranks.end(), *jobRank_);
    if (it == ranks.end()) cannot(op, fmt::format("rank {} is not in its group ({})", *jobRank_, fmt::join(ranks, ", ")));
    return it - ranks.begin();
  }

  static ir::TensorType swapped(ir::TensorType t, size_t a, size_t b) {
    std::swap(t.shape.dims[a], t.shape.dims[b]);
    t.shape.dimNames.clear();
    return t;
  }

  // AllGather or ReduceScatter along `dim`: MindSpore's work along dim 0, so another dim goes to the front and back.
  void alongDimZero(const ir::Op& op, const std::string& prim, MindIrAttrs attrs) {
    size_t dim = size_t(op.attrs.getInt("dim", 0));
    if (dim == 0) {
      result(op, prim, {in(op, 0)}, attrs);
      return;
    }
    size_t rank = inType(op).shape.rank();
    Dims perm(rank);
    for (size_t d = 0; d < rank; ++d) perm[d] = int64_t(d);
    std::swap(perm[0], perm[dim]);
    std::string p = constant(op, "perm", MindIrValue::ints(perm));
    std::string front = node(op, "Transpose", {in(op, 0), p}, {}, swapped(inType(op), 0, dim), ".front");
    std::string done = node(op, prim, {front}, attrs, swapped(outType(op), 0, dim), ".dim0");
    result(op, "Transpose", {done, p});
  }

  void reduce(const ir::Op& op, const char* prim) {
    size_t rank = inType(op).shape.rank();
    Dims axes;
    for (int64_t a : op.attrs.getInts("axes")) axes.push_back(a < 0 ? a + int64_t(rank) : a);
    MindIrAttrs attrs{{"keep_dims", MindIrValue::boolean(op.attrs.getInt("keepdims", 1) != 0)}};
    std::string axis = constant(op, "axis", MindIrValue::ints(axes));
    if (!op.attrs.has("divisor")) {
      result(op, prim, {in(op, 0), axis}, attrs);
      return;
    }
    // The mean of a split dim: this rank's sum over the global count (the ranks' parts add up to the mean).
    std::string sum = node(op, "ReduceSum", {in(op, 0), axis}, attrs, outType(op), ".sum");
    result(op, "RealDiv", {sum, constant(op, "divisor", MindIrValue::real(double(op.attrs.getInt("divisor", 1))))});
  }

  // Rows [pos * local, (pos + 1) * local) of the table are this rank's: indices outside give zeros, as MindSpore's
  // GatherInfo computes it (sub = indices - bias; clamped into the block; the lookup masked by sub == clamped).
  void splitGather(const ir::Op& op) {
    if (op.attrs.getInt("axis", 0) != 0) cannot(op, "a vocabulary-split Gather along a dim other than 0");
    const ir::TensorType& table = inType(op, 0);
    const ir::TensorType& idx = inType(op, 1);
    int64_t local = table.shape.dims.at(0), pos = position(op);
    std::string sub = node(op, "Sub", {in(op, 1), constant(op, "bias", MindIrValue::integer(pos * local))}, {}, idx, ".sub");
    std::string low = node(op, "Maximum", {sub, constant(op, "low", MindIrValue::integer(0))}, {}, idx, ".low");
    std::string clamped = node(op, "Minimum", {low, constant(op, "high", MindIrValue::integer(local - 1))}, {}, idx, ".clamped");
    ir::TensorType boolType{ir::DType::boolean, idx.shape};
    std::string inBlock = node(op, "Equal", {sub, clamped}, {}, boolType, ".in_block");
    std::string rows = node(op, "Gather", {in(op, 0), clamped, constant(op, "axis", MindIrValue::integer(0))}, {},
                            outType(op), ".rows");
    ir::TensorType maskType{table.dtype, idx.shape};
    std::string mask = node(op, "Cast", {inBlock, constant(op, "dtype", MindIrValue::dtype(table.dtype))}, {}, maskType, ".mask");
    Dims shape = idx.shape.dims;
    shape.insert(shape.end(), table.shape.rank() - 1, 1);
    maskType.shape = ir::Shape(shape);
    std::string column = node(op, "Reshape", {mask, constant(op, "shape", MindIrValue::ints(shape))}, {}, maskType, ".mask_column");
    result(op, "Mul", {rows, column});
  }

  void writeOp(const ir::Op& op) {
    auto unary = [&](const char* prim) { result(op, prim, {in(op, 0)}); };
    auto binary = [&](const char* prim) { result(op, prim, {in(op, 0), in(op, 1)}); };
    switch (op.kind) {
      case OpKind::Identity: return unary("Identity");
      case OpKind::Neg: return unary("Neg");
      case OpKind::Relu: return unary("ReLU");
      case OpKind::Sigmoid: return unary("Sigmoid");
      case OpKind::Tanh: return unary("Tanh");
      case OpKind::Exp: return unary("Exp");
      case OpKind::Sqrt: return unary("Sqrt");
      case OpKind::Abs: return unary("Abs");
      case OpKind::Log: return unary("Log");
      case OpKind::Reciprocal: return unary("Reciprocal");
      case OpKind::Erf: return unary("Erf");
      case OpKind::Floor: return unary("Floor");
      case OpKind::Ceil: return unary("Ceil");
      case OpKind::Not: return unary("LogicalNot");
      case OpKind::Add: return binary("Add");
      case OpKind::Sub: return binary("Sub");
      case OpKind::Mul: return binary("Mul");
      case OpKind::Div: return binary("RealDiv");
      case OpKind::Pow: return binary("Pow");
      case OpKind::Max: return binary("Maximum");
      case OpKind::Min: return binary("Minimum");
      case OpKind::Equal: return binary("Equal");
      case OpKind::Less: return binary("Less");
      case OpKind::Greater: return binary("Greater");
      case OpKind::LessOrEqual: return binary("LessEqual");
      case OpKind::GreaterOrEqual: return binary("GreaterEqual");
      case OpKind::And: return binary("LogicalAnd");
      case OpKind::Or: return binary("LogicalOr");
      case OpKind::Where: return define(op, "Select", {in(op, 0), in(op, 1), in(op, 2)});
      case OpKind::Cast: {
        std::optional<ir::DType> to = ir::parseDType(op.attrs.getString("to", ""));
        if (!to) cannot(op, "its 'to' is not an element type");
        return define(op, "Cast", {in(op, 0), constant(op, "dtype", MindIrValue::dtype(*to))});
      }
      case OpKind::Expand:
        return define(op, "BroadcastTo", {in(op, 0)}, {{"shape", MindIrValue::ints(outType(op).shape.dims)}});
      case OpKind::MatMul: {
        size_t ra = inType(op, 0).shape.rank(), rb = inType(op, 1).shape.rank();
        if (ra < 2 || rb < 2) cannot(op, "a MatMul of a 1-D operand");
        MindIrAttrs attrs{{"transpose_a", MindIrValue::boolean(false)}, {"transpose_b", MindIrValue::boolean(false)}};
        return define(op, ra == 2 && rb == 2 ? "MatMul" : "BatchMatMul", {in(op, 0), in(op, 1)}, attrs);
      }
      case OpKind::Conv: return conv(op);
      case OpKind::MaxPool: return pool(op, "MaxPool");
      case OpKind::AveragePool: return pool(op, "AvgPool");
      case OpKind::Transpose:
        return define(op, "Transpose", {in(op, 0), constant(op, "perm", MindIrValue::ints(op.attrs.getInts("perm")))});
      case OpKind::Reshape:
      case OpKind::Flatten:
        return define(op, "Reshape", {in(op, 0), constant(op, "shape", MindIrValue::ints(outType(op).shape.dims))});
      case OpKind::Concat: {
        std::vector<std::string> parts;
        for (size_t i = 0; i < op.operands.size(); ++i) parts.push_back(in(op, i));
        std::string tuple = mg_.node("MakeTuple", parts, {}, {outName(op) + ".parts", "", std::nullopt});
        int64_t axis = op.attrs.getInt("axis", 0);
        if (axis < 0) axis += int64_t(outType(op).shape.rank());
        return define(op, "Concat", {tuple}, {{"axis", MindIrValue::integer(axis)}});
      }
      case OpKind::Slice: return slice(op);
      case OpKind::Gather:
        if (op.attrs.has("shard_axes")) return splitGather(op);
        return define(op, "Gather", {in(op, 0), in(op, 1), constant(op, "axis", MindIrValue::integer(op.attrs.getInt("axis", 0)))});
      case OpKind::Softmax:
        return define(op, "Softmax", {in(op, 0)}, {{"axis", MindIrValue::ints({op.attrs.getInt("axis", -1)})}});
      case OpKind::ReduceSum: return reduce(op, "ReduceSum");
      case OpKind::ReduceMean: return reduce(op, "ReduceMean");
      case OpKind::ReduceMax: return reduce(op, "ReduceMax");
      case OpKind::ReduceMin: return reduce(op, "ReduceMin");
      case OpKind::AllReduce: {
        MindIrAttrs attrs = groupAttrs(op);
        attrs["op"] = MindIrValue::string(op.attrs.getString("reduce", "sum"));
        return define(op, "AllReduce", {in(op, 0)}, attrs);
      }
      case OpKind::AllGather: return alongDimZero(op, "AllGather", groupAttrs(op));
      case OpKind::ReduceScatter: {
        MindIrAttrs attrs = groupAttrs(op);
        attrs["op"] = MindIrValue::string("sum");
        return alongDimZero(op, "ReduceScatter", attrs);
      }
      case OpKind::AllToAll: {
        MindIrAttrs attrs = groupAttrs(op);
        attrs["split_dim"] = MindIrValue::integer(op.attrs.getInt("to_dim", 1));
        attrs["concat_dim"] = MindIrValue::integer(op.attrs.getInt("dim", 0));
        attrs["split_count"] = MindIrValue::integer(int64_t(op.attrs.getInts("group_ranks").size()));
        return define(op, "AlltoAll", {in(op, 0)}, attrs);
      }
      case OpKind::ShardSlice: return shardSlice(op);
      case OpKind::Gemm: cannot(op, "Gemm is lowered to MatMul by canonicalize; export a canonical graph");
      case OpKind::ConvTranspose: cannot(op, "Conv2DTranspose's padding is not written");
      case OpKind::Xor: cannot(op, "no logical xor primitive");
      case OpKind::ReduceProd: cannot(op, "ReduceProd is not written");
      case OpKind::ArgMax:
      case OpKind::ArgMin: cannot(op, "Argmax/Argmin keep no dims and pick the first index only");
      case OpKind::TopK: cannot(op, "TopK's two outputs are not written");
      case OpKind::GatherElements: cannot(op, "GatherD is not written");
      case OpKind::Pad: cannot(op, "Pad is not written");
    }
    cannot(op, "unknown op");
  }

  // StridedSlice(x, begin, end, strides); an end of -1 with a negative step (run to the front) is end_mask's bit.
  void slice(const ir::Op& op) {
    Dims begin = op.attrs.getInts("starts"), end = op.attrs.getInts("ends"), strides = op.attrs.getInts("steps");
    if (strides.empty()) strides.assign(begin.size(), 1);
    int64_t endMask = 0;
    for (size_t d = 0; d < end.size(); ++d)
      if (strides[d] < 0 && end[d] < 0) {
        endMask |= int64_t{1} << d;
        end[d] = 0;
      }
    result(op, "StridedSlice",
           {in(op, 0), constant(op, "begin", MindIrValue::ints(begin)), constant(op, "end", MindIrValue::ints(end)),
            constant(op, "strides", MindIrValue::ints(strides))},
           {{"begin_mask", MindIrValue::integer(0)}, {"end_mask", MindIrValue::integer(endMask)},
            {"ellipsis_mask", MindIrValue::integer(0)}, {"new_axis_mask", MindIrValue::integer(0)},
            {"shrink_axis_mask", MindIrValue::integer(0)}});
  }

  // The rank's block of `dim`: StridedSlice with its concrete bounds (no traffic, as MindSpore's redistribution
  // writes a split).
  void shardSlice(const ir::Op& op) {
    size_t dim = size_t(op.attrs.getInt("dim", 0));
    const ir::Shape& s = inType(op).shape;
    Dims begin(s.rank(), 0), end = s.dims, strides(s.rank(), 1);
    int64_t local = outType(op).shape.dims.at(dim), pos = position(op);
    begin[dim] = pos * local;
    end[dim] = (pos + 1) * local;
    result(op, "StridedSlice",
           {in(op, 0), constant(op, "begin", MindIrValue::ints(begin)), constant(op, "end", MindIrValue::ints(end)),
            constant(op, "strides", MindIrValue::ints(strides))});
  }

  static MindIrValue quad(const Dims& hw) { return MindIrValue::ints({1, 1, hw.at(0), hw.at(1)}); }

  // Conv2D (NCHW, explicit pads as pad_list (top, bottom, left, right)); a bias as BiasAdd after it.
  void conv(const ir::Op& op) {
    const ir::Shape& w = inType(op, 1).shape;
    if (w.rank() != 4) cannot(op, "only 2-D convolutions are Conv2D");
    ir::Window win = ir::windowOf(op, Dims(w.dims.begin() + 2, w.dims.end()));
    MindIrAttrs attrs{{"out_channel", MindIrValue::integer(w.dims[0])},
                      {"kernel_size", MindIrValue::ints(win.kernel)},
                      {"mode", MindIrValue::integer(1)},
                      {"pad_mode", MindIrValue::string("pad")},
                      {"pad_list", MindIrValue::ints({win.padBegin[0], win.padEnd[0], win.padBegin[1], win.padEnd[1]})},
                      {"stride", quad(win.strides)},
                      {"dilation", quad(win.dilations)},
                      {"group", MindIrValue::integer(op.attrs.getInt("group", 1))},
                      {"format", MindIrValue::string("NCHW")}};
    if (op.operands.size() < 3) {
      result(op, "Conv2D", {in(op, 0), in(op, 1)}, attrs);
      return;
    }
    std::string c = node(op, "Conv2D", {in(op, 0), in(op, 1)}, attrs, outType(op), ".conv");
    result(op, "BiasAdd", {c, in(op, 2)}, {{"format", MindIrValue::string("NCHW")}});
  }

  // MindSpore's MaxPool and AvgPool take a pad mode, not pads: only unpadded windows are written (VALID).
  void pool(const ir::Op& op, const char* prim) {
    if (inType(op).shape.rank() != 4) cannot(op, "only 2-D pools are written");
    ir::Window win = ir::windowOf(op, op.attrs.getInts("kernel_shape"));
    bool padded = std::any_of(win.padBegin.begin(), win.padBegin.end(), [](int64_t p) { return p != 0; }) ||
                  std::any_of(win.padEnd.begin(), win.padEnd.end(), [](int64_t p) { return p != 0; });
    bool dilated = std::any_of(win.dilations.begin(), win.dilations.end(), [](int64_t d) { return d != 1; });
    if (padded || dilated || win.ceilMode) cannot(op, "a padded, dilated or ceil-mode pool (MindSpore's pools take a pad mode)");
    result(op, prim, {in(op, 0)},
           {{"kernel_size", quad(win.kernel)}, {"strides", quad(win.strides)}, {"pad_mode", MindIrValue::string("VALID")},
            {"format", MindIrValue::string("NCHW")}});
  }

  const ir::Graph& g_;
  std::string path_;
  std::optional<int64_t> jobRank_;
  GroupRanks* groups_;
  MindIrWriter w_;
  MindIrWriter::Graph& mg_;
  std::vector<std::string> names_;
};

}  // namespace

std::string mindIrGroupName(const std::vector<int64_t>& ranks) { return fmt::format("group_{}", fmt::join(ranks, "-")); }

std::string serializeMindIrGraph(const ir::Graph& g, const std::string& file, std::optional<int64_t> jobRank,
                                 GroupRanks* groups) {
  return GraphExport(g, file, jobRank, groups).run();
}

void writeMindIrGraph(const ir::Graph& g, const std::string& path, std::optional<int64_t> jobRank, GroupRanks* groups) {
  writeFileAtomically(path, serializeMindIrGraph(g, path, jobRank, groups));
}

}  // namespace shardc::frontend
