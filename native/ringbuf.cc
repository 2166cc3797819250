// Ring-buffer consumer thread and its hand-over to JS (see ringbuf.h).
#include "ringbuf.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>

#include "cpu_priority.h"
#include "errors.h"

namespace lumen {

std::shared_ptr<RingConsumer> RingConsumer::Start(Napi::Env env, int mapFd, const std::string &name, RingOptions opts,
                                                  Napi::Function onBatch, Napi::Function onError) {
  std::shared_ptr<RingConsumer> c(new RingConsumer(name, opts));
  LogCapture log;
  c->rb_ = ring_buffer__new(mapFd, &RingConsumer::OnRecord, c.get(), nullptr);
  if (c->rb_ == nullptr) {
    int err = errno;
    Throw(env, kMap, "ring buffer '" + name + "': cannot consume it: " + ErrnoText(err) + (log.LastLine().empty() ? "" : "; libbpf: " + log.LastLine()), err);
  }
  c->stopFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = 0;  // libbpf reads data.fd as a ring index: ring 0 is then just consumed once more
  if (c->stopFd_ < 0 || epoll_ctl(ring_buffer__epoll_fd(c->rb_), EPOLL_CTL_ADD, c->stopFd_, &ev) != 0) {
    int err = errno;
    Throw(env, kMap, "ring buffer '" + name + "': cannot set up its wake-up fd: " + ErrnoText(err), err);
  }
  c->onBatch_ = Napi::Persistent(onBatch);
  c->onError_ = Napi::Persistent(onError);
  c->cur_ = new Batch();
  c->cur_->reserve(opts.batchBytes + 4096);
  c->tsfn_ = Tsfn::New(env, onBatch, "lumen-ringbuf-" + name, 0, 1, c.get());
  c->tsfnLive_ = true;
  c->thread_ = std::thread([c = c.get()] { c->Run(); });
  return c;
}

RingConsumer::~RingConsumer() {
  for (Batch *b : Stop()) delete b;
}

int RingConsumer::OnRecord(void *ctx, void *data, size_t size) {
  auto *self = static_cast<RingConsumer *>(ctx);
  Batch *b = self->cur_;
  uint32_t len = (uint32_t)size;
  size_t at = b->size();
  b->resize(at + 4 + size);
  memcpy(b->data() + at, &len, 4);
  memcpy(b->data() + at + 4, data, size);
  self->records_.fetch_add(1, std::memory_order_relaxed);
  if (b->size() >= self->opts_.batchBytes) self->Push(true);
  return 0;
}

void RingConsumer::Run() {
  cpu_priority::ExemptThisThread();
  while (!stop_.load()) {
    int n = ring_buffer__poll(rb_, cpu_priority::PollTimeoutMs(pendingSince_.load(), cpu_priority::NowNs(), opts_.pollTimeoutMs));
    if (n == -EINTR) continue;
    if (n < 0) {
      auto g = LockFromPoll();
      error_ = "ring buffer '" + name_ + "': poll failed: " + ErrnoText(-n);
      break;
    }
    if (n == 0 && !stop_.load()) ring_buffer__consume(rb_);  // records submitted with BPF_RB_NO_WAKEUP
    // Hand over a partial batch only when JS is idle; while it is busy, keep filling (bigger batches).
    if (!cur_->empty()) Push(false);
    cpu_priority::Observe(pendingSince_.load(), cpu_priority::NowNs());
  }
  cpu_priority::ForgetThisThread();
  Wake();
}

void RingConsumer::Push(bool force) {
  std::unique_lock<std::timed_mutex> lk = LockFromPoll();
  if (!force && !queue_.empty()) return;
  // JS is far behind: back to the normal priority before waiting.
  if (queue_.size() >= opts_.maxQueued) cpu_priority::Observe(1, cpu_priority::NowNs());
  if (queue_.empty()) pendingSince_.store(cpu_priority::NowNs());
  cv_.wait(lk, [this] { return queue_.size() < opts_.maxQueued || stop_.load(); });
  queue_.push_back(cur_);
  batches_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(cur_->size(), std::memory_order_relaxed);
  cur_ = new Batch();
  cur_->reserve(opts_.batchBytes + 4096);
  bool wake = !wakePending_;
  wakePending_ = true;
  lk.unlock();
  if (wake) tsfn_.NonBlockingCall();
}

std::unique_lock<std::timed_mutex> RingConsumer::LockFromPoll() {
  std::unique_lock<std::timed_mutex> lk(mu_, std::defer_lock);
  while (!lk.try_lock_for(std::chrono::milliseconds(5))) cpu_priority::Observe(1, cpu_priority::NowNs());
  return lk;
}

void RingConsumer::Wake() {
  {
    auto g = LockFromPoll();
    if (wakePending_) return;
    wakePending_ = true;
  }
  tsfn_.NonBlockingCall();
}

void RingConsumer::CallJs(Napi::Env env, Napi::Function, RingConsumer *self, void *) {
  if (env == nullptr || self == nullptr) return;  // the function is being torn down
  std::shared_ptr<RingConsumer> keep = self->shared_from_this();  // JS may stop (and drop) us from a callback
  self->Deliver(env);
}

void RingConsumer::Deliver(Napi::Env env) {
  std::deque<Batch *> ready;
  std::string error;
  {
    std::lock_guard<std::timed_mutex> g(mu_);
    ready.swap(queue_);
    wakePending_ = false;
    pendingSince_.store(0);
    if (!error_.empty() && !errorReported_) { error = error_; errorReported_ = true; }
  }
  cv_.notify_all();
  Napi::HandleScope scope(env);
  while (!ready.empty()) {
    Batch *b = ready.front();
    ready.pop_front();
    if (stopped_) { delete b; continue; }
    auto buf = Napi::Buffer<uint8_t>::New(env, b->data(), b->size(), [](Napi::Env, uint8_t *, Batch *h) { delete h; }, b);
    onBatch_.Call({buf});  // an exception propagates to Node as uncaught, like any callback's
  }
  if (!error.empty() && !stopped_) {
    BpfFailure f{kMap, error, 0, ""};
    onError_.Call({MakeError(env, f)});
  }
}

std::vector<RingConsumer::Batch *> RingConsumer::Stop(bool drain) {
  std::vector<Batch *> rest;
  if (stopped_) return rest;
  stopped_ = true;
  stop_.store(true);
  if (stopFd_ >= 0) {
    uint64_t one = 1;
    (void)!write(stopFd_, &one, sizeof one);
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (drain && rb_ != nullptr && cur_ != nullptr) ring_buffer__consume(rb_);  // what is still in the ring
  {
    std::lock_guard<std::timed_mutex> g(mu_);
    for (Batch *b : queue_) rest.push_back(b);
    queue_.clear();
  }
  if (cur_ != nullptr && !cur_->empty()) rest.push_back(cur_);
  else delete cur_;
  cur_ = nullptr;
  if (tsfnLive_) tsfn_.Abort();
  tsfnLive_ = false;  // pending wake-ups are dropped; CallJs then sees env == nullptr
  if (rb_ != nullptr) ring_buffer__free(rb_);
  rb_ = nullptr;
  if (stopFd_ >= 0) close(stopFd_);
  stopFd_ = -1;
  onBatch_.Reset();
  onError_.Reset();
  if (!drain) {
    for (Batch *b : rest) delete b;
    rest.clear();
  }
  return rest;
}

}  // namespace lumen
