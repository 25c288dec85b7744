// Per-op timing of a program's runs, written as a Chrome trace. The calls the generated code makes around every op
// cost one branch while profiling is off.
#include <chrono>
#include <cstdio>
#include <string>

#include "runtime/context.h"

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// A JSON string literal's contents.
std::string escaped(const char* s) {
  std::string out;
  for (; *s; ++s) {
    unsigned char c = static_cast<unsigned char>(*s);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

extern "C" {

void shardrt_op_begin(shardrt_context* ctx, int32_t) {
  if (ctx && ctx->profiling) ctx->opStart = now();
}

void shardrt_op_end(shardrt_context* ctx, int32_t op) {
  if (ctx && ctx->profiling) ctx->events.push_back({op, ctx->opStart, now()});
}

void shardrt_profile_start(shardrt_context* ctx) {
  ctx->events.clear();
  ctx->profiling = true;
}

void shardrt_profile_stop(shardrt_context* ctx) { ctx->profiling = false; }

int shardrt_profile_write(shardrt_context* ctx, const shardrt_program* program, const char* path) {
  std::string tmp = std::string(path) + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) {
    shardrt_set_error(ctx, "%s: cannot write the profile", path);
    return 1;
  }
  double origin = ctx->events.empty() ? 0 : ctx->events.front().start;
  std::fprintf(f, "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n");
  for (size_t i = 0; i < ctx->events.size(); ++i) {
    const auto& e = ctx->events[i];
    const char* name = e.op >= 0 && e.op < program->num_ops ? program->op_names[e.op] : "?";
    std::fprintf(f, "  {\"name\": \"%s\", \"cat\": \"op\", \"ph\": \"X\", \"pid\": 0, \"tid\": %d, \"ts\": %.3f, "
                    "\"dur\": %.3f, \"args\": {\"op\": %d}}%s\n",
                 escaped(name).c_str(), ctx->rank, (e.start - origin) * 1e6, (e.end - e.start) * 1e6, e.op,
                 i + 1 < ctx->events.size() ? "," : "");
  }
  std::fprintf(f, "]}\n");
  bool ok = std::fflush(f) == 0;
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path) != 0) {
    std::remove(tmp.c_str());
    shardrt_set_error(ctx, "%s: cannot write the profile", path);
    return 1;
  }
  return 0;
}

}  // extern "C"
