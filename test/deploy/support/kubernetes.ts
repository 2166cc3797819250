/**
 * Kubernetes objects checked against the Kubernetes OpenAPI schemas, as compiled by the npm package
 * kubernetes-models (Prometheus Operator CRDs: @kubernetes-models/prometheus-operator): types, required fields,
 * enums and formats. Unknown keys pass there, as they do in the OpenAPI schemas; kustomize and the field checks
 * of test/deploy/kubernetes.test.ts catch the ones that matter.
 */
import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** The module of kubernetes-models that holds an apiVersion's kinds. */
function modelModule(apiVersion: string): string {
  if (apiVersion === 'monitoring.coreos.com/v1') return '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
  return `kubernetes-models/${apiVersion}`;
}

/** Throws with the object, kind and the schema's complaint when the object does not validate. */
export async function validateObject(o: K8sObject, where: string): Promise<void> {
  let Model: (new (d: unknown) => { validate(): void }) | undefined;
  try {
    Model = ((await import(modelModule(o.apiVersion))) as Record<string, new (d: unknown) => { validate(): void }>)[o.kind];
  } catch {
    /* unknown apiVersion: reported below */
  }
  if (!Model) throw new Error(`${where}: ${o.apiVersion} ${o.kind} has no schema in kubernetes-models`);
  try {
    new Model(o).validate();
  } catch (e) {
    throw new Error(`${where}: ${o.kind}/${o.metadata?.name}: ${(e as Error).message}`);
  }
}

export function parseObjects(text: string, where: string): K8sObject[] {
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length) throw new Error(`${where}: ${d.errors[0]!.message}`);
    return d.toJS() as K8sObject;
    // kustomize v2 (Debian's kubectl 1.20) leaves an empty document where a `$patch: delete` removed an object.
  }).filter((o) => o !== null && Object.keys(o).length > 0);
}

/** `kubectl kustomize DIR` (Debian's kubernetes-client or any kubectl); its deprecation warnings are on stderr. */
export function kustomize(dir: string): K8sObject[] {
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir}: ${r.stderr}`);
  return parseObjects(r.stdout, dir);
}
