// The threads of one rank (private to libshardrt): started once with the context, they wait for a task and
// run their part of it. Part 0 is the calling thread's.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include <pthread.h>

class ThreadPool {
 public:
  using Task = void (*)(const void* args, int64_t part, int64_t parts);

  // `cpus`: the CPU for each thread (the caller's first), or empty to leave placement to the system.
  ThreadPool(int threads, const std::vector<int>& cpus);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return parts_; }
  // task(args, p, threads()) for every part p, the caller's part 0 among them; returns when all are done.
  void run(Task task, const void* args);

 private:
  static void* workerMain(void* self);
  void work(int part);

  std::vector<pthread_t> workers_;
  std::vector<int> cpus_;
  int parts_ = 1;  // set before any task: workers read it only after a generation bump
  Task task_ = nullptr;
  const void* args_ = nullptr;
  // A new task is announced by bumping the generation; workers spin a little, then sleep on it (a futex).
  std::atomic<uint32_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
};
