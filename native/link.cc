// Detach logic of each link kind, and the per-interface registry of clsact hooks we created.
#include "link.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <map>
#include <mutex>

namespace lumen {
namespace {

struct HookState {
  bool created = false;  // true when our bpf_tc_hook_create made the clsact qdisc
  int users = 0;
};
std::map<int, HookState> gHooks;  // ifindex -> state, shared by every environment (worker threads)
std::mutex gHooksMu;

}  // namespace

SocketLink::~SocketLink() {
  if (fd_ >= 0) close(fd_);
}

TcxLink::~TcxLink() {
  if (fd_ >= 0) close(fd_);
}

int TcLink::AcquireHook(int ifindex) {
  std::lock_guard<std::mutex> g(gHooksMu);
  auto it = gHooks.find(ifindex);
  if (it != gHooks.end() && it->second.users > 0) {
    it->second.users++;
    return 0;
  }
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = (bpf_tc_attach_point)(BPF_TC_INGRESS | BPF_TC_EGRESS));
  int err = bpf_tc_hook_create(&hook);
  if (err != 0 && err != -EEXIST) return err;
  gHooks[ifindex] = HookState{err == 0, 1};
  return 0;
}

void TcLink::ReleaseHook(int ifindex) {
  std::lock_guard<std::mutex> g(gHooksMu);
  auto it = gHooks.find(ifindex);
  if (it == gHooks.end()) return;
  if (--it->second.users > 0) return;
  if (it->second.created) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = (bpf_tc_attach_point)(BPF_TC_INGRESS | BPF_TC_EGRESS));
    bpf_tc_hook_destroy(&hook);  // fails harmlessly when the interface is already gone
  }
  gHooks.erase(it);
}

TcLink::~TcLink() {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex_, .attach_point = point_);
  LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle_, .priority = priority_);
  bpf_tc_detach(&hook, &opts);
  ReleaseHook(ifindex_);
}

ProgAttachLink::~ProgAttachLink() { bpf_prog_detach2(progFd_, targetFd_, type_); }

}  // namespace lumen
