import type { ProcessInfo, Service } from '../model/service.js';
import type { InstrumentEntry } from './config.js';
import type { ProcessRecord } from './record.js';
import { declaredIdentity, parseEnviron } from './proc/environ.js';
import { readProcText } from './proc/process.js';
import { exportedCommandLine, type CommandLineMode } from './command-line.js';

/**
 * The Service of a selected process. Name precedence: the process's own OTEL_SERVICE_NAME /
 * OTEL_RESOURCE_ATTRIBUTES service.name (from /proc/PID/environ), then the entry's `name`, then the
 * executable's base name. Namespace: OTEL_RESOURCE_ATTRIBUTES service.namespace, then the entry's `namespace`.
 */
export function buildService(rec: ProcessRecord, entry: InstrumentEntry, hostName: string, commandLine: CommandLineMode = 'off'): Service {
  const declared = declaredIdentity(parseEnviron(readProcText(rec.pid, 'environ')));
  const containerId = rec.containerId();
  const info: ProcessInfo = Object.freeze({
    pid: rec.pid,
    exe: rec.exe,
    // Only what may be exported: selectors match the full command line on the record, not on the Service.
    cmdline: exportedCommandLine(rec.cmdline, commandLine),
    language: rec.language(),
    ...(containerId !== undefined ? { containerId } : {}),
  });
  return Object.freeze({
    name: declared.name ?? entry.name ?? exeName(rec),
    namespace: declared.namespace ?? entry.namespace ?? '',
    instanceId: `${hostName}:${rec.pid}`,
    process: info,
    attributes: Object.freeze(declared.attributes),
  });
}

function exeName(rec: ProcessRecord): string {
  const base = rec.exe.slice(rec.exe.lastIndexOf('/') + 1);
  if (base !== '') return base;
  return readProcText(rec.pid, 'comm').trim() || `pid-${rec.pid}`;
}
