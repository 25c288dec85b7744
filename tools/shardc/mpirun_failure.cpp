#include "tools/shardc/mpirun_failure.h"

#include <regex>

namespace shardc::tools {

void MpirunFailure::feed(const std::string& text) {
  pending_ += text;
  for (size_t nl; (nl = pending_.find('\n')) != std::string::npos; pending_.erase(0, nl + 1)) line(pending_.substr(0, nl));
}

std::string MpirunFailure::what() const {
  if (!died_.empty()) return died_;
  return own_.empty() ? exited_ : own_;
}

// Open MPI's wording: "mpirun noticed that process rank 2 with PID 123 on node h exited on signal 9 (Killed)." for a
// rank killed by a signal; for a rank that exited non-zero, "mpirun detected that one or more processes exited with
// non-zero status, ..." and then "  Process name: [[12839,1],0]" and "  Exit code:    1" (a rank a sanitizer stopped,
// or one whose program called exit).
void MpirunFailure::line(const std::string& l) {
  static const std::regex rankLine(R"(^rank_(\d+): (.*)$)"),
      signalled(R"(process rank (\d+) with PID \S+ on node \S+ exited on (signal \d+(?: \([^)]*\))?))"),
      processName(R"(^\s*Process name:\s*\[\[\d+,\d+\],(\d+)\])"), exitCode(R"(^\s*Exit code:\s*(-?\d+))");
  std::smatch m;
  if (own_.empty() && std::regex_search(l, m, rankLine)) {
    own_ = "rank " + m[1].str() + ": " + m[2].str();
  } else if (died_.empty() && std::regex_search(l, m, signalled)) {
    died_ = "rank " + m[1].str() + " died (" + m[2].str() + ")";
  } else if (l.find("exited with non-zero status") != std::string::npos) {
    inNonZeroNotice_ = true;
  } else if (inNonZeroNotice_ && std::regex_search(l, m, processName)) {
    noticeRank_ = m[1].str();
  } else if (inNonZeroNotice_ && !noticeRank_.empty() && std::regex_search(l, m, exitCode)) {
    if (exited_.empty()) exited_ = "rank " + noticeRank_ + " exited with status " + m[1].str();
    inNonZeroNotice_ = false;
  }
}

}  // namespace shardc::tools
