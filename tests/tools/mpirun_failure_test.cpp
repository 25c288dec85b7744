// Which rank `shardc run` names, from Open MPI 4's own notices as mpirun writes them to stderr.
#include <gtest/gtest.h>

#include "tools/shardc/mpirun_failure.h"

namespace shardc::tools {
namespace {

const char kBanner[] = "--------------------------------------------------------------------------\n";

// mpirun's notice of a rank that exited non-zero (here rank 3 stopped by AddressSanitizer, which exits 1).
std::string nonZeroNotice(int rank, int code) {
  return std::string(kBanner) + "Primary job  terminated normally, but 1 process returned\n"
         "a non-zero exit code. Per user-direction, the job has been aborted.\n" + kBanner + kBanner +
         "mpirun detected that one or more processes exited with non-zero status, thus causing\n"
         "the job to be terminated. The first process to do so was:\n\n"
         "  Process name: [[20753,1]," + std::to_string(rank) + "]\n  Exit code:    " + std::to_string(code) + "\n" +
         kBanner;
}

std::string read(const std::string& text, size_t piece) {
  MpirunFailure f;
  for (size_t at = 0; at < text.size(); at += piece) f.feed(text.substr(at, piece));
  return f.what();
}

TEST(MpirunFailure, ARankThatExitedNonZeroIsNamedWithItsStatus) {
  for (size_t piece : {size_t{1}, size_t{7}, size_t{4096}})
    EXPECT_EQ(read(nonZeroNotice(3, 1), piece), "rank 3 exited with status 1") << piece;
}

TEST(MpirunFailure, ARankKilledBySignalIsTheCauseBeforeOthersErrors) {
  std::string text = "rank_1: error: MPI_Allreduce failed: MPI_ERR_OTHER: known error not in list\n" +
                     std::string(kBanner) +
                     "mpirun noticed that process rank 2 with PID 4242 on node box exited on signal 9 (Killed).\n" +
                     kBanner;
  EXPECT_EQ(read(text, 5), "rank 2 died (signal 9 (Killed))");
}

TEST(MpirunFailure, ARanksOwnErrorLineSaysMoreThanItsExitStatus) {
  std::string text = "rank_0: x.npy: input x has shape [2,3], the program takes [4,3]\n" + nonZeroNotice(0, 1);
  EXPECT_EQ(read(text, 3), "rank 0: x.npy: input x has shape [2,3], the program takes [4,3]");
}

TEST(MpirunFailure, ProcessNamesOutsideTheNonZeroNoticeNameNoRank) {
  EXPECT_EQ(read("  Process name: [[1,1],5]\n  Exit code:    1\nall good\n", 64), "");
}

}  // namespace
}  // namespace shardc::tools
