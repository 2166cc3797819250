// Opening, configuring, loading and closing a BPF object; the JS class definition.
#include "object.h"

#include <sys/stat.h>

#include "errors.h"
#include "link.h"
#include "ringbuf.h"
#include "rodata.h"

#include <malloc.h>

namespace lumen {
namespace {

bool IsInternalMap(bpf_map *m) { return strchr(bpf_map__name(m), '.') != nullptr; }

// "prog 'name': BPF program load failed" -> name
std::string FailedProgram(const std::string &log) {
  size_t at = log.find("': BPF program load failed");
  if (at == std::string::npos) at = log.find("': failed to load");
  if (at == std::string::npos) return "";
  size_t start = log.rfind("prog '", at);
  return start == std::string::npos ? "" : log.substr(start + 6, at - start - 6);
}

// The verifier's own reason: the last non-statistics line of its log.
std::string VerifierReason(const std::string &vlog) {
  std::string best;
  size_t pos = 0;
  while (pos < vlog.size()) {
    size_t nl = vlog.find('\n', pos);
    std::string line = vlog.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? vlog.size() : nl + 1;
    if (line.empty() || line.rfind("processed ", 0) == 0 || line.rfind("verification time", 0) == 0 || line.rfind("stack depth", 0) == 0) continue;
    best = line;
  }
  return best;
}

}  // namespace

Napi::Function NativeObject::Define(Napi::Env env) {
  return DefineClass(env, "NativeObject", {
      InstanceMethod<&NativeObject::Programs>("programs"),
      InstanceMethod<&NativeObject::Maps>("maps"),
      InstanceMethod<&NativeObject::ProgramInfo>("programInfo"),
      InstanceMethod<&NativeObject::Close>("close"),
      InstanceMethod<&NativeObject::LoadAsync>("loadAsync"),
      InstanceMethod<&NativeObject::Detach>("detach"),
      InstanceMethod<&NativeObject::Attach>("attach"),
      InstanceMethod<&NativeObject::AttachTracepoint>("attachTracepoint"),
      InstanceMethod<&NativeObject::AttachUprobe>("attachUprobe"),
      InstanceMethod<&NativeObject::AttachSocketFilter>("attachSocketFilter"),
      InstanceMethod<&NativeObject::AttachTc>("attachTc"),
      InstanceMethod<&NativeObject::AttachCgroup>("attachCgroup"),
      InstanceMethod<&NativeObject::AttachSkMsg>("attachSkMsg"),
      InstanceMethod<&NativeObject::MapInfo>("mapInfo"),
      InstanceMethod<&NativeObject::MapLookup>("mapLookup"),
      InstanceMethod<&NativeObject::MapUpdate>("mapUpdate"),
      InstanceMethod<&NativeObject::MapDelete>("mapDelete"),
      InstanceMethod<&NativeObject::MapKeys>("mapKeys"),
      InstanceMethod<&NativeObject::MapLookupAndDeleteBatch>("mapLookupAndDeleteBatch"),
      InstanceMethod<&NativeObject::RingStart>("ringStart"),
      InstanceMethod<&NativeObject::RingStop>("ringStop"),
      InstanceMethod<&NativeObject::RingStats>("ringStats"),
  });
}

NativeObject::NativeObject(const Napi::CallbackInfo &info) : Napi::ObjectWrap<NativeObject>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) Throw(env, kOpen, "object path must be a string");
  Napi::Object options = info.Length() > 1 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  try {
    Open(env, info[0].As<Napi::String>(), options);
    // deferLoad: the caller runs loadAsync() (the verifier off the JS thread, several objects at once).
    if (options.Get("deferLoad").ToBoolean()) loading_ = true;
    else Load(env);
  } catch (...) {
    ReleaseAll();
    throw;
  }
}

NativeObject::~NativeObject() { ReleaseAll(); }

