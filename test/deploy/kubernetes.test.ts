/**
 * deploy/kubernetes: every manifest and every overlay's `kubectl kustomize` output validates against the
 * Kubernetes OpenAPI schemas (kubernetes-models); each rendered DaemonSet grants exactly the capabilities and
 * mounts `lumen doctor` wants for the receivers its ConfigMap's pipelines.yaml runs (src/bpf/features: the
 * capability list and BPF_MOUNTS; the receivers' needs.ts), and that pipelines.yaml passes `lumen validate`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, needTools } from './support/podman.js';
import { CONTAINER_MOUNTS, containerCapabilities } from './support/deployment.js';
import { kustomize, parseObjects, validateObject, type K8sObject } from './support/kubernetes.js';

const K8S = join(ROOT, 'deploy/kubernetes');
const DIRS = ['base', ...readdirSync(join(K8S, 'overlays')).map((d) => `overlays/${d}`)];
const skip = needTools('kubectl');

test('every manifest a kustomization lists validates against the Kubernetes schemas', async () => {
  let checked = 0;
  for (const dir of DIRS) {
    const k = parse(readFileSync(join(K8S, dir, 'kustomization.yaml'), 'utf8')) as { resources?: string[] };
    for (const file of (k.resources ?? []).filter((r) => r.endsWith('.yaml'))) {
      for (const o of parseObjects(readFileSync(join(K8S, dir, file), 'utf8'), `${dir}/${file}`)) {
        await validateObject(o, `${dir}/${file}`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 5, `${checked} manifests`);
});

interface Container {
  name: string;
  args?: string[];
  securityContext?: { privileged?: boolean; capabilities?: { add?: string[]; drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  hostPID?: boolean;
  containers: Container[];
  volumes?: { name: string; hostPath?: { path: string }; configMap?: { name: string } }[];
}

for (const dir of DIRS) {
  test(`kubectl kustomize ${dir}: valid objects; the DaemonSet's capabilities and mounts are the doctor's for its receivers`, { skip }, async () => {
    const objects = kustomize(join(K8S, dir));
    for (const o of objects) await validateObject(o, dir);

    const ds = objects.find((o) => o.kind === 'DaemonSet') as K8sObject & { spec: { template: { spec: PodSpec } } };
    const pod = ds.spec.template.spec;
    const [lumen] = pod.containers;
    const configVolume = pod.volumes?.find((v) => v.configMap)?.configMap?.name;
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configVolume) as K8sObject & { data: Record<string, string> };
    assert.ok(cm, `the DaemonSet mounts ConfigMap ${configVolume}, which the overlay renders`);

    // The configuration is one `lumen validate` accepts.
    const file = join(mkdtempSync(join(tmpdir(), 'lumen-k8s-')), 'pipelines.yaml');
    writeFileSync(file, cm.data['pipelines.yaml']!);
    const v = spawnSync(process.execPath, [join(ROOT, 'bin/lumen.js'), 'validate', '-c', file], { encoding: 'utf8' });
    assert.equal(v.status, 0, `${dir} pipelines.yaml: ${v.stdout}${v.stderr}`);

    // Capabilities: exactly what the configured receivers need in a container, not privileged.
    const receivers = Object.keys((parse(cm.data['pipelines.yaml']!) as { receivers: object }).receivers);
    const sc = lumen!.securityContext!;
    assert.equal(sc.privileged ?? false, false);
    assert.deepEqual(sc.capabilities?.drop, ['ALL']);
    assert.deepEqual((sc.capabilities?.add ?? []).map((c) => `CAP_${c}`).sort(), containerCapabilities(receivers).sort(),
      `${dir}: receivers ${receivers.join(', ')}`);

    // Mounts: the host file systems lumen doctor checks, each at its own path; the host's PID namespace.
    assert.equal(pod.hostPID, true);
    const hostPaths = (pod.volumes ?? []).filter((v) => v.hostPath);
    assert.deepEqual(hostPaths.map((v) => v.hostPath!.path).sort(), [...CONTAINER_MOUNTS].sort());
    for (const v of hostPaths) {
      assert.equal(lumen!.volumeMounts?.find((m) => m.name === v.name)?.mountPath, v.hostPath!.path, `${v.name} mounted where the host has it`);
    }
    assert.deepEqual(lumen!.args?.slice(0, 3), ['run', '-c', '/etc/lumen/pipelines.yaml']);
  });
}
