// Attaching programs: by section, tracepoints, uprobes, socket filters, TC clsact, cgroups, sockmap verdicts.
// Each returns a link id; NativeObject owns the Link until Detach() or Close().
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/magic.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "errors.h"
#include "link.h"
#include "object.h"
#include "tc.h"

namespace lumen {
namespace {

std::string Describe(bpf_program *p) {
  return "program '" + std::string(bpf_program__name(p)) + "' (SEC(\"" + bpf_program__section_name(p) + "\"))";
}

// Throws the right coded error for a failed attach; `what` names the target.
[[noreturn]] void AttachFailed(Napi::Env env, bpf_program *p, const std::string &what, int err, const LogCapture &log) {
  std::string detail = log.LastLine();
  std::string msg = "attaching " + Describe(p) + " to " + what + " failed: " + ErrnoText(err);
  if (!detail.empty()) msg += "; libbpf: " + detail;
  if (IsPermissionErrno(err)) Throw(env, kPermission, msg + "; " + PermissionHint(), err);
  Throw(env, kAttach, msg, err);
}

const char *HowToAttach(bpf_prog_type t) {
  switch (t) {
    case BPF_PROG_TYPE_SOCKET_FILTER: return "attachSocketFilter(program, ifname)";
    case BPF_PROG_TYPE_SCHED_CLS: return "attachTc(program, ifname, 'ingress' | 'egress')";
    case BPF_PROG_TYPE_SOCK_OPS:
    case BPF_PROG_TYPE_CGROUP_SKB:
    case BPF_PROG_TYPE_CGROUP_SOCK:
    case BPF_PROG_TYPE_CGROUP_SOCK_ADDR: return "attachCgroup(program, cgroupPath)";
    case BPF_PROG_TYPE_SK_MSG:
    case BPF_PROG_TYPE_SK_SKB: return "attachSkMsg(program, sockmapName)";
    case BPF_PROG_TYPE_KPROBE: return "attachUprobe(program, { binary, symbol | offset })";
    case BPF_PROG_TYPE_TRACEPOINT: return "attachTracepoint(program, category, name)";
    default: return "a SEC() that names its attach point";
  }
}

std::string Hex(unsigned v) {
  char b[16];
  snprintf(b, sizeof b, "%x", v);
  return b;
}

std::string Str(const Napi::CallbackInfo &info, size_t i, const char *what) {
  if (info.Length() <= i || !info[i].IsString()) Throw(info.Env(), kAttach, std::string(what) + " must be a string");
  return info[i].As<Napi::String>();
}

}  // namespace

Napi::Value NativeObject::AddLink(Napi::Env env, std::unique_ptr<Link> link) {
  int id = nextId_++;
  links_[id] = std::move(link);
  return Napi::Number::New(env, id);
}

Napi::Value NativeObject::Attach(const Napi::CallbackInfo &info) {
  bpf_program *p = Program(info.Env(), Str(info, 0, "program"));
  LogCapture log;
  bpf_link *l = bpf_program__attach(p);
  if (l == nullptr) {
    int err = errno;
    if (err == EOPNOTSUPP) {
      Throw(info.Env(), kAttach, Describe(p) + " cannot be attached by its section alone; use " + HowToAttach(bpf_program__type(p)), err);
    }
    AttachFailed(info.Env(), p, "its section's attach point", err, log);
  }
  return AddLink(info.Env(), std::make_unique<LibbpfLink>(bpf_program__name(p), l));
}

Napi::Value NativeObject::AttachTracepoint(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  bpf_program *p = Program(env, Str(info, 0, "program"));
  std::string cat = Str(info, 1, "category"), name = Str(info, 2, "name");
  LogCapture log;
  bpf_link *l = nullptr;
  std::string what = "tracepoint " + cat + "/" + name;
  switch (bpf_program__type(p)) {
    case BPF_PROG_TYPE_TRACEPOINT: l = bpf_program__attach_tracepoint(p, cat.c_str(), name.c_str()); break;
    case BPF_PROG_TYPE_RAW_TRACEPOINT: what = "raw tracepoint " + name; l = bpf_program__attach_raw_tracepoint(p, name.c_str()); break;
    case BPF_PROG_TYPE_TRACING: {
      // tp_btf: the target is fixed at load time by SEC("tp_btf/<name>").
      std::string sec = bpf_program__section_name(p);
      if (sec.rfind("tp_btf/", 0) != 0 || sec.substr(7) != name) {
        Throw(env, kAttach, Describe(p) + " is bound at load time to its SEC() target; it cannot attach to " + what);
      }
      l = bpf_program__attach(p);
      break;
    }
    default: Throw(env, kAttach, Describe(p) + " is not a tracepoint program; use " + HowToAttach(bpf_program__type(p)));
  }
  if (l == nullptr) {
    int err = errno;
    if (err == ENOENT) {
      Throw(env, kAttach, what + " does not exist on this kernel (see /sys/kernel/tracing/events/" + cat + "/)", err);
    }
    AttachFailed(env, p, what, err, log);
  }
  return AddLink(env, std::make_unique<LibbpfLink>(bpf_program__name(p), l));
}

Napi::Value NativeObject::AttachUprobe(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  bpf_program *p = Program(env, Str(info, 0, "program"));
  if (info.Length() < 2 || !info[1].IsObject()) Throw(env, kAttach, "uprobe target must be an object { binary, symbol | offset, pid?, retprobe? }");
  Napi::Object t = info[1].As<Napi::Object>();
  if (!t.Get("binary").IsString()) Throw(env, kAttach, "uprobe target.binary must be a path string");
  std::string binary = t.Get("binary").As<Napi::String>();
  bool hasSym = t.Get("symbol").IsString(), hasOff = t.Get("offset").IsNumber();
  if (hasSym == hasOff) Throw(env, kAttach, "uprobe target needs exactly one of symbol (string) or offset (number)");
  std::string sym = hasSym ? t.Get("symbol").As<Napi::String>().Utf8Value() : "";
  double off = hasOff ? t.Get("offset").As<Napi::Number>().DoubleValue() : 0;
  if (hasOff && (off < 0 || off != (double)(size_t)off)) Throw(env, kAttach, "uprobe target.offset must be a non-negative integer file offset");
  int pid = t.Get("pid").IsNumber() ? t.Get("pid").As<Napi::Number>().Int32Value() : -1;
  bool ret = t.Get("retprobe").ToBoolean();
  if (bpf_program__type(p) != BPF_PROG_TYPE_KPROBE) Throw(env, kAttach, Describe(p) + " is not a uprobe program; use " + HowToAttach(bpf_program__type(p)));
  if (binary.find('/') != std::string::npos && access(binary.c_str(), R_OK) != 0) {
    Throw(env, kAttach, "uprobe binary " + binary + " cannot be read: " + ErrnoText(errno), errno);
  }
  bpf_uprobe_opts opts{};
  opts.sz = sizeof opts;
  opts.retprobe = ret;
  opts.func_name = hasSym ? sym.c_str() : nullptr;
  LogCapture log;
  bpf_link *l = bpf_program__attach_uprobe_opts(p, pid, binary.c_str(), hasOff ? (size_t)off : 0, &opts);
  std::string what = std::string(ret ? "uretprobe " : "uprobe ") + binary + ":" + (hasSym ? sym : std::to_string((size_t)off)) +
                     (pid >= 0 ? " pid " + std::to_string(pid) : "");
  if (l == nullptr) {
    int err = errno;
    if (hasSym && err == ENOENT) {
      Throw(env, kSymbol, "symbol '" + sym + "' not found in " + binary + " (neither .symtab nor .dynsym has it; for stripped binaries pass a file offset)", err);
    }
    if (err == ESRCH) Throw(env, kAttach, what + ": no process " + std::to_string(pid), err);
    AttachFailed(env, p, what, err, log);
  }
  return AddLink(env, std::make_unique<LibbpfLink>(bpf_program__name(p), l));
}

Napi::Value NativeObject::AttachSocketFilter(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  bpf_program *p = Program(env, Str(info, 0, "program"));
  std::string ifname = Str(info, 1, "ifname");
  if (bpf_program__type(p) != BPF_PROG_TYPE_SOCKET_FILTER) Throw(env, kAttach, Describe(p) + " is not a socket filter; use " + HowToAttach(bpf_program__type(p)));
  unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) Throw(env, kAttach, "no network interface named '" + ifname + "' (see `ip link`)", errno);
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
  if (fd < 0) {
    int err = errno;
    if (IsPermissionErrno(err)) Throw(env, kPermission, "opening an AF_PACKET socket needs CAP_NET_RAW: " + ErrnoText(err), err);
    Throw(env, kAttach, "socket(AF_PACKET) failed: " + ErrnoText(err), err);
  }
  int small = 1;  // the filter counts; nothing is read from this socket, so keep its receive queue minimal
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = (int)ifindex;
  int progFd = bpf_program__fd(p);
  if (bind(fd, (sockaddr *)&sll, sizeof sll) != 0 || setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, &progFd, sizeof progFd) != 0) {
    int err = errno;
    close(fd);
    LogCapture none;
    AttachFailed(env, p, "AF_PACKET socket on " + ifname, err, none);
  }
  return AddLink(env, std::make_unique<SocketLink>(bpf_program__name(p), fd));
}

