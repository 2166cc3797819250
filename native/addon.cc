// Module entry: exports the NativeObject class and a few process-wide helpers.
#include <napi.h>
#include <bpf/libbpf.h>

#include "cpu_priority.h"
#include "errors.h"
#include "object.h"

namespace lumen {
namespace {

Napi::Value SetErrorClassJs(const Napi::CallbackInfo &info) {
  if (info[0].IsFunction()) SetErrorClass(info.Env(), info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Value LibbpfVersion(const Napi::CallbackInfo &info) { return Napi::String::New(info.Env(), libbpf_version_string()); }

Napi::Value PossibleCpus(const Napi::CallbackInfo &info) { return Napi::Number::New(info.Env(), libbpf_num_possible_cpus()); }

// ({ idle, lowNice, raiseAfterMs, lowerAfterMs }) -> "" when governing started, else why not
Napi::Value CpuPriorityStart(const Napi::CallbackInfo &info) {
  Napi::Object o = info[0].As<Napi::Object>();
  cpu_priority::Settings s;
  s.idle = o.Get("idle").ToBoolean();
  s.lowNice = o.Get("lowNice").ToNumber().Int32Value();
  s.raiseAfterNs = (int64_t)(o.Get("raiseAfterMs").ToNumber().DoubleValue() * 1e6);
  s.lowerAfterNs = (int64_t)(o.Get("lowerAfterMs").ToNumber().DoubleValue() * 1e6);
  return Napi::String::New(info.Env(), cpu_priority::Start(info.Env(), s));
}

Napi::Value CpuPriorityStop(const Napi::CallbackInfo &info) {
  cpu_priority::Stop();
  return info.Env().Undefined();
}

Napi::Value CpuPriorityStats(const Napi::CallbackInfo &info) {
  cpu_priority::Stats s = cpu_priority::Read();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("active", s.active);
  o.Set("low", s.low);
  o.Set("raises", (double)s.raises);
  o.Set("lowerings", (double)s.lowerings);
  o.Set("failures", (double)s.failures);
  o.Set("lowSeconds", s.lowNs / 1e9);
  o.Set("normalSeconds", s.normalNs / 1e9);
  o.Set("lastError", s.lastError);
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallLibbpfPrint();
  exports.Set("NativeObject", NativeObject::Define(env));
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClassJs));
  exports.Set("libbpfVersion", Napi::Function::New(env, LibbpfVersion));
  exports.Set("possibleCpus", Napi::Function::New(env, PossibleCpus));
  exports.Set("cpuPriorityStart", Napi::Function::New(env, CpuPriorityStart));
  exports.Set("cpuPriorityStop", Napi::Function::New(env, CpuPriorityStop));
  exports.Set("cpuPriorityStats", Napi::Function::New(env, CpuPriorityStats));
  return exports;
}

}  // namespace
}  // namespace lumen

static Napi::Object InitLumenBpf(Napi::Env env, Napi::Object exports) { return lumen::Init(env, exports); }
NODE_API_MODULE(lumen_bpf, InitLumenBpf)
