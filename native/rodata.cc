// Finds each variable in the ".rodata" DATASEC of the object's BTF (name -> offset, size) and writes the value
// into the map's initial image (bpf_map__initial_value is writable between open and load).
#include "rodata.h"

#include <bpf/btf.h>

#include <cmath>
#include <cstring>
#include <string>

#include "errors.h"

namespace lumen {
namespace {

bpf_map *FindRodata(bpf_object *obj) {
  bpf_map *m;
  bpf_object__for_each_map(m, obj) {
    const char *n = bpf_map__name(m);
    size_t len = strlen(n);
    if (len >= 7 && strcmp(n + len - 7, ".rodata") == 0) return m;
  }
  return nullptr;
}

// Converts a JS value to the bytes of an integer of `size` bytes (little-endian host), range-checked.
bool ToBytes(Napi::Value v, size_t size, bool isSigned, uint8_t *out, std::string &why) {
  int64_t s = 0;
  uint64_t u = 0;
  bool negative = false;
  if (v.IsBoolean()) {
    u = v.As<Napi::Boolean>().Value() ? 1 : 0;
  } else if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || std::floor(d) != d) { why = "must be an integer"; return false; }
    if (d < 0) { negative = true; s = (int64_t)d; } else if (d >= 18446744073709551616.0) { why = "is too large"; return false; } else { u = (uint64_t)d; }
  } else if (v.IsBigInt()) {
    bool lossless = true;
    s = v.As<Napi::BigInt>().Int64Value(&lossless);
    if (s < 0 && lossless) { negative = true; } else { u = v.As<Napi::BigInt>().Uint64Value(&lossless); }
    if (!lossless) { why = "does not fit in 64 bits"; return false; }
  } else {
    why = "must be a number, bigint or boolean";
    return false;
  }
  const unsigned bits = (unsigned)size * 8;
  if (negative) {
    int64_t min = bits == 64 ? INT64_MIN : -(int64_t(1) << (bits - 1));
    if (s < min) { why = "is below the minimum of its " + std::to_string(bits) + "-bit type"; return false; }
    u = (uint64_t)s;
    (void)isSigned;
  } else if (bits < 64) {
    uint64_t max = isSigned ? (uint64_t(1) << (bits - 1)) - 1 : (uint64_t(1) << bits) - 1;
    if (u > max) { why = "exceeds the maximum " + std::to_string(max) + " of its " + std::to_string(bits) + "-bit type"; return false; }
  }
  for (size_t i = 0; i < size; i++) out[i] = (uint8_t)(u >> (8 * i));
  return true;
}

bool IsSignedInt(const btf *b, __u32 typeId) {
  const btf_type *t = btf__type_by_id(b, btf__resolve_type(b, typeId));
  return t != nullptr && btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED);
}

}  // namespace

void ApplyRodata(Napi::Env env, bpf_object *obj, Napi::Object settings) {
  Napi::Array names = settings.GetPropertyNames();
  if (names.Length() == 0) return;
  bpf_map *map = FindRodata(obj);
  const btf *b = bpf_object__btf(obj);
  __s32 secId = b ? btf__find_by_name_kind(b, ".rodata", BTF_KIND_DATASEC) : -1;
  size_t imageSize = 0;
  uint8_t *image = map ? (uint8_t *)bpf_map__initial_value(map, &imageSize) : nullptr;
  if (map == nullptr || secId < 0 || image == nullptr) {
    Throw(env, kOpen, "rodata settings given, but the object has no `const volatile` variables (.rodata); remove the rodata option");
  }
  const btf_type *sec = btf__type_by_id(b, secId);
  for (uint32_t i = 0; i < names.Length(); i++) {
    std::string name = names.Get(i).As<Napi::String>();
    const btf_var_secinfo *vi = btf_var_secinfos(sec);
    const btf_var_secinfo *found = nullptr;
    std::string known;
    for (int j = 0; j < btf_vlen(sec); j++, vi++) {
      const char *vn = btf__name_by_offset(b, btf__type_by_id(b, vi->type)->name_off);
      if (name == vn) found = vi;
      known += (known.empty() ? "" : ", ") + std::string(vn);
    }
    if (found == nullptr) Throw(env, kOpen, "rodata." + name + ": no such `const volatile` variable; known: " + known);
    if (found->size != 1 && found->size != 2 && found->size != 4 && found->size != 8) {
      Throw(env, kOpen, "rodata." + name + ": has " + std::to_string(found->size) + " bytes; only 1, 2, 4 and 8-byte integers can be set");
    }
    if (found->offset + found->size > imageSize) Throw(env, kOpen, "rodata." + name + ": offset outside the .rodata image");
    const btf_type *var = btf__type_by_id(b, found->type);
    std::string why;
    if (!ToBytes(settings.Get(name), found->size, IsSignedInt(b, var->type), image + found->offset, why)) {
      Throw(env, kOpen, "rodata." + name + ": " + why);
    }
  }
}

}  // namespace lumen