void NativeObject::Open(Napi::Env env, const std::string &path, Napi::Object options) {
  path_ = path;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) Throw(env, kOpen, "BPF object " + path + " not found (" + ErrnoText(errno) + "); build it with `make -C bpf`", errno);
  LogCapture log;
  obj_ = bpf_object__open_file(path.c_str(), nullptr);
  if (obj_ == nullptr) {
    int err = errno;
    Throw(env, kOpen, "cannot open BPF object " + path + ": " + ErrnoText(err) + (log.LastLine().empty() ? "" : "; libbpf: " + log.LastLine()), err);
  }
  Napi::Value sizes = options.Get("mapSizes");
  if (sizes.IsObject()) {
    Napi::Object o = sizes.As<Napi::Object>();
    Napi::Array names = o.GetPropertyNames();
    for (uint32_t i = 0; i < names.Length(); i++) {
      std::string name = names.Get(i).As<Napi::String>();
      bpf_map *m = Map(env, name);
      Napi::Value v = o.Get(name);
      double n = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
      if (n < 1 || n > 4294967295.0 || n != (double)(uint32_t)n) Throw(env, kOpen, "mapSizes." + name + ": must be an integer from 1 to 4294967295");
      int err = bpf_map__set_max_entries(m, (uint32_t)n);
      if (err != 0) Throw(env, kOpen, "mapSizes." + name + ": " + ErrnoText(-err), -err);
    }
  }
  Napi::Value disabled = options.Get("disabledPrograms");
  if (disabled.IsArray()) {
    Napi::Array a = disabled.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      std::string name = a.Get(i).ToString();
      bpf_program__set_autoload(Program(env, name, false), false);
    }
  }
  Napi::Value rodata = options.Get("rodata");
  if (rodata.IsObject()) ApplyRodata(env, obj_, rodata.As<Napi::Object>());
  Napi::Value pin = options.Get("pinPath");
  if (pin.IsString()) {
    std::string dir = pin.As<Napi::String>();
    bpf_map *m;
    bpf_object__for_each_map(m, obj_) {
      if (IsInternalMap(m)) continue;
      int err = bpf_map__set_pin_path(m, (dir + "/" + bpf_map__name(m)).c_str());
      if (err != 0) Throw(env, kOpen, "pinPath " + dir + ": " + ErrnoText(-err), -err);
    }
  }
}

BpfFailure LoadFailure(const std::string &path_, int err, const LogCapture &log);

// libbpf's load parses the kernel's BTF and relocates every program: tens of MiB allocated and freed. glibc keeps
// freed memory in its arenas (one more per thread that loads), so give it back to the system once a load is done.
void ReleaseFreedMemory() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

void NativeObject::Load(Napi::Env env) {
  LogCapture log;
  int ret = bpf_object__load(obj_);
  ReleaseFreedMemory();
  if (ret == 0) return;
  Throw(env, LoadFailure(path_, -ret, log));
}

// bpf_object__load on a libuv thread (LogCapture is per thread), settling a promise on the JS thread.
class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, NativeObject *obj, Napi::ObjectReference self)
      : Napi::AsyncWorker(env, "lumen-bpf-load"), obj_(obj), self_(std::move(self)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }
  void Execute() override {
    LogCapture log;
    ret_ = bpf_object__load(obj_->obj_);
    ReleaseFreedMemory();
    if (ret_ != 0) failure_ = LoadFailure(obj_->path_, -ret_, log);
  }
  void OnOK() override {
    obj_->loading_ = false;
    if (ret_ == 0) {
      deferred_.Resolve(Env().Undefined());
      return;
    }
    obj_->ReleaseAll();
    deferred_.Reject(MakeError(Env(), failure_));
  }

 private:
  NativeObject *obj_;
  Napi::ObjectReference self_;  // keeps the wrapper (and obj_) alive while the load runs
  Napi::Promise::Deferred deferred_;
  int ret_ = 0;
  BpfFailure failure_;
};

