// Adaptive CPU priority of the agent's threads (see cpu_priority.h).
#include "cpu_priority.h"

#include <dirent.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <set>

namespace lumen {
namespace cpu_priority {
namespace {

// mu is taken by the poll threads (Observe) and by JS only at start and stop; Read() (JS, at every metrics
// collection) only loads atomics, so a JS thread preempted at the low priority never holds what a poll thread needs.
std::mutex mu;
std::atomic<bool> active{false};
Settings settings;
int baseNice = 0;
std::atomic<bool> low{false};
std::atomic<int64_t> levelSince{0}, lowNs{0}, normalNs{0};
std::atomic<uint64_t> raises{0}, lowerings{0}, failures{0};
int64_t lastBehind = 0;
std::mutex errorMu;  // lastError only: written when the kernel refuses a change (rare), read at stop
std::string lastError;
std::set<pid_t> exempt;

// The JS-thread ping: sent by a poll thread, answered (pingSince = 0) when the JS thread runs it.
constexpr int64_t kPingEveryNs = 500'000'000;
std::atomic<int64_t> pingSince{0};
int64_t lastPing = 0;
void Answer(Napi::Env, Napi::Function, void *, void *) { pingSince.store(0); }
using Ping = Napi::TypedThreadSafeFunction<void, void, Answer>;
Ping ping;

void Fail(const std::string &what) {
  failures.fetch_add(1);
  std::lock_guard<std::mutex> g(errorMu);
  lastError = what;
}

pid_t Tid() { return (pid_t)syscall(SYS_gettid); }

bool HasSysNice() {
  __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct d[2]{};
  if (syscall(SYS_capget, &h, d) != 0) return false;
  return (d[CAP_TO_INDEX(CAP_SYS_NICE)].effective & CAP_TO_MASK(CAP_SYS_NICE)) != 0;
}

// RLIMIT_NICE r lets an unprivileged thread go down to nice 20 - r (and leave SCHED_IDLE when r > 0).
bool RlimitAllows(int nice) {
  rlimit r{};
  if (getrlimit(RLIMIT_NICE, &r) != 0) return false;
  return r.rlim_cur != RLIM_INFINITY ? 20 - (int64_t)r.rlim_cur <= nice : true;
}

// One thread to the low or the normal priority; false (errno set) when the kernel refuses.
bool SetThread(pid_t tid, bool toLow) {
  sched_param p{};
  if (settings.idle) return sched_setscheduler(tid, toLow ? SCHED_IDLE : SCHED_OTHER, &p) == 0;
  return setpriority(PRIO_PROCESS, (id_t)tid, toLow ? settings.lowNice : baseNice) == 0;
}

// Every thread of the process (threads come and go: the list is read at each change), exempt ones skipped.
void SetAll(bool toLow, int64_t now) {
  (low.load() ? lowNs : normalNs).fetch_add(now - levelSince.load());
  levelSince.store(now);
  low.store(toLow);
  DIR *d = opendir("/proc/self/task");
  if (d == nullptr) {
    Fail(std::string("cannot list /proc/self/task: ") + strerror(errno));
    return;
  }
  while (dirent *e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    pid_t tid = (pid_t)atoi(e->d_name);
    if (exempt.count(tid)) continue;
    if (!SetThread(tid, toLow) && errno != ESRCH) Fail(std::string("thread ") + e->d_name + ": " + strerror(errno));  // ESRCH: it just ended
  }
  closedir(d);
}

}  // namespace

int64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1'000'000'000 + ts.tv_nsec;
}

std::string Start(Napi::Env env, const Settings &s) {
  std::lock_guard<std::mutex> g(mu);
  if (active.load()) return "";
  int policy = sched_getscheduler(0);
  if (policy != SCHED_OTHER) return "the process does not run under the normal scheduling policy (SCHED_OTHER): left as it is";
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, 0);
  if (errno != 0) return std::string("cannot read the process's nice value: ") + strerror(errno);
  if (!s.idle && s.lowNice <= nice) return "the process already runs at nice " + std::to_string(nice) + ", not above the low priority";
  if (!HasSysNice() && !RlimitAllows(nice)) {
    return "no CAP_SYS_NICE (and RLIMIT_NICE does not allow nice " + std::to_string(nice) +
           "): the agent could lower its threads but not raise them back, so it stays at its normal priority";
  }
  settings = s;
  baseNice = nice;
  low.store(false);
  lowNs.store(0);
  normalNs.store(0);
  raises.store(0);
  lowerings.store(0);
  failures.store(0);
  levelSince.store(lastBehind = lastPing = NowNs());
  pingSince.store(0);
  ping = Ping::New(env, "lumen-cpu-priority-ping", 0, 1);
  ping.Unref(env);  // the ping never keeps the process alive
  active.store(true);
  return "";
}

void Stop() {
  std::lock_guard<std::mutex> g(mu);
  if (!active.load()) return;
  int64_t now = NowNs();
  if (low.load()) SetAll(false, now);
  normalNs.fetch_add(now - levelSince.load());
  levelSince.store(now);
  active.store(false);
  ping.Abort();
}

void ExemptThisThread() {
  std::lock_guard<std::mutex> g(mu);
  pid_t tid = Tid();
  exempt.insert(tid);
  if (active.load() && low.load()) SetThread(tid, false);  // it was created by a thread that runs low
}

void ForgetThisThread() {
  std::lock_guard<std::mutex> g(mu);
  exempt.erase(Tid());
}

void Observe(int64_t sinceNs, int64_t nowNs) {
  if (!active.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> g(mu);
  if (!active.load()) return;
  int64_t pinged = pingSince.load();
  bool late = (sinceNs != 0 && nowNs - sinceNs >= settings.raiseAfterNs) || (pinged != 0 && nowNs - pinged >= settings.raiseAfterNs);
  if (late) {
    lastBehind = nowNs;
    if (low.load()) {
      SetAll(false, nowNs);
      raises.fetch_add(1);
    }
  } else if (!low.load() && nowNs - lastBehind >= settings.lowerAfterNs) {
    SetAll(true, nowNs);
    lowerings.fetch_add(1);
  }
  if (low.load() && pinged == 0 && nowNs - lastPing >= kPingEveryNs) {
    lastPing = nowNs;
    pingSince.store(nowNs);
    if (ping.NonBlockingCall() != napi_ok) pingSince.store(0);
  }
}

int PollTimeoutMs(int64_t sinceNs, int64_t nowNs, int defaultMs) {
  if (!active.load(std::memory_order_relaxed)) return defaultMs;
  int64_t pinged = pingSince.load();
  if (sinceNs == 0 || (pinged != 0 && pinged < sinceNs)) sinceNs = pinged;
  if (sinceNs == 0) return defaultMs;
  int64_t left = sinceNs + settings.raiseAfterNs - nowNs;
  if (left <= 0) return defaultMs;  // already seen as late (and raised): nothing to look at sooner
  int64_t ms = (left + 999'999) / 1'000'000;
  return ms < defaultMs ? (int)ms : defaultMs;
}

Stats Read() {
  Stats s;
  s.active = active.load();
  s.low = low.load() && s.active;
  s.raises = raises.load();
  s.lowerings = lowerings.load();
  s.failures = failures.load();
  s.lowNs = lowNs.load();
  s.normalNs = normalNs.load();
  if (s.active) (s.low ? s.lowNs : s.normalNs) += NowNs() - levelSince.load();
  if (s.failures) {
    std::lock_guard<std::mutex> g(errorMu);
    s.lastError = lastError;
  }
  return s;
}

}  // namespace cpu_priority
}  // namespace lumen