// (program, ifname, direction, { legacy? }) → { id, mode: 'tcx' | 'clsact', removedStale }.
// tcx first: the link dies with its fd, so a killed agent leaves nothing on the interface. Without tcx (kernel
// < 6.6, or legacy: true), a clsact filter in Lumen's own slot; one a killed agent left there is removed first.
Napi::Value NativeObject::AttachTc(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  bpf_program *p = Program(env, Str(info, 0, "program"));
  std::string ifname = Str(info, 1, "ifname"), dir = Str(info, 2, "direction");
  bool legacy = info.Length() > 3 && info[3].IsObject() && info[3].As<Napi::Object>().Get("legacy").ToBoolean();
  if (dir != "ingress" && dir != "egress") Throw(env, kAttach, "TC direction must be 'ingress' or 'egress', got '" + dir + "'");
  if (bpf_program__type(p) != BPF_PROG_TYPE_SCHED_CLS) Throw(env, kAttach, Describe(p) + " is not a TC classifier (SEC(\"tc\")); use " + HowToAttach(bpf_program__type(p)));
  int ifindex = (int)if_nametoindex(ifname.c_str());
  if (ifindex == 0) Throw(env, kAttach, "no network interface named '" + ifname + "' (see `ip link`)", errno);
  LogCapture log;
  Napi::Object out = Napi::Object::New(env);
  if (!legacy) {
    int fd = TcxAttach(bpf_program__fd(p), ifindex, dir == "ingress");
    if (fd >= 0) {
      out.Set("id", AddLink(env, std::make_unique<TcxLink>(bpf_program__name(p), fd)));
      out.Set("mode", "tcx");
      out.Set("removedStale", 0);
      return out;
    }
    if (!TcxUnsupported(fd)) AttachFailed(env, p, "tcx " + dir + " of " + ifname, -fd, log);
  }
  int err = TcLink::AcquireHook(ifindex);
  if (err != 0) AttachFailed(env, p, "clsact qdisc on " + ifname, -err, log);
  bpf_tc_attach_point point = dir == "ingress" ? BPF_TC_INGRESS : BPF_TC_EGRESS;
  LegacyTcId id = LegacyTcIdOf(bpf_program__name(p));
  int removed = RemoveStaleTcFilter(ifindex, point, bpf_program__name(p), id);
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
  LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(p), .handle = id.handle, .priority = id.priority);
  err = removed < 0 ? removed : bpf_tc_attach(&hook, &opts);
  if (err != 0) {
    TcLink::ReleaseHook(ifindex);
    if (err == -EEXIST) {
      Throw(env, kAttach, "TC " + dir + " of " + ifname + ": Lumen's filter slot (pref " + std::to_string(id.priority) + " handle 0x" + Hex(id.handle) +
                              ") holds another program; remove it with `tc filter del dev " + ifname + " " + dir + " pref " + std::to_string(id.priority) + "`", EEXIST);
    }
    AttachFailed(env, p, "TC " + dir + " of " + ifname, -err, log);
  }
  out.Set("id", AddLink(env, std::make_unique<TcLink>(bpf_program__name(p), ifindex, point, opts.handle, opts.priority)));
  out.Set("mode", "clsact");
  out.Set("removedStale", removed);
  return out;
}