Napi::Value NativeObject::LoadAsync(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (obj_ == nullptr) Throw(env, kOpen, "BPF object " + path_ + " is closed");
  if (!loading_) Throw(env, kLoad, "BPF object " + path_ + " was not opened with deferLoad, or is loaded already");
  auto *w = new LoadWorker(env, this, Napi::Persistent(info.This().As<Napi::Object>()));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

BpfFailure LoadFailure(const std::string &path_, int err, const LogCapture &log) {
  BpfFailure f;
  f.err = err;
  f.verifierLog = log.VerifierLog();
  std::string prog = FailedProgram(log.text());
  std::string where = "loading " + path_ + (prog.empty() ? "" : " (program '" + prog + "')") + " failed: " + ErrnoText(f.err);
  if (!f.verifierLog.empty()) {
    f.code = kLoad;
    f.message = where + "; the verifier rejected it: " + VerifierReason(f.verifierLog) +
                " (full log in error.verifierLog; disable the program with disabledPrograms if this kernel cannot run it)";
  } else if (IsPermissionErrno(f.err)) {
    f.code = kPermission;
    f.message = where + "; " + PermissionHint();
  } else {
    f.code = kLoad;
    f.message = where + (log.LastLine().empty() ? "" : "; libbpf: " + log.LastLine());
  }
  return f;
}

void NativeObject::ReleaseAll() {
  for (auto &c : consumers_) c.second->Stop();  // poll threads first: they read maps we are about to close
  consumers_.clear();
  links_.clear();  // each Link's destructor detaches
  if (obj_ != nullptr) bpf_object__close(obj_);
  obj_ = nullptr;
}

Napi::Value NativeObject::Close(const Napi::CallbackInfo &info) {
  if (loading_) Throw(info.Env(), kOpen, "BPF object " + path_ + " is being loaded; close it once loadAsync() settles");
  ReleaseAll();
  return info.Env().Undefined();
}

Napi::Value NativeObject::Detach(const Napi::CallbackInfo &info) {
  auto it = links_.find(info[0].As<Napi::Number>().Int32Value());
  if (it == links_.end()) return Napi::Boolean::New(info.Env(), false);
  links_.erase(it);
  return Napi::Boolean::New(info.Env(), true);
}

Napi::Value NativeObject::Programs(const Napi::CallbackInfo &info) {
  CheckOpen(info.Env());
  Napi::Array a = Napi::Array::New(info.Env());
  bpf_program *p;
  uint32_t i = 0;
  bpf_object__for_each_program(p, obj_) a.Set(i++, bpf_program__name(p));
  return a;
}

Napi::Value NativeObject::Maps(const Napi::CallbackInfo &info) {
  CheckOpen(info.Env());
  Napi::Array a = Napi::Array::New(info.Env());
  bpf_map *m;
  uint32_t i = 0;
  bpf_object__for_each_map(m, obj_) if (!IsInternalMap(m)) a.Set(i++, bpf_map__name(m));
  return a;
}

Napi::Value NativeObject::ProgramInfo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  bpf_program *p = Program(env, info[0].ToString(), false);
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", bpf_program__name(p));
  o.Set("section", bpf_program__section_name(p));
  const char *t = libbpf_bpf_prog_type_str(bpf_program__type(p));
  o.Set("type", t ? t : "unknown");
  o.Set("loaded", bpf_program__autoload(p));
  return o;
}

void NativeObject::CheckOpen(Napi::Env env) const {
  if (obj_ == nullptr) Throw(env, kOpen, "BPF object " + path_ + " is closed");
  if (loading_) Throw(env, kOpen, "BPF object " + path_ + " is being loaded; use it once loadAsync() settles");
}

std::string NativeObject::ProgramNames() const {
  std::string s;
  bpf_program *p;
  bpf_object__for_each_program(p, obj_) s += (s.empty() ? "" : ", ") + std::string(bpf_program__name(p));
  return s;
}

std::string NativeObject::MapNames() const {
  std::string s;
  bpf_map *m;
  bpf_object__for_each_map(m, obj_) if (!IsInternalMap(m)) s += (s.empty() ? "" : ", ") + std::string(bpf_map__name(m));
  return s;
}

bpf_program *NativeObject::Program(Napi::Env env, const std::string &name, bool mustBeLoaded) const {
  CheckOpen(env);
  bpf_program *p = bpf_object__find_program_by_name(obj_, name.c_str());
  if (p == nullptr) Throw(env, kNoProgram, "no program '" + name + "' in " + path_ + "; programs: " + ProgramNames());
  if (mustBeLoaded && bpf_program__fd(p) < 0) Throw(env, kNoProgram, "program '" + name + "' was not loaded (it is in disabledPrograms)");
  return p;
}

bpf_map *NativeObject::Map(Napi::Env env, const std::string &name) const {
  CheckOpen(env);
  bpf_map *m = bpf_object__find_map_by_name(obj_, name.c_str());
  if (m == nullptr) Throw(env, kNoMap, "no map '" + name + "' in " + path_ + "; maps: " + MapNames());
  return m;
}

}  // namespace lumen
