// TC attachment helpers: tcx links where the kernel has them, and Lumen's own legacy clsact filters otherwise.
#pragma once
#include <bpf/libbpf.h>

#include <string>

namespace lumen {

// bpf_link_create(BPF_TCX_INGRESS/EGRESS) on ifindex: a link fd (>= 0) or -errno. Kernels before 6.6 answer
// -EINVAL (unknown attach type); Debian 12's headers predate the enum, so the values are spelled here.
int TcxAttach(int progFd, int ifindex, bool ingress);

// True for the errors that mean "this kernel has no tcx" (then the legacy clsact path is used).
bool TcxUnsupported(int err);

// Legacy clsact filters carry a fixed handle and a priority derived from the program name, so a later start
// can find the filter a killed agent left behind (the kernel keeps it, and its maps, after the process died).
struct LegacyTcId {
  __u32 handle, priority;
};
LegacyTcId LegacyTcIdOf(const std::string &program);

// Removes the filter at `id` on the hook if its program has `program`'s name; returns 1 when removed, 0 when
// there was none, -EEXIST when a foreign program holds the slot, or -errno.
int RemoveStaleTcFilter(int ifindex, bpf_tc_attach_point point, const std::string &program, LegacyTcId id);

}  // namespace lumen
