#include "frontend/mindir_writer.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "frontend/atomic_file.h"
#include "frontend/mindir_proto.h"
#include "ir/error.h"

namespace shardc::frontend {

using shardc::mindir::AttributeProto;
using shardc::mindir::GraphProto;
using shardc::mindir::ModelProto;
using shardc::mindir::TensorProto;

namespace {

constexpr size_t kExternalAlignment = 64;  // MindSpore's header size and parameter alignment in data files

void setAbstract(shardc::mindir::NodeProto& n, const ir::TensorType& type, MindIrWriter::Style style) {
  AttributeProto* a = n.add_attribute();
  TensorProto* t = a->add_tensors();
  for (int64_t d : type.shape.dims) t->add_dims(d);
  t->set_data_type(mindir_proto::dtypeToMindIr(type.dtype));
  if (style == MindIrWriter::Style::New) {
    a->set_name("shape");
    a->set_type(AttributeProto::TENSORS);
  } else {
    t->set_name("shape1");
    a->set_ref_attr_name("shape:shape1,");
  }
}

}  // namespace

struct MindIrWriter::Impl {
  ModelProto model;
  Style style = Style::New;
  std::deque<Graph> graphs;  // main first; stable addresses
  std::set<std::string> names;  // every value name of the model (MindIR names are global)
  std::map<std::string, ir::TensorType> types;
  int nextId = 0;
  std::string externalLocation;

  std::string unique(const std::string& wanted) {
    std::string name = wanted;
    while (names.count(name)) name = wanted + ":" + std::to_string(++nextId);
    names.insert(name);
    return name;
  }

