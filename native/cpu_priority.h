// Adaptive CPU priority of the agent's own threads (service.cpu_priority in pipelines.yaml).
//
// On a small host the agent's threads take CPUs from the services it watches, which shows in their tail latency
// even when the agent uses little CPU in all. A fixed low priority fixes that but starves the agent under
// saturation (its ring buffers overflow: data lost). So: while the JS thread keeps up with the ring buffers,
// every thread of the process except the ring poll threads runs at a low priority (nice N, or SCHED_IDLE); as
// soon as a batch has waited for JS longer than raiseAfter, every thread goes back to the priority the process
// started with, and it goes low again only after lowerAfter without such a wait.
//
// The ring buffers are not the only work of the JS thread (exports, scrapes, timers): while low, a poll thread
// also pings the JS thread every 500 ms, and a ping not answered within raiseAfter raises too, so the agent's
// event loop never waits much longer than raiseAfter + 0.5 s for a CPU however busy the host is.
//
// The ring poll threads stay at the normal priority: they do little work (copying records) and they are the
// ones that watch the hand-over to JS, so they must never be starved themselves.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

namespace lumen {
namespace cpu_priority {

struct Settings {
  bool idle = false;  // SCHED_IDLE instead of a nice value
  int lowNice = 19;
  int64_t raiseAfterNs = 100'000'000;
  int64_t lowerAfterNs = 1'000'000'000;
};

struct Stats {
  bool active = false;
  bool low = false;
  uint64_t raises = 0, lowerings = 0, failures = 0;
  int64_t lowNs = 0, normalNs = 0;
  std::string lastError;
};

int64_t NowNs();
// Starts governing (the process stays at its normal priority until lowerAfter has passed). Returns "" or why it
// cannot: no CAP_SYS_NICE (and no RLIMIT_NICE) to come back to the normal priority, or a real-time policy.
std::string Start(Napi::Env env, const Settings &s);
// Back to the normal priority; governing stops. Safe when not started.
void Stop();
// A ring poll thread: keep it at the normal priority (call at its start), and forget it (at its end).
void ExemptThisThread();
void ForgetThisThread();
// A poll thread's view: its oldest batch has been waiting for JS since `sinceNs` (0: none waiting).
void Observe(int64_t sinceNs, int64_t nowNs);
// The poll timeout that makes the poll thread look again when a waiting batch (or ping) reaches raiseAfter.
int PollTimeoutMs(int64_t sinceNs, int64_t nowNs, int defaultMs);
Stats Read();

}  // namespace cpu_priority
}  // namespace lumen
