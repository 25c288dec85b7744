// The catalogue of bad inputs (issue 14): each row breaks one input of `shardc` or of a compiled executable and
// must give exactly one error line naming the file (or parameter, op, input) and what is wrong, exit 1, and leave
// no output behind. Commands run as separate processes (the disk-full rows need their own file-size limit).
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "../checkpoint_file_writer.h"
#include "../codegen/kernel_test_util.h"
#include "cli_test_util.h"
#include "frontend/npy.h"
#include "frontend/onnx_writer.h"
#include "ir/tensor_box.h"
#include "tools/shardc/demo_model.h"

namespace shardc {
namespace {
using testing::lineCount;
using testing::TempDir;

const std::string kShardc = std::string(SHARDC_BINARY_DIR) + "/tools/shardc";
const std::string kFixtures = std::string(SHARDC_SOURCE_DIR) + "/../shared/fixtures/mindspore/";

struct Outcome {
  int status;
  std::string err;
};

// `cmd` through bash, with stderr through a pipe (so that a row's file-size limit does not stop the error line) and,
// when `fileSizeLimit` > 0, RLIMIT_FSIZE set and SIGXFSZ ignored (writes then fail with EFBIG: a full disk).
Outcome run(const std::string& cmd, long fileSizeLimit = 0) {
  int fds[2];
  if (::pipe(fds) != 0) return {-1, "pipe failed"};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    ::close(fds[1]);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    if (fileSizeLimit > 0) {
      std::signal(SIGXFSZ, SIG_IGN);
      rlimit r{rlim_t(fileSizeLimit), rlim_t(fileSizeLimit)};
      ::setrlimit(RLIMIT_FSIZE, &r);
    }
    ::execl("/bin/bash", "bash", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string err;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) err.append(buf, size_t(n));
  ::close(fds[0]);
  int ws = 0;
  ::waitpid(pid, &ws, 0);
  return {WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws), err};
}

std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// y = OP(x) over x: f32[4], the node named `name`, with one string attribute when given.
void writeOneNodeModel(const std::filesystem::path& path, const std::string& name, const std::string& op, int64_t opset,
                       const std::pair<std::string, std::string>& attr = {}) {
  onnx::ModelProto m;
  m.set_ir_version(opset >= 19 ? 9 : 8);
  m.add_opset_import()->set_version(opset);
  auto* g = m.mutable_graph();
  auto* in = g->add_input();
  in->set_name("x");
  in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  in->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(4);
  auto* n = g->add_node();
  n->set_name(name);
  n->set_op_type(op);
  n->add_input("x");
  n->add_output("y");
  if (!attr.first.empty()) {
    auto* a = n->add_attribute();
    a->set_name(attr.first);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(attr.second);
  }
  g->add_output()->set_name("y");
  std::ofstream(path, std::ios::binary) << m.SerializeAsString();
}

struct Row {
  std::string name;
  // Prepares the broken input in DIR and returns the command (its output under DIR/out).
  std::function<std::string(const std::filesystem::path& dir)> setup;
  std::vector<std::string> mentions;  // what the error line must say ("a|b": either)
  long fileSizeLimit = 0;              // bytes a process may write to one file (0: no limit)
};

class BadInputCatalogue : public ::testing::Test {
 protected:
  void SetUp() override {
    ir::Graph mlp = tools::buildDemoMlp(1);
    frontend::writeOnnxModel(mlp, base_ / "mlp.onnx");
    frontend::writeNpy(base_ / "x.npy", testing::randomTensor(ir::DType::f32, ir::Shape({1, 28, 28}), 3));
    ASSERT_EQ(run(kShardc + " compile " + (base_ / "mlp.onnx") + " --shape x=1x28x28 -o " + (base_ / "exe") + " -q").status, 0);
    if (std::filesystem::exists(kFixtures)) {
      // The seed's 8 training slices of the demo MLP.
      std::vector<frontend::CheckpointTensorInfo> infos;
      std::map<std::string, ir::Tensor> whole;
      for (ir::ValueId p : mlp.params()) whole.emplace(mlp.value(p).name, *mlp.value(p).data);
      testing::writeCkpt(base_ / "full.ckpt", whole);
      ASSERT_EQ(run(kShardc + " shard --strategy " + kFixtures + "synthetic_strategy_8dev.json --checkpoint " +
                        (base_ / "full.ckpt") + " -o " + (base_ / "slices") + " -q")
                    .status,
                0);
    }
  }
  TempDir base_{"catalogue"};
};

TEST_F(BadInputCatalogue, EveryRowIsOneLineNamingTheFileExitOneAndNothingLeft) {
  const std::string shardc = kShardc, fixtures = kFixtures;
  const std::filesystem::path b = base_.path();
  auto compile = [&](const std::string& model, const std::string& more) {
    return shardc + " compile " + model + " --shape x=8x28x28 -o OUT -q " + more;
  };
  std::vector<Row> rows = {
      {"truncated model", [&](const std::filesystem::path& d) {
         std::string bytes = readBytes(b / "mlp.onnx");
         std::ofstream(d / "t.onnx", std::ios::binary) << bytes.substr(0, bytes.size() / 3);
         return compile((d / "t.onnx").string(), "");
       }, {"t.onnx", "truncated or corrupt"}},
      {"wrong magic (an .npy input that is not one)", [&](const std::filesystem::path& d) {
         std::ofstream(d / "x.npy") << "PK\x03\x04 this is a zip file, not an array";
         return (b / "exe/bin/rank_0").string() + " --input x=" + (d / "x.npy").string() + " --output-dir OUT";
       }, {"x.npy", "not a .npy file"}},
      {"tensor bytes do not match shape x dtype", [&](const std::filesystem::path& d) {
         std::string bytes = readBytes(b / "x.npy");
         std::ofstream(d / "short.npy", std::ios::binary) << bytes.substr(0, bytes.size() - 100);
         return (b / "exe/bin/rank_0").string() + " --input x=" + (d / "short.npy").string() + " --output-dir OUT";
       }, {"short.npy"}},
      {"strategy does not divide a dim", [&](const std::filesystem::path& d) {
         std::ofstream(d / "s.json") << R"({"format": "shardc-strategy", "ops": {"MatMul_layer1.weight": {"strategy": [[3, 1], [1, 1]]}}})";
         return compile((b / "mlp.onnx").string(), "--ranks 3 --strategy " + (d / "s.json").string());
       }, {"layer1", "3"}},
      {"damaged protobuf strategy (a required field missing)", [&](const std::filesystem::path& d) {
         std::ofstream(d / "s.ckpt", std::ios::binary) << std::string("\x08\x01\x12\x04\x0a\x02" "ab", 8);
         return compile((b / "mlp.onnx").string(), "--ranks 2 --strategy " + (d / "s.ckpt").string());
       }, {"s.ckpt", "not a MindSpore strategy file"}},
      {"strategy names a missing op", [&](const std::filesystem::path& d) {
         std::ofstream(d / "s.json") << R"({"format": "shardc-strategy", "ops": {"MatMul_layer9.weight": {"strategy": [[2, 1], [1, 1]]}}})";
         return compile((b / "mlp.onnx").string(), "--ranks 2 --strategy " + (d / "s.json").string());
       }, {"MatMul_layer9.weight", "no MatMul consuming a parameter 'layer9.weight'"}},
      {"unsupported op", [&](const std::filesystem::path& d) {
         writeOneNodeModel(d / "op.onnx", "weird", "Acosh", 17);
         return shardc + " compile " + (d / "op.onnx").string() + " -o OUT -q";
       }, {"'weird'", "Acosh", "unsupported operator"}},
      {"unsupported attribute", [&](const std::filesystem::path& d) {
         writeOneNodeModel(d / "attr.onnx", "act", "Gelu", 20, {"approximate", "cubic"});
         return shardc + " compile " + (d / "attr.onnx").string() + " -o OUT -q";
       }, {"'act'", "approximate"}},
      {"input of the wrong shape to the executable", [&](const std::filesystem::path& d) {
         frontend::writeNpy(d / "x.npy", testing::randomTensor(ir::DType::f32, ir::Shape({2, 28, 28}), 4));
         return (b / "exe/bin/rank_0").string() + " --input x=" + (d / "x.npy").string() + " --output-dir OUT";
       }, {"input 'x'", "expected f32[1,28,28], got f32[2,28,28]"}},
      {"input of the wrong dtype to the executable", [&](const std::filesystem::path& d) {
         frontend::writeNpy(d / "x.npy", ir::Tensor(ir::DType::f64, ir::Shape({1, 28, 28})));
         return (b / "exe/bin/rank_0").string() + " --input x=" + (d / "x.npy").string() + " --output-dir OUT";
       }, {"input 'x'", "expected f32[1,28,28], got f64[1,28,28]"}},
      {"unwritable output directory (compile)", [&](const std::filesystem::path& d) {
         std::ofstream(d / "file") << "a file, not a directory";
         return shardc + " compile " + (b / "mlp.onnx").string() + " --shape x=1x28x28 -o " + (d / "file/OUT").string() + " -q";
       }, {"file/OUT"}},
      {"unwritable output directory (executable)", [&](const std::filesystem::path& d) {
         std::ofstream(d / "file") << "a file, not a directory";
         return (b / "exe/bin/rank_0").string() + " --input x=" + (b / "x.npy").string() + " --output-dir " + (d / "file/OUT").string();
       }, {"file/OUT", "cannot create"}},
      {"disk full while compiling (RLIMIT_FSIZE)", [&](const std::filesystem::path&) {
         return shardc + " compile " + (b / "mlp.onnx").string() + " --shape x=1x28x28 -o OUT -q";
       }, {"OUT", "File too large|No space left on device"}, 1 << 20},
      {"disk full while writing outputs (RLIMIT_FSIZE)", [&](const std::filesystem::path& d) {
         std::filesystem::create_directories(d / "OUT");
         return (b / "exe/bin/rank_0").string() + " --input x=" + (b / "x.npy").string() + " --output-dir OUT";
       }, {"logits.npy", "File too large"}, 100},
  };
  if (std::filesystem::exists(kFixtures)) {
    const std::string train = kFixtures + "synthetic_strategy_8dev.json";
    auto fromSlices = [=](const std::string& slices) {
      return shardc + " compile " + (b / "mlp.onnx").string() + " --shape x=8x28x28 --ranks 4 --checkpoint " + slices +
             " --checkpoint-strategy " + train + " -o OUT -q";
    };
    auto copySlices = [=](const std::filesystem::path& d) {
      std::filesystem::copy(b / "slices", d / "slices", std::filesystem::copy_options::recursive);
    };
    rows.push_back({"missing checkpoint slice", [=](const std::filesystem::path& d) {
                      copySlices(d);
                      std::filesystem::remove_all(d / "slices/rank_5");
                      return fromSlices((d / "slices").string());
                    }, {"slices/rank_5", "missing"}});
    rows.push_back({"extra checkpoint slice", [=](const std::filesystem::path& d) {
                      copySlices(d);
                      std::string files;
                      for (int r = 0; r < 9; ++r) files += " " + (d / "slices" / ("rank_" + std::to_string(r % 8)) / "net.ckpt").string();
                      return shardc + " compile " + (b / "mlp.onnx").string() +
                             " --shape x=8x28x28 --ranks 4 --checkpoint-strategy " + train + " -o OUT -q --checkpoint" + files;
                    }, {"9", "8"}});
    rows.push_back({"inconsistent layouts across slices", [=](const std::filesystem::path& d) {
                      copySlices(d);
                      std::filesystem::copy_file(b / "full.ckpt", d / "slices/rank_3/net.ckpt",
                                                 std::filesystem::copy_options::overwrite_existing);
                      return fromSlices((d / "slices").string());
                    }, {"rank_3/net.ckpt", "layer1.weight", "[784,512]"}});
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    std::filesystem::path d = b / ("row" + std::to_string(i));
    std::filesystem::create_directories(d);
    std::string cmd = "cd " + d.string() + " && " + row.setup(d);
    Outcome o = run(cmd, row.fileSizeLimit);
    EXPECT_EQ(o.status, 1) << row.name << ": " << o.err;
    EXPECT_EQ(lineCount(o.err), 1) << row.name << ": " << o.err;
    for (const auto& m : row.mentions) {
      bool found = false;
      for (size_t at = 0, bar; !found; at = bar + 1) {
        bar = m.find('|', at);
        found = o.err.find(m.substr(at, bar == std::string::npos ? bar : bar - at)) != std::string::npos;
        if (bar == std::string::npos) break;
      }
      EXPECT_TRUE(found) << row.name << ": should say " << m << ", says " << o.err << "(" << cmd << ")";
    }
    // Nothing left: no OUT (or, where it existed before, nothing in it), no temporaries beside it.
    bool left = std::filesystem::exists(d / "OUT") && !std::filesystem::is_empty(d / "OUT");
    EXPECT_FALSE(left) << row.name << ": left " << (d / "OUT");
    for (const auto& e : std::filesystem::directory_iterator(d)) {
      std::string n = e.path().filename().string();
      EXPECT_TRUE(n == "OUT" || n == "stderr" || n.find(".tmp") == std::string::npos) << row.name << ": left " << n;
    }
  }
}

}  // namespace
}  // namespace shardc