  // The model as written: with an external data file, each parameter's bytes moved into `data`.
  ModelProto finalModel(std::string* data) const {
    ModelProto m = model;
    if (externalLocation.empty()) return m;
    std::string bytes(kExternalAlignment, '\0');
    bytes[0] = 1;  // little-endian
    auto moveOut = [&](GraphProto& g) {
      for (TensorProto& p : *g.mutable_parameter()) {
        bytes.resize((bytes.size() + kExternalAlignment - 1) / kExternalAlignment * kExternalAlignment, '\0');
        auto* ext = p.mutable_external_data();
        ext->set_location(externalLocation);
        ext->set_offset(static_cast<int64_t>(bytes.size()));
        ext->set_length(static_cast<int64_t>(p.raw_data().size()));
        bytes += p.raw_data();
        p.clear_raw_data();
      }
    };
    moveOut(*m.mutable_graph());
    for (GraphProto& f : *m.mutable_functions()) moveOut(f);
    if (data) *data = std::move(bytes);
    return m;
  }
};

MindIrWriter::MindIrWriter(const std::string& mainGraph, Style style) : impl_(std::make_unique<Impl>()) {
  impl_->style = style;
  ModelProto& m = impl_->model;
  m.set_ir_version(style == Style::New ? "0.1.1" : "0.1.0");
  m.set_producer_name("MindSpore");  // what MindSpore's loader expects; doc_string says who wrote it
  m.set_doc_string("written by shardc");
  m.set_model_version(style == Style::New ? "2.0.0" : "1.6.0");
  m.set_little_endian(true);
  if (style == Style::New) m.set_mind_ir_version(1);
  GraphProto* g = m.mutable_graph();
  g->set_name(mainGraph);
  impl_->graphs.push_back(Graph(impl_.get(), g, mainGraph));
}

MindIrWriter::~MindIrWriter() = default;
MindIrWriter::MindIrWriter(MindIrWriter&&) noexcept = default;
MindIrWriter& MindIrWriter::operator=(MindIrWriter&&) noexcept = default;

MindIrWriter::Graph& MindIrWriter::main() { return impl_->graphs.front(); }

MindIrWriter::Graph& MindIrWriter::function(const std::string& name) {
  for (Graph& g : impl_->graphs)
    if (g.name() == name) return g;
  GraphProto* f = impl_->model.add_functions();
  f->set_name(name);
  impl_->graphs.push_back(Graph(impl_.get(), f, name));
  return impl_->graphs.back();
}

void MindIrWriter::setExternalData(const std::string& location) { impl_->externalLocation = location; }

std::string MindIrWriter::serialize() const { return impl_->finalModel(nullptr).SerializeAsString(); }

void MindIrWriter::write(const std::string& path) const {
  std::string data;
  ModelProto m = impl_->finalModel(&data);
  if (!impl_->externalLocation.empty()) {
    std::filesystem::path file = std::filesystem::path(path).parent_path() / impl_->externalLocation;
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    writeFileAtomically(file.string(), data);
  }
  writeFileAtomically(path, m.SerializeAsString());
}

// ---- Graph ----

std::string MindIrWriter::Graph::newValueName(const std::string& wanted) { return impl_->unique(name_ + ":" + wanted); }

std::string MindIrWriter::Graph::input(const std::string& name, const ir::TensorType& type) {
  auto* g = static_cast<GraphProto*>(proto_);
  std::string full = newValueName(name);
  auto* in = g->add_input();
  in->set_name(full);
  TensorProto* t = in->add_tensor();
  for (int64_t d : type.shape.dims) t->add_dims(d);
  t->set_data_type(mindir_proto::dtypeToMindIr(type.dtype));
  impl_->types[full] = type;
  return full;
}

std::string MindIrWriter::Graph::parameter(const std::string& name, const ir::Tensor& data) {
  auto* g = static_cast<GraphProto*>(proto_);
  std::string full = newValueName(name);
  TensorProto* p = g->add_parameter();
  *p = mindir_proto::tensorToMindIr(data, full);
  p->set_ref_key(name);
  impl_->types[full] = data.type();
  return full;
}

std::string MindIrWriter::Graph::constant(const std::string& name, const MindIrValue& value) {
  auto* g = static_cast<GraphProto*>(proto_);
  std::string full = impl_->unique(name);
  auto* n = g->add_node();
  n->add_output(full);
  n->set_name(full);
  n->set_op_type("Constant");
  AttributeProto* a = n->add_attribute();
  a->set_name("value");
  if (impl_->style == Style::New)
    mindir_proto::encodeValue(value, *a);
  else
    mindir_proto::encodeValueOldStyle(value, *a);
  if (value.kind == MindIrValue::Kind::Tensor) impl_->types[full] = value.tensor->type();
  return full;
}

std::string MindIrWriter::Graph::node(const std::string& primitive, const std::vector<std::string>& inputs,
                                      const MindIrAttrs& attrs, const NodeOptions& options) {
  auto* g = static_cast<GraphProto*>(proto_);
  Impl& impl = *impl_;
  int id = ++impl.nextId;
  std::string wanted = options.name;
  if (wanted.empty()) {
    wanted = primitive;
    std::transform(wanted.begin(), wanted.end(), wanted.begin(), [](unsigned char c) { return std::tolower(c); });
  }
  std::string full = newValueName(wanted);
  auto* n = g->add_node();
  for (const auto& in : inputs) n->add_input(in);
  n->add_output(full);
  n->set_name(full);
  n->set_domain(options.scope.empty() ? fmt::format("Default/{}-op{}", primitive, id) : options.scope);
  if (options.type) {
    setAbstract(*n, *options.type, impl.style);
    impl.types[full] = *options.type;
  }
  if (impl.style == Style::New) {
    auto* p = impl.model.add_primitives();
    p->set_name(fmt::format("{}:{}", primitive, id));
    p->set_op_type(primitive);
    for (const auto& [name, value] : attrs) {
      AttributeProto* a = p->add_attribute();
      a->set_name(name);
      mindir_proto::encodeValue(value, *a);
    }
    n->set_op_type("REF::" + p->name());
  } else {
    n->set_op_type(primitive);
    for (const auto& [name, value] : attrs) {
      AttributeProto* a = n->add_attribute();
      a->set_name(name);
      mindir_proto::encodeValueOldStyle(value, *a);
    }
  }
  return full;
}

std::string MindIrWriter::Graph::call(const Graph& callee, const std::vector<std::string>& inputs,
                                      const NodeOptions& options) {
  auto* g = static_cast<GraphProto*>(proto_);
  Impl& impl = *impl_;
  std::string full = newValueName(options.name.empty() ? callee.name() : options.name);
  auto* n = g->add_node();
  for (const auto& in : inputs) n->add_input(in);
  n->add_output(full);
  n->set_name(full);
  n->set_op_type("REF::" + callee.name());
  n->set_domain(options.scope.empty() ? fmt::format("Default/{}-op{}", callee.name(), ++impl.nextId) : options.scope);
  if (options.type) {
    setAbstract(*n, *options.type, impl.style);
    impl.types[full] = *options.type;
  }
  return full;
}

void MindIrWriter::Graph::output(const std::string& value) {
  auto* g = static_cast<GraphProto*>(proto_);
  auto* o = g->add_output();
  o->set_name(value);
  if (auto t = impl_->types.find(value); t != impl_->types.end()) {
    TensorProto* tp = o->add_tensor();
    for (int64_t d : t->second.shape.dims) tp->add_dims(d);
    tp->set_data_type(mindir_proto::dtypeToMindIr(t->second.dtype));
  }
}

}  // namespace shardc::frontend
