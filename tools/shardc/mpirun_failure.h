// What mpirun and the ranks say of a job's first failure, read from mpirun's stderr as it passes: `shardc run` ends
// with it so that the user learns which rank failed and how without reading Open MPI's banners.
#pragma once

#include <string>

namespace shardc::tools {

class MpirunFailure {
 public:
  // Text as it arrives (any split into pieces).
  void feed(const std::string& text);
  // "rank 2 died (signal 9 (Killed))", "rank 1: <its own error line>", "rank 3 exited with status 1", or "" when
  // nothing named a rank. A rank that died is the cause even when others report the broken collective first; a
  // rank's own error line says more than its exit status.
  std::string what() const;

 private:
  void line(const std::string& l);
  std::string own_, died_, exited_, pending_;
  // Inside mpirun's "exited with non-zero status" notice: the rank it names, until its exit code follows.
  bool inNonZeroNotice_ = false;
  std::string noticeRank_;
};

}  // namespace shardc::tools
