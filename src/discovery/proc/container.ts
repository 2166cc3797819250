/**
 * Container id from /proc/PID/cgroup. The cgroup path layouts of Docker, containerd/CRI-O (systemd or cgroupfs
 * drivers), Kubernetes and nested cgroup namespaces all end in a 64-hex-digit id, or carry it in a
 * `<runtime>-<id>.scope` unit name. Returns undefined for processes outside containers.
 */
const SCOPE = /[-/]([0-9a-f]{64})\.scope(?:\/|$)/i;
const BARE = /\/([0-9a-f]{64})(?:\/|$)/i;
const KUBEPODS = /kubepods.*?([0-9a-f]{64})/i;

export function containerIdFromCgroup(text: string): string | undefined {
  for (const line of text.split('\n')) {
    // "hierarchy-id:controllers:path"; cgroup v2 is "0::/path"
    const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
    if (path === '' || path === '/') continue;
    const m = SCOPE.exec(path) ?? KUBEPODS.exec(path) ?? BARE.exec(path);
    if (m) return m[1]!.toLowerCase();
  }
  return undefined;
}
