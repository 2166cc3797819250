// NativeObject: one opened and loaded BPF object with its links and ring-buffer consumers.
// Every method runs on the JS thread. Methods are defined in object.cc (open/close), attach.cc, maps.cc, ringbuf.cc.
#pragma once
#include <napi.h>
#include <bpf/libbpf.h>

#include <map>
#include <memory>
#include <string>

namespace lumen {

class Link;
class RingConsumer;

class NativeObject : public Napi::ObjectWrap<NativeObject> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeObject(const Napi::CallbackInfo &info);  // (path, options)
  ~NativeObject() override;

 private:
  // object.cc
  Napi::Value Programs(const Napi::CallbackInfo &info);
  Napi::Value Maps(const Napi::CallbackInfo &info);
  Napi::Value ProgramInfo(const Napi::CallbackInfo &info);
  Napi::Value Close(const Napi::CallbackInfo &info);
  Napi::Value Detach(const Napi::CallbackInfo &info);
  void Open(Napi::Env env, const std::string &path, Napi::Object options);
  void Load(Napi::Env env);
  Napi::Value LoadAsync(const Napi::CallbackInfo &info);
  void ReleaseAll();
  friend class LoadWorker;

  // attach.cc
  Napi::Value Attach(const Napi::CallbackInfo &info);
  Napi::Value AttachTracepoint(const Napi::CallbackInfo &info);
  Napi::Value AttachUprobe(const Napi::CallbackInfo &info);
  Napi::Value AttachSocketFilter(const Napi::CallbackInfo &info);
  Napi::Value AttachTc(const Napi::CallbackInfo &info);
  Napi::Value AttachCgroup(const Napi::CallbackInfo &info);
  Napi::Value AttachSkMsg(const Napi::CallbackInfo &info);
  Napi::Value AddLink(Napi::Env env, std::unique_ptr<Link> link);

  // maps.cc
  Napi::Value MapInfo(const Napi::CallbackInfo &info);
  Napi::Value MapLookup(const Napi::CallbackInfo &info);
  Napi::Value MapUpdate(const Napi::CallbackInfo &info);
  Napi::Value MapDelete(const Napi::CallbackInfo &info);
  Napi::Value MapKeys(const Napi::CallbackInfo &info);
  Napi::Value MapLookupAndDeleteBatch(const Napi::CallbackInfo &info);

  // ringbuf.cc
  Napi::Value RingStart(const Napi::CallbackInfo &info);
  Napi::Value RingStop(const Napi::CallbackInfo &info);
  Napi::Value RingStats(const Napi::CallbackInfo &info);

  // Lookups that throw coded errors.
  void CheckOpen(Napi::Env env) const;
  bpf_program *Program(Napi::Env env, const std::string &name, bool mustBeLoaded = true) const;
  bpf_map *Map(Napi::Env env, const std::string &name) const;
  std::string ProgramNames() const;
  std::string MapNames() const;

  bpf_object *obj_ = nullptr;
  // True between an open with deferLoad and the end of loadAsync(): no other method may touch obj_.
  bool loading_ = false;
  std::string path_;
  int nextId_ = 1;
  std::map<int, std::unique_ptr<Link>> links_;
  std::map<int, std::shared_ptr<RingConsumer>> consumers_;
};

}  // namespace lumen
