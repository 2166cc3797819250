// Map operations: info, lookup, update, delete, keys, and lookup-and-delete in batches (with a fallback).
// Per-CPU maps: values are round_up(value_size, 8) * possible CPUs bytes, as the kernel lays them out.
#include <bpf/bpf.h>

#include <algorithm>
#include <vector>

#include "errors.h"
#include "object.h"

namespace lumen {
namespace {

bool IsPerCpu(bpf_map_type t) {
  return t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
         t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

bool IsArray(bpf_map_type t) {
  return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PROG_ARRAY ||
         t == BPF_MAP_TYPE_PERF_EVENT_ARRAY || t == BPF_MAP_TYPE_CGROUP_ARRAY || t == BPF_MAP_TYPE_ARRAY_OF_MAPS;
}

struct MapView {
  bpf_map *map;
  int fd;
  bpf_map_type type;
  size_t keySize, valueSize, fullValueSize;
  std::string name;
};

MapView View(bpf_map *m) {
  MapView v{m, bpf_map__fd(m), bpf_map__type(m), bpf_map__key_size(m), bpf_map__value_size(m), 0, bpf_map__name(m)};
  v.fullValueSize = IsPerCpu(v.type) ? ((v.valueSize + 7) / 8 * 8) * (size_t)libbpf_num_possible_cpus() : v.valueSize;
  return v;
}

const uint8_t *Key(Napi::Env env, const MapView &v, Napi::Value k) {
  if (!k.IsBuffer()) Throw(env, kMap, "map '" + v.name + "': key must be a Buffer of " + std::to_string(v.keySize) + " bytes");
  auto b = k.As<Napi::Buffer<uint8_t>>();
  if (b.Length() != v.keySize) {
    Throw(env, kMap, "map '" + v.name + "': key has " + std::to_string(b.Length()) + " bytes, the map's keys have " + std::to_string(v.keySize));
  }
  return b.Data();
}

[[noreturn]] void MapFailed(Napi::Env env, const MapView &v, const char *op, int err) {
  std::string msg = "map '" + v.name + "': " + op + " failed: " + ErrnoText(err);
  if (err == E2BIG) msg += "; the map is full (raise its size with mapSizes)";
  if (IsPermissionErrno(err)) Throw(env, kPermission, msg + "; " + PermissionHint(), err);
  Throw(env, kMap, msg, err);
}

Napi::Value ToBuffer(Napi::Env env, std::vector<uint8_t> *v) {
  if (v->empty()) {
    delete v;
    return Napi::Buffer<uint8_t>::New(env, 0);
  }
  return Napi::Buffer<uint8_t>::New(env, v->data(), v->size(), [](Napi::Env, uint8_t *, std::vector<uint8_t> *h) { delete h; }, v);
}

}  // namespace

Napi::Value NativeObject::MapInfo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  MapView v = View(Map(env, info[0].ToString()));
  Napi::Object o = Napi::Object::New(env);
  const char *t = libbpf_bpf_map_type_str(v.type);
  o.Set("name", v.name);
  o.Set("type", t ? t : "unknown");
  o.Set("keySize", (double)v.keySize);
  o.Set("valueSize", (double)v.valueSize);
  o.Set("maxEntries", (double)bpf_map__max_entries(v.map));
  o.Set("perCpu", IsPerCpu(v.type));
  o.Set("possibleCpus", libbpf_num_possible_cpus());
  return o;
}

Napi::Value NativeObject::MapLookup(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  MapView v = View(Map(env, info[0].ToString()));
  const uint8_t *key = Key(env, v, info[1]);
  auto out = Napi::Buffer<uint8_t>::New(env, v.fullValueSize);
  if (bpf_map_lookup_elem(v.fd, key, out.Data()) != 0) {
    if (errno == ENOENT) return env.Undefined();
    MapFailed(env, v, "lookup", errno);
  }
  return out;
}

Napi::Value NativeObject::MapUpdate(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  MapView v = View(Map(env, info[0].ToString()));
  const uint8_t *key = Key(env, v, info[1]);
  if (!info[2].IsBuffer()) Throw(env, kMap, "map '" + v.name + "': value must be a Buffer");
  auto val = info[2].As<Napi::Buffer<uint8_t>>();
  std::string fl = info.Length() > 3 && info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "any";
  __u64 flags = fl == "any" ? (__u64)BPF_ANY : fl == "noexist" ? (__u64)BPF_NOEXIST : fl == "exist" ? (__u64)BPF_EXIST : ~0ull;
  if (flags == ~0ull) Throw(env, kMap, "map '" + v.name + "': update flags must be 'any', 'noexist' or 'exist', got '" + fl + "'");
  const uint8_t *data = val.Data();
  std::vector<uint8_t> spread;
  if (val.Length() != v.fullValueSize) {
    if (!IsPerCpu(v.type) || val.Length() != v.valueSize) {
      Throw(env, kMap, "map '" + v.name + "': value has " + std::to_string(val.Length()) + " bytes, expected " + std::to_string(v.valueSize) +
                           (IsPerCpu(v.type) ? " (one value for every CPU) or " + std::to_string(v.fullValueSize) + " (per CPU)" : ""));
    }
    size_t stride = (v.valueSize + 7) / 8 * 8;  // one value given for a per-CPU map: the same on every CPU
    spread.assign(v.fullValueSize, 0);
    for (size_t off = 0; off < v.fullValueSize; off += stride) std::copy(data, data + v.valueSize, spread.begin() + off);
    data = spread.data();
  }
  if (bpf_map_update_elem(v.fd, key, data, flags) != 0) {
    int err = errno;
    if (err == EEXIST) Throw(env, kMap, "map '" + v.name + "': key already exists (flags 'noexist')", err);
    if (err == ENOENT && flags == BPF_EXIST) Throw(env, kMap, "map '" + v.name + "': key does not exist (flags 'exist')", err);
    MapFailed(env, v, "update", err);
  }
  return env.Undefined();
}

Napi::Value NativeObject::MapDelete(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  MapView v = View(Map(env, info[0].ToString()));
  const uint8_t *key = Key(env, v, info[1]);
  if (IsArray(v.type)) Throw(env, kMap, "map '" + v.name + "' is an array: its entries cannot be deleted (write zeros with update instead)");
  if (bpf_map_delete_elem(v.fd, key) != 0) {
    if (errno == ENOENT) return Napi::Boolean::New(env, false);
    MapFailed(env, v, "delete", errno);
  }
  return Napi::Boolean::New(env, true);
}

Napi::Value NativeObject::MapKeys(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  MapView v = View(Map(env, info[0].ToString()));
  Napi::Array out = Napi::Array::New(env);
  std::vector<uint8_t> cur(v.keySize), next(v.keySize);
  uint32_t limit = bpf_map__max_entries(v.map), n = 0;
  bool first = true;
  while (n < limit) {
    if (bpf_map_get_next_key(v.fd, first ? nullptr : cur.data(), next.data()) != 0) {
      if (errno == ENOENT) break;
      MapFailed(env, v, "iteration", errno);
    }
    first = false;
    out.Set(n++, Napi::Buffer<uint8_t>::Copy(env, next.data(), next.size()));
    cur.swap(next);
  }
  return out;
}

// Returns [keys: Buffer, values: Buffer, count]: entries back to back, split in TS with subarray().
Napi::Value NativeObject::MapLookupAndDeleteBatch(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  MapView v = View(Map(env, info[0].ToString()));
  double maxArg = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : -1;
  size_t max = maxArg >= 0 ? (size_t)maxArg : SIZE_MAX;
  if (IsArray(v.type)) Throw(env, kMap, "map '" + v.name + "' is an array: entries cannot be deleted; read it with keys()/lookup()");
  auto *keys = new std::vector<uint8_t>();
  auto *vals = new std::vector<uint8_t>();
  size_t total = 0, chunk = std::min<size_t>(std::max<size_t>(bpf_map__max_entries(v.map), 1), 1024);
  std::vector<uint8_t> inTok(std::max<size_t>(v.keySize, 8)), outTok(inTok.size());
  bool first = true, fallback = false;
  DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
  const size_t maxEntries = std::max<size_t>(bpf_map__max_entries(v.map), 1);
  size_t need = 0;  // the smallest request that fits the bucket the kernel could not split
  while (total < max) {
    // A batch returns whole hash buckets only. When the room left under `max` is smaller than the next
    // bucket, the kernel answers ENOSPC: with nothing taken yet, grow the request; otherwise stop there.
    size_t want = std::max(std::min(chunk, max - total), need);
    __u32 count = (__u32)std::min(want, maxEntries);
    const size_t asked = count;  // the kernel overwrites count with what it returned
    keys->resize((total + count) * v.keySize);
    vals->resize((total + count) * v.fullValueSize);
    int ret = bpf_map_lookup_and_delete_batch(v.fd, first ? nullptr : inTok.data(), outTok.data(), keys->data() + total * v.keySize,
                                              vals->data() + total * v.fullValueSize, &count, &opts);
    int err = ret != 0 ? errno : 0;
    bool refused = err == EINVAL || err == ENOTSUP || err == EOPNOTSUPP || err == 524 /* ENOTSUPP */;
    if (first && total == 0 && refused) { fallback = true; break; }  // count is not meaningful then
    total += count;
    if (err == ENOENT) break;  // the whole map was walked
    if (err == ENOSPC && count == 0) {
      if (total > 0 || asked >= maxEntries) break;  // returning fewer than `max` beats splitting a bucket
      need = asked * 2;  // nothing taken yet: ask for more than `max` (one bucket's worth) rather than nothing
      continue;
    }
    if (err == 0 && count == 0) break;  // no progress: never spin
    if (err != 0) {
      delete keys;
      delete vals;
      MapFailed(env, v, "lookup-and-delete batch", err);
    }
    inTok.swap(outTok);
    first = false;
  }
  if (fallback) {  // the kernel or this map type refuses batches: walk the keys, then look up and delete each
    total = 0;
    std::vector<uint8_t> all, cur(v.keySize), next(v.keySize);
    size_t n = 0, limit = std::min<size_t>(max, bpf_map__max_entries(v.map));
    for (bool f = true; n < limit && bpf_map_get_next_key(v.fd, f ? nullptr : cur.data(), next.data()) == 0; f = false, n++) {
      all.insert(all.end(), next.begin(), next.end());
      cur.swap(next);
    }
    keys->resize(n * v.keySize);
    vals->resize(n * v.fullValueSize);
    for (size_t i = 0; i < n; i++) {
      const uint8_t *k = all.data() + i * v.keySize;
      if (bpf_map_lookup_elem(v.fd, k, vals->data() + total * v.fullValueSize) != 0) continue;  // deleted meanwhile
      if (bpf_map_delete_elem(v.fd, k) != 0 && errno != ENOENT) {
        delete keys;
        delete vals;
        MapFailed(env, v, "delete", errno);
      }
      std::copy(k, k + v.keySize, keys->begin() + total * v.keySize);
      total++;
    }
  }
  keys->resize(total * v.keySize);
  vals->resize(total * v.fullValueSize);
  Napi::Array out = Napi::Array::New(env, 3);
  out.Set(0u, ToBuffer(env, keys));
  out.Set(1u, ToBuffer(env, vals));
  out.Set(2u, (double)total);
  return out;
}

}  // namespace lumen
