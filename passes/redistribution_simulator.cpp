#include "passes/redistribution_simulator.h"

#include <random>

#include "ir/error.h"

namespace shardc::passes {
namespace {

// Concatenates blocks along dim d (all other dims equal).
LocalBlock concat(const std::vector<const LocalBlock*>& parts, size_t d) {
  LocalBlock out;
  out.shape = parts[0]->shape;
  out.shape.dims[d] = 0;
  for (const auto* p : parts) out.shape.dims[d] += p->shape.dims[d];
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < out.shape.rank(); ++i) {
    if (i < d) outer *= out.shape.dims[i];
    if (i > d) inner *= out.shape.dims[i];
  }
  out.values.reserve(static_cast<size_t>(out.shape.numElements()));
  for (int64_t o = 0; o < outer; ++o)
    for (const auto* p : parts) {
      int64_t chunk = p->shape.dims[d] * inner;
      out.values.insert(out.values.end(), p->values.begin() + o * chunk, p->values.begin() + (o + 1) * chunk);
    }
  return out;
}

// Part `index` of `parts` equal parts of dim d.
LocalBlock slice(const LocalBlock& b, size_t d, int64_t index, int64_t parts) {
  ir::Box box;
  box.offset.assign(b.shape.rank(), 0);
  box.extent = b.shape.dims;
  box.extent[d] = b.shape.dims[d] / parts;
  box.offset[d] = index * box.extent[d];
  LocalBlock out;
  out.shape = ir::Shape(box.extent);
  out.values = extractBox(b.values, b.shape, box);
  return out;
}

}  // namespace

std::vector<double> extractBox(const std::vector<double>& values, const ir::Shape& shape, const ir::Box& box) {
  ir::Shape ext(box.extent);
  std::vector<double> out(static_cast<size_t>(ext.numElements()));
  std::vector<int64_t> strides = shape.strides();
  std::vector<int64_t> pos(ext.rank(), 0);
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < ext.rank(); ++d) src += (box.offset[d] + pos[d]) * strides[d];
    out[i] = values[static_cast<size_t>(src)];
    for (size_t d = ext.rank(); d-- > 0;) {
      if (++pos[d] < ext.dims[d]) break;
      pos[d] = 0;
    }
  }
  return out;
}

std::vector<LocalBlock> distribute(const std::vector<double>& global, const ir::TensorLayout& layout, uint32_t seed) {
  std::mt19937 gen(seed);
  int64_t n = layout.mesh.numRanks();
  std::vector<LocalBlock> blocks(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) {
    ir::Box box = layout.box(r);
    blocks[size_t(r)].shape = ir::Shape(box.extent);
    blocks[size_t(r)].values = extractBox(global, layout.shape, box);
  }
  if (layout.partialAxes.empty()) return blocks;
  // Split each block into addends over its partial group.
  for (int64_t r = 0; r < n; ++r) {
    std::vector<int64_t> group = layout.mesh.groupAlong(r, layout.partialAxes);
    if (group[0] != r) continue;  // handled by the group's first rank
    std::vector<double> rest = blocks[size_t(r)].values;
    for (size_t k = 1; k < group.size(); ++k) {
      auto& vals = blocks[size_t(group[k])].values;
      for (size_t i = 0; i < vals.size(); ++i) {
        vals[i] = static_cast<double>(std::uniform_int_distribution<int>(-50, 50)(gen));
        rest[i] -= vals[i];
      }
    }
    blocks[size_t(r)].values = rest;
  }
  return blocks;
}

std::vector<LocalBlock> simulate(const RedistPlan& plan, const ir::TensorLayout& from, std::vector<LocalBlock> blocks) {
  const ir::DeviceMesh& mesh = from.mesh;
  int64_t n = mesh.numRanks();
  for (const RedistStep& st : plan.steps) {
    if (st.kind == RedistKind::Reshape) {
      for (auto& b : blocks) b.shape = st.after.localShape();
      continue;
    }
    int64_t m = mesh.shape[size_t(st.axis)];
    std::vector<LocalBlock> next(static_cast<size_t>(n));
    for (int64_t r = 0; r < n; ++r) {
      int64_t c = mesh.coordinate(r)[size_t(st.axis)];
      std::vector<int64_t> group = mesh.groupAlong(r, {st.axis});  // ordered by the axis coordinate
      std::vector<const LocalBlock*> members;
      for (int64_t g : group) members.push_back(&blocks[size_t(g)]);
      auto summed = [&] {
        LocalBlock s = *members[0];
        for (size_t k = 1; k < members.size(); ++k)
          for (size_t i = 0; i < s.values.size(); ++i) s.values[i] += members[k]->values[i];
        return s;
      };
      switch (st.kind) {
        case RedistKind::Split: next[size_t(r)] = slice(blocks[size_t(r)], size_t(st.dim), c, m); break;
        case RedistKind::AllGather: next[size_t(r)] = concat(members, size_t(st.dim)); break;
        case RedistKind::AllToAll:
          next[size_t(r)] = slice(concat(members, size_t(st.dim)), size_t(st.toDim), c, m);
          break;
        case RedistKind::AllReduce: next[size_t(r)] = summed(); break;
        case RedistKind::ReduceScatter: next[size_t(r)] = slice(summed(), size_t(st.dim), c, m); break;
        case RedistKind::Reshape: break;
      }
    }
    blocks = std::move(next);
  }
  return blocks;
}

}  // namespace shardc::passes
