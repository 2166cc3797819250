// Module entry: exports the NativeObject class and a few process-wide helpers.
#include <napi.h>
#include <bpf/libbpf.h>

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

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallLibbpfPrint();
  exports.Set("NativeObject", NativeObject::Define(env));
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClassJs));
  exports.Set("libbpfVersion", Napi::Function::New(env, LibbpfVersion));
  exports.Set("possibleCpus", Napi::Function::New(env, PossibleCpus));
  return exports;
}

}  // namespace
}  // namespace lumen

static Napi::Object InitLumenBpf(Napi::Env env, Napi::Object exports) { return lumen::Init(env, exports); }
NODE_API_MODULE(lumen_bpf, InitLumenBpf)
