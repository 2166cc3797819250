// Load-time settings: writes `const volatile` variables of the object's .rodata before load.
#pragma once
#include <napi.h>
#include <bpf/libbpf.h>

namespace lumen {

// settings: { varName: number | bigint | boolean }. Throws LUMEN_BPF_OPEN naming the variable on bad input.
void ApplyRodata(Napi::Env env, bpf_object *obj, Napi::Object settings);

}  // namespace lumen
