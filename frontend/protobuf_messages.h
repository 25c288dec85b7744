// protobuf logs what it cannot parse to stderr on its own; every reader here turns a failed parse into one error
// line naming the file, so protobuf's own lines are switched off (they would make a second line).
#pragma once

namespace shardc::frontend {

void silenceProtobufLogging();

}  // namespace shardc::frontend
