/**
 * The identity of an observed process, as OpenTelemetry resource attributes will carry it.
 * One Service object exists per instrumented process (interned by src/discovery), so
 * spans compare and group by reference.
 */
export type Language =
  | 'go' | 'java' | 'nodejs' | 'python' | 'ruby' | 'dotnet' | 'cpp' | 'rust' | 'php' | 'unknown';

export interface ProcessInfo {
  readonly pid: number;
  /** Absolute path of the executable (/proc/PID/exe), '' when unreadable. */
  readonly exe: string;
  /** argv joined by spaces. */
  readonly cmdline: string;
  readonly language: Language;
  /** Container id from /proc/PID/cgroup, when the process runs in a container. */
  readonly containerId?: string;
}

export interface Service {
  /** service.name */
  readonly name: string;
  /** service.namespace ('' when unknown). */
  readonly namespace: string;
  /** service.instance.id: `<hostname>:<pid>` */
  readonly instanceId: string;
  readonly process: ProcessInfo;
  /** Extra resource attributes: the process's own OTEL_RESOURCE_ATTRIBUTES, k8s.* when known. */
  readonly attributes: Readonly<Record<string, string>>;
}
