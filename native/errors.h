// Coded errors thrown into JS, and capture of libbpf's log lines (verifier log, ELF/symbol messages).
#pragma once
#include <napi.h>
#include <string>

namespace lumen {

// Stable codes, mirrored in src/bpf/types.ts (BpfErrorShape.code).
constexpr const char *kOpen = "LUMEN_BPF_OPEN";
constexpr const char *kLoad = "LUMEN_BPF_LOAD";
constexpr const char *kAttach = "LUMEN_BPF_ATTACH";
constexpr const char *kMap = "LUMEN_BPF_MAP";
constexpr const char *kNoProgram = "LUMEN_BPF_NO_SUCH_PROGRAM";
constexpr const char *kNoMap = "LUMEN_BPF_NO_SUCH_MAP";
constexpr const char *kPermission = "LUMEN_BPF_PERMISSION";
constexpr const char *kSymbol = "LUMEN_BPF_SYMBOL";

// A coded error; `err` is a positive errno (0 when none).
struct BpfFailure {
  std::string code;
  std::string message;
  int err = 0;
  std::string verifierLog;
};

// Builds the JS error (an instance of the registered BpfError class when set) and throws it.
[[noreturn]] void Throw(Napi::Env env, const BpfFailure &f);
[[noreturn]] void Throw(Napi::Env env, const char *code, const std::string &message, int err = 0);
// Creates the JS error value without throwing (for callbacks).
Napi::Value MakeError(Napi::Env env, const BpfFailure &f);
// Registers the JS class used for errors: new ErrorClass(code, message, errno, verifierLog).
void SetErrorClass(Napi::Env env, Napi::Function ctor);

// True for errno values that mean "not allowed" rather than "wrong".
bool IsPermissionErrno(int err);
// The capability hint appended to permission errors.
std::string PermissionHint();

// While alive, libbpf's messages on this thread are appended to `text` instead of being dropped.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  const std::string &text() const { return text_; }
  // The verifier log between libbpf's BEGIN/END PROG LOAD LOG markers ("" when none).
  std::string VerifierLog() const;
  // The last libbpf line (without the "libbpf: " prefix), for short messages.
  std::string LastLine() const;

 private:
  std::string text_;
  std::string *prev_;
};

// Installs the libbpf print callback (once).
void InstallLibbpfPrint();

std::string ErrnoText(int err);

}  // namespace lumen
