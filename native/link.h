// Link: one attachment owned by a NativeObject. Destroying it detaches (and frees what it opened).
#pragma once
#include <bpf/libbpf.h>

#include <string>

namespace lumen {

class Link {
 public:
  explicit Link(std::string program) : program_(std::move(program)) {}
  virtual ~Link() = default;
  const std::string &program() const { return program_; }

 private:
  std::string program_;
};

// tracepoint, raw_tp, tp_btf, uprobe, cgroup: a libbpf link (destroy = detach + close fd).
class LibbpfLink : public Link {
 public:
  LibbpfLink(std::string program, bpf_link *link) : Link(std::move(program)), link_(link) {}
  ~LibbpfLink() override { bpf_link__destroy(link_); }

 private:
  bpf_link *link_;
};

// Socket filter: the link owns the AF_PACKET socket; closing it detaches the filter.
class SocketLink : public Link {
 public:
  SocketLink(std::string program, int fd) : Link(std::move(program)), fd_(fd) {}
  ~SocketLink() override;

 private:
  int fd_;
};

// tcx link (kernel >= 6.6): owned by its fd, so the kernel detaches it when the fd closes — also when the
// process is killed. Nothing stays on the interface.
class TcxLink : public Link {
 public:
  TcxLink(std::string program, int fd) : Link(std::move(program)), fd_(fd) {}
  ~TcxLink() override;

 private:
  int fd_;
};

// Legacy TC clsact filter (kernels without tcx); the clsact qdisc is destroyed with the last of our filters
// when we created it. A killed agent leaves it behind: see tc.cc for how the next start finds and removes it.
class TcLink : public Link {
 public:
  TcLink(std::string program, int ifindex, bpf_tc_attach_point point, __u32 handle, __u32 priority)
      : Link(std::move(program)), ifindex_(ifindex), point_(point), handle_(handle), priority_(priority) {}
  ~TcLink() override;
  // Creates (or reuses) the clsact hook on ifindex and counts one user; returns 0 or -errno.
  static int AcquireHook(int ifindex);
  static void ReleaseHook(int ifindex);

 private:
  int ifindex_;
  bpf_tc_attach_point point_;
  __u32 handle_, priority_;
};

// Program attached to a map (sk_msg / sk_skb verdicts on a sockmap/sockhash) with bpf_prog_attach.
class ProgAttachLink : public Link {
 public:
  ProgAttachLink(std::string program, int progFd, int targetFd, bpf_attach_type type)
      : Link(std::move(program)), progFd_(progFd), targetFd_(targetFd), type_(type) {}
  ~ProgAttachLink() override;

 private:
  int progFd_, targetFd_;
  bpf_attach_type type_;
};

}  // namespace lumen
