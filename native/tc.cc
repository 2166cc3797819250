// tcx links and the legacy clsact filters' stale-filter cleanup (see tc.h).
#include "tc.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

namespace lumen {
namespace {

constexpr int kBpfTcxIngress = 46;  // enum bpf_attach_type, linux/bpf.h >= 6.6
constexpr int kBpfTcxEgress = 47;
constexpr __u32 kLumenHandle = 0x4c4d;  // "LM": marks Lumen's legacy filters

}  // namespace

int TcxAttach(int progFd, int ifindex, bool ingress) {
  // target_fd and target_ifindex share the same field of the link_create attributes.
  int fd = bpf_link_create(progFd, ifindex, (bpf_attach_type)(ingress ? kBpfTcxIngress : kBpfTcxEgress), nullptr);
  return fd >= 0 ? fd : -errno;
}

bool TcxUnsupported(int err) { return err == -EINVAL || err == -EOPNOTSUPP || err == -ENOTSUP || err == -E2BIG; }

LegacyTcId LegacyTcIdOf(const std::string &program) {
  __u32 h = 2166136261u;  // FNV-1a: the same name gives the same priority in every run
  for (unsigned char c : program) h = (h ^ c) * 16777619u;
  return LegacyTcId{kLumenHandle, 0xC000u + h % 0x3FFFu};  // 0xC000..0xFFFE: far from tc's usual small priorities
}

int RemoveStaleTcFilter(int ifindex, bpf_tc_attach_point point, const std::string &program, LegacyTcId id) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
  LIBBPF_OPTS(bpf_tc_opts, q, .handle = id.handle, .priority = id.priority);
  int err = bpf_tc_query(&hook, &q);
  if (err == -ENOENT || err == -EINVAL) return 0;  // no filter in that slot (EINVAL: no clsact qdisc)
  if (err != 0) return err;
  int fd = bpf_prog_get_fd_by_id(q.prog_id);
  if (fd < 0) return -errno;
  bpf_prog_info info{};
  __u32 len = sizeof info;
  err = bpf_obj_get_info_by_fd(fd, &info, &len);
  close(fd);
  if (err != 0) return -errno;
  // The kernel keeps BPF_OBJ_NAME_LEN - 1 characters of a program name.
  if (strncmp(info.name, program.c_str(), sizeof info.name - 1) != 0) return -EEXIST;
  LIBBPF_OPTS(bpf_tc_opts, d, .handle = id.handle, .priority = id.priority);
  err = bpf_tc_detach(&hook, &d);
  return err == 0 ? 1 : err;
}

}  // namespace lumen
