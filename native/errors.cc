// Coded errors and libbpf log capture. libbpf prints through one global callback; a thread-local pointer
// decides where the lines go, so a load on the JS thread never mixes with a poll thread's messages.
#include "errors.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace lumen {
namespace {

thread_local std::string *tCapture = nullptr;

int Print(enum libbpf_print_level level, const char *fmt, va_list args) {
  char line[4096];
  int n = vsnprintf(line, sizeof line, fmt, args);
  if (n < 0) return 0;
  if (tCapture != nullptr) {
    tCapture->append(line);
  } else if (level != LIBBPF_DEBUG && getenv("LUMEN_BPF_DEBUG") != nullptr) {
    fputs(line, stderr);
  }
  return n;
}

}  // namespace

void InstallLibbpfPrint() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(Print); });
}

LogCapture::LogCapture() : prev_(tCapture) { tCapture = &text_; }
LogCapture::~LogCapture() { tCapture = prev_; }

std::string LogCapture::VerifierLog() const {
  const char *begin = "-- BEGIN PROG LOAD LOG --\n";
  const char *end = "-- END PROG LOAD LOG --";
  size_t b = text_.find(begin);
  if (b == std::string::npos) return "";
  b += strlen(begin);
  size_t e = text_.find(end, b);
  return text_.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

std::string LogCapture::LastLine() const {
  size_t end = text_.find_last_not_of("\n ");
  if (end == std::string::npos) return "";
  size_t start = text_.rfind('\n', end);
  std::string line = text_.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
  if (line.rfind("libbpf: ", 0) == 0) line.erase(0, 8);
  return line;
}

std::string ErrnoText(int err) {
  char buf[128];
  libbpf_strerror(err, buf, sizeof buf);
  return std::string(buf) + " (errno " + std::to_string(err) + ")";
}

bool IsPermissionErrno(int err) { return err == EPERM || err == EACCES; }

std::string PermissionHint() {
  return "run as root, or grant CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN (cgroup, kernels without CAP_BPF), "
         "CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH (uprobes on other users' binaries); "
         "also check kernel.unprivileged_bpf_disabled and lockdown";
}

void SetErrorClass(Napi::Env env, Napi::Function ctor) {
  // Per environment (main thread, each worker): a reference must not cross environments.
  env.SetInstanceData<Napi::FunctionReference>(new Napi::FunctionReference(Napi::Persistent(ctor)));
}

Napi::Value MakeError(Napi::Env env, const BpfFailure &f) {
  Napi::Value errno_ = f.err != 0 ? Napi::Number::New(env, f.err) : env.Undefined();
  Napi::Value log = f.verifierLog.empty() ? env.Undefined() : Napi::String::New(env, f.verifierLog);
  Napi::FunctionReference *ctor = env.GetInstanceData<Napi::FunctionReference>();
  if (ctor != nullptr && !ctor->IsEmpty()) {
    return ctor->New({Napi::String::New(env, f.code), Napi::String::New(env, f.message), errno_, log});
  }
  Napi::Error e = Napi::Error::New(env, f.message);
  e.Set("code", Napi::String::New(env, f.code));
  if (f.err != 0) e.Set("errno", errno_);
  if (!f.verifierLog.empty()) e.Set("verifierLog", log);
  return e.Value();
}

void Throw(Napi::Env env, const BpfFailure &f) { throw Napi::Error(env, MakeError(env, f)); }

void Throw(Napi::Env env, const char *code, const std::string &message, int err) {
  BpfFailure f;
  f.code = code;
  f.message = message;
  f.err = err;
  Throw(env, f);
}

}  // namespace lumen
