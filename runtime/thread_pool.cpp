#include "runtime/thread_pool.h"

#include <sched.h>
#include <unistd.h>

namespace {

// Long enough to catch the next kernel of the same run without a system call, short enough not to hold a core
// that another process wants between runs.
constexpr int kSpins = 1 << 13;

void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set);
}

// Every online CPU: mpirun binds a rank to one core by default, which its threads would otherwise share.
void unpin() {
  cpu_set_t set;
  CPU_ZERO(&set);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  for (long c = 0; c < cpus && c < CPU_SETSIZE; ++c) CPU_SET(int(c), &set);
  sched_setaffinity(0, sizeof set, &set);
}

inline void relax() { __builtin_ia32_pause(); }

}  // namespace

ThreadPool::ThreadPool(int threads, const std::vector<int>& cpus) : cpus_(cpus) {
  if (!cpus_.empty()) pin(cpus_[0]);
  else if (threads > 1) unpin();
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  // Kernels keep their packed panels on the stack (half a MiB and more): give workers room.
  pthread_attr_setstacksize(&attr, size_t(16) << 20);
  workers_.reserve(size_t(threads > 1 ? threads - 1 : 0));
  for (int t = 1; t < threads; ++t) {
    pthread_t id;
    auto* arg = new std::pair<ThreadPool*, int>(this, t);
    if (pthread_create(&id, &attr, &ThreadPool::workerMain, arg) != 0) {
      delete arg;
      break;  // fewer threads than asked: the parts are fewer too
    }
    workers_.push_back(id);
  }
  pthread_attr_destroy(&attr);
  parts_ = int(workers_.size()) + 1;
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  generation_.notify_all();
  for (pthread_t id : workers_) pthread_join(id, nullptr);
}

void* ThreadPool::workerMain(void* p) {
  auto* arg = static_cast<std::pair<ThreadPool*, int>*>(p);
  ThreadPool* pool = arg->first;
  int part = arg->second;
  delete arg;
  if (size_t(part) < pool->cpus_.size()) pin(pool->cpus_[size_t(part)]);
  pool->work(part);
  return nullptr;
}

void ThreadPool::work(int part) {
  uint32_t seen = 0;
  for (;;) {
    uint32_t now = generation_.load(std::memory_order_acquire);
    for (int i = 0; now == seen && i < kSpins; ++i) {
      relax();
      now = generation_.load(std::memory_order_acquire);
    }
    if (now == seen) {
      generation_.wait(seen, std::memory_order_acquire);
      continue;
    }
    seen = now;
    if (stop_.load(std::memory_order_acquire)) return;
    task_(args_, part, parts_);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::run(Task task, const void* args) {
  if (workers_.empty()) return task(args, 0, 1);
  task_ = task;
  args_ = args;
  pending_.store(int(workers_.size()), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  generation_.notify_all();
  task(args, 0, parts_);
  // A part still running is usually a moment away; when the host is oversubscribed its thread may wait for this
  // core, so give the core up between checks after a while.
  for (int i = 0; pending_.load(std::memory_order_acquire) != 0; ++i) {
    if (i < kSpins) relax();
    else sched_yield();
  }
}
