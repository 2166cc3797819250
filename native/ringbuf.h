// RingConsumer: drains one BPF ring buffer on its own thread into batches of [u32 LE length][record] frames
// and hands them to JS. Backpressure: at most maxQueued batches wait for JS; then the poll thread waits, the
// kernel ring fills, and the BPF side's reservations fail (which the BPF program counts as drops).
#pragma once
#include <napi.h>
#include <bpf/libbpf.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lumen {

struct RingOptions {
  int pollTimeoutMs = 100;
  size_t batchBytes = 256 * 1024;
  size_t maxQueued = 16;
};

class RingConsumer : public std::enable_shared_from_this<RingConsumer> {
 public:
  using Batch = std::vector<uint8_t>;
  // Throws a coded error when the ring buffer cannot be set up.
  static std::shared_ptr<RingConsumer> Start(Napi::Env env, int mapFd, const std::string &name, RingOptions opts,
                                             Napi::Function onBatch, Napi::Function onError);
  ~RingConsumer();
  // Stops and joins the poll thread; returns what was read but not yet delivered (plus a final drain).
  std::vector<Batch *> Stop(bool drain = false);
  const std::string &name() const { return name_; }
  uint64_t records() const { return records_.load(); }
  uint64_t batches() const { return batches_.load(); }
  uint64_t bytes() const { return bytes_.load(); }

 private:
  RingConsumer(std::string name, RingOptions opts) : name_(std::move(name)), opts_(opts) {}
  static int OnRecord(void *ctx, void *data, size_t size);
  static void CallJs(Napi::Env env, Napi::Function fn, RingConsumer *self, void *data);
  using Tsfn = Napi::TypedThreadSafeFunction<RingConsumer, void, &RingConsumer::CallJs>;
  void Run();
  void Push(bool force);  // hands cur_ to the queue (waits while the queue is full, unless stopping)
  void Wake();
  std::unique_lock<std::timed_mutex> LockFromPoll();
  void Deliver(Napi::Env env);

  std::string name_;
  RingOptions opts_;
  ring_buffer *rb_ = nullptr;
  int stopFd_ = -1;  // eventfd in the ring's epoll set: wakes the poll thread at Stop()
  std::thread thread_;
  std::atomic<bool> stop_{false};
  bool stopped_ = false;  // JS thread only
  Tsfn tsfn_;
  bool tsfnLive_ = false;
  Napi::FunctionReference onBatch_, onError_;
  Batch *cur_ = nullptr;  // poll thread only (until joined)
  // Timed: the JS thread may hold it while it runs at a low CPU priority (cpu_priority.h); a poll thread that
  // cannot get it in time raises the priority instead of waiting behind a preempted JS thread.
  std::timed_mutex mu_;
  std::condition_variable_any cv_;
  std::deque<Batch *> queue_;
  bool wakePending_ = false;
  std::atomic<int64_t> pendingSince_{0};  // when the oldest batch JS has not taken yet was queued (0: none)
  std::string error_;  // set by the poll thread when ring_buffer__poll fails
  bool errorReported_ = false;
  std::atomic<uint64_t> records_{0}, batches_{0}, bytes_{0};
};

}  // namespace lumen
