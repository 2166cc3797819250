// NativeObject's ring-buffer methods: start a consumer on a RINGBUF map, stop it, read its counters.
#include "errors.h"
#include "object.h"
#include "ringbuf.h"

namespace lumen {
namespace {

double Opt(Napi::Object o, const char *name, double def, double min, double max) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined() || v.IsNull()) return def;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= min && d <= max) || d != (double)(int64_t)d) {
    Throw(o.Env(), kMap, std::string("ring buffer option ") + name + " must be an integer from " + std::to_string((int64_t)min) + " to " +
                             std::to_string((int64_t)max));
  }
  return d;
}

}  // namespace

// (mapName, options, onBatch(buf), onError(err)) -> consumer id
Napi::Value NativeObject::RingStart(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string name = info[0].ToString();
  bpf_map *m = Map(env, name);
  if (bpf_map__type(m) != BPF_MAP_TYPE_RINGBUF) Throw(env, kMap, "map '" + name + "' is not a BPF_MAP_TYPE_RINGBUF");
  for (auto &c : consumers_) {
    if (c.second->name() == name) Throw(env, kMap, "ring buffer '" + name + "' already has a consumer; a ring buffer has one reader (share the Observable)");
  }
  Napi::Object o = info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  RingOptions opts;
  opts.pollTimeoutMs = (int)Opt(o, "pollTimeoutMs", 100, 1, 60000);
  opts.batchBytes = (size_t)Opt(o, "batchBytes", 256 * 1024, 64, 64 * 1024 * 1024);
  opts.maxQueued = (size_t)Opt(o, "maxQueuedBatches", 16, 1, 65536);
  if (!info[2].IsFunction() || !info[3].IsFunction()) Throw(env, kMap, "ringStart needs onBatch and onError functions");
  auto c = RingConsumer::Start(env, bpf_map__fd(m), name, opts, info[2].As<Napi::Function>(), info[3].As<Napi::Function>());
  int id = nextId_++;
  consumers_[id] = c;
  return Napi::Number::New(env, id);
}

// (id, drain) -> Buffer[] read but not delivered yet (only when drain is true)
Napi::Value NativeObject::RingStop(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  auto it = consumers_.find(info[0].As<Napi::Number>().Int32Value());
  if (it == consumers_.end()) return out;
  std::shared_ptr<RingConsumer> c = it->second;
  consumers_.erase(it);
  uint32_t i = 0;
  for (RingConsumer::Batch *b : c->Stop(info[1].ToBoolean())) {
    out.Set(i++, Napi::Buffer<uint8_t>::New(env, b->data(), b->size(), [](Napi::Env, uint8_t *, RingConsumer::Batch *h) { delete h; }, b));
  }
  return out;
}

Napi::Value NativeObject::RingStats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  auto it = consumers_.find(info[0].As<Napi::Number>().Int32Value());
  if (it == consumers_.end()) return env.Undefined();
  Napi::Object o = Napi::Object::New(env);
  o.Set("records", (double)it->second->records());
  o.Set("batches", (double)it->second->batches());
  o.Set("bytes", (double)it->second->bytes());
  return o;
}

}  // namespace lumen
