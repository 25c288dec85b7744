#include "frontend/protobuf_messages.h"

#include <google/protobuf/stubs/logging.h>

namespace shardc::frontend {
namespace {
void discard(google::protobuf::LogLevel, const char*, int, const std::string&) {}
}  // namespace

void silenceProtobufLogging() { google::protobuf::SetLogHandler(&discard); }

}  // namespace shardc::frontend