Napi::Value NativeObject::AttachCgroup(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  bpf_program *p = Program(env, Str(info, 0, "program"));
  std::string path = Str(info, 1, "cgroupPath");
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) Throw(env, IsPermissionErrno(errno) ? kPermission : kAttach, "cannot open cgroup " + path + ": " + ErrnoText(errno), errno);
  struct statfs sf {};
  if (fstatfs(fd, &sf) != 0 || sf.f_type != CGROUP2_SUPER_MAGIC) {
    close(fd);
    Throw(env, kAttach, path + " is not a cgroup v2 directory (with hybrid cgroups the v2 tree is /sys/fs/cgroup/unified)");
  }
  LogCapture log;
  bpf_link *l = bpf_program__attach_cgroup(p, fd);
  int err = errno;
  close(fd);
  if (l == nullptr) AttachFailed(env, p, "cgroup " + path, err, log);
  return AddLink(env, std::make_unique<LibbpfLink>(bpf_program__name(p), l));
}

Napi::Value NativeObject::AttachSkMsg(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  bpf_program *p = Program(env, Str(info, 0, "program"));
  bpf_map *m = Map(env, Str(info, 1, "mapName"));
  bpf_map_type mt = bpf_map__type(m);
  if (mt != BPF_MAP_TYPE_SOCKHASH && mt != BPF_MAP_TYPE_SOCKMAP) Throw(env, kAttach, std::string("map '") + bpf_map__name(m) + "' is not a sockmap or sockhash");
  bpf_attach_type at;
  bpf_prog_type pt = bpf_program__type(p);
  if (pt == BPF_PROG_TYPE_SK_MSG) at = BPF_SK_MSG_VERDICT;
  else if (pt == BPF_PROG_TYPE_SK_SKB) at = bpf_program__expected_attach_type(p);
  else Throw(env, kAttach, Describe(p) + " is not an sk_msg/sk_skb program; use " + HowToAttach(pt));
  int progFd = bpf_program__fd(p), mapFd = bpf_map__fd(m);
  if (bpf_prog_attach(progFd, mapFd, at, 0) != 0) {
    int err = errno;
    LogCapture none;
    AttachFailed(env, p, std::string("sockmap '") + bpf_map__name(m) + "'", err, none);
  }
  return AddLink(env, std::make_unique<ProgAttachLink>(bpf_program__name(p), progFd, mapFd, at));
}

}  // namespace lumen
