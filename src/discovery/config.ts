import type { JsonSchema } from '../component/contract.js';
import type { Language } from '../model/service.js';
import { COMMAND_LINE_MODES, type CommandLineMode } from './command-line.js';

/**
 * The shared `discovery:` section of pipelines.yaml: which processes every receiver instruments.
 *
 * Selection (see README.md):
 *   selected = (some `instrument` entry matches)
 *              AND NOT (some `exclude_instrument` entry matches)
 *              AND NOT (the first matching instrument entry is *implicit* AND some `default_exclude_instrument` entry matches)
 * An entry is *explicit* when it names processes (`exe_path`, `cmd_args` or `target_pids`); default exclusions
 * (system daemons, other agents) never hide a process a user named that way. Lumen's own process is always excluded.
 * Inside one entry all selectors must match (AND); entries are alternatives (OR).
 */

export const LANGUAGES: readonly Language[] = ['go', 'java', 'nodejs', 'python', 'ruby', 'dotnet', 'cpp', 'rust', 'php', 'unknown'];

/** Selectors usable in `instrument`, `exclude_instrument` and `default_exclude_instrument` entries. */
export interface ProcessSelector {
  /** Listening TCP ports, "80,443,8000-8999" or a single port number. */
  open_ports?: string | number;
  /** Glob on the executable's absolute path (`*` also crosses `/`; `{a,b}`, `?`, `[..]`, `!(..)` work). */
  exe_path?: string;
  /** Glob on the command line (argv joined by spaces). */
  cmd_args?: string;
  target_pids?: number[];
  languages?: Language[];
  /** Only processes in a container (a container id in /proc/PID/cgroup, or a PID namespace other than Lumen's). */
  containers_only?: boolean;
}

export interface InstrumentEntry extends ProcessSelector {
  /** service.name for matched processes that do not set OTEL_SERVICE_NAME themselves. */
  name?: string;
  /** service.namespace for matched processes that do not set it in OTEL_RESOURCE_ATTRIBUTES. */
  namespace?: string;
}

export type WatcherMode = 'auto' | 'bpf' | 'poll';

/** The validated section (after defaults). Durations are Go-style strings; parse with parseDuration(). */
export interface DiscoveryConfig {
  instrument: InstrumentEntry[];
  exclude_instrument: ProcessSelector[];
  default_exclude_instrument: ProcessSelector[];
  /** Without the BPF watcher: how often /proc is polled for new, exited and listening processes (the pick-up latency). */
  poll_interval: string;
  /** Full /proc rescan period, a safety net for anything the watcher or the poll missed (e.g. sockets passed between processes). */
  resync_interval: string;
  /** Processes younger than this are considered on a later pass. */
  min_process_age: string;
  /** How process starts, exits and new listeners are noticed: BPF tracepoints, /proc polling, or BPF when it loads. */
  watcher: WatcherMode;
  /** What of a process's command line is exported as process.command_line (docs/security.md). */
  command_line: CommandLineMode;
}

/** Servers Debian installs in /usr/sbin that are applications, not system daemons. */
export const SBIN_APPLICATIONS = ['nginx', 'apache2', 'httpd', 'lighttpd', 'haproxy', 'squid', 'varnishd', 'mysqld', 'mariadbd'];

/**
 * Other Lumen agents, however the CLI was started: `node bin/lumen.js run` (also what `npm start` and the
 * container run), an npm-linked or npx `lumen` (`node …/bin/lumen run`), node flags first, the tests' tsx entry
 * (`lumen-cli.ts`). Node is argv[0] and the script's base name is lumen, lumen.js or lumen-cli.ts: their
 * /metrics scrapes would otherwise fill this agent's output. (A program embedding the library is the user's own
 * service; each agent excludes its own pid.)
 */
export const LUMEN_CLI_CMDLINE = '{*/,}node{,js}{, -*} {*/,}lumen{,.js,-cli.ts}{, *}';

export const DEFAULT_EXCLUDE_INSTRUMENT: readonly ProcessSelector[] = [
  // Observability agents (Lumen itself is also excluded by pid; its CLI run by node by command line).
  { exe_path: '{*/lumen,*/beyla,*/obi,*/ebpf-instrument,*/otelcol,*/otelcol-contrib,*/alloy,*/node-agent}' },
  { cmd_args: LUMEN_CLI_CMDLINE },
  // Container plumbing: docker-proxy would duplicate every published port's traffic.
  { exe_path: '{*/dockerd,*/containerd,*/containerd-shim*,*/docker-proxy,*/kubelet,*/runc}' },
  // System daemons (Beyla's excluded_linux_system_paths), except application servers living in /usr/sbin.
  { exe_path: '{/lib/systemd/*,/usr/lib/systemd/*,/usr/libexec/*}' },
  { exe_path: `{/sbin/,/usr/sbin/}!(${SBIN_APPLICATIONS.join('|')})` },
];

const selectorProperties: Record<string, JsonSchema> = {
  open_ports: {
    description: 'Listening TCP ports, e.g. "80,443,8000-8999" or 8080.',
    anyOf: [{ type: 'string', format: 'port-ranges' }, { type: 'integer', minimum: 1, maximum: 65535 }],
  },
  exe_path: { type: 'string', minLength: 1, description: 'Glob on the executable path, e.g. "*/nginx".' },
  cmd_args: { type: 'string', minLength: 1, description: 'Glob on the command line, e.g. "*http.server*".' },
  target_pids: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 4_194_304 }, minItems: 1 },
  languages: { type: 'array', items: { enum: [...LANGUAGES] }, minItems: 1 },
  containers_only: { type: 'boolean' },
};

const SELECTOR_KEYS = Object.keys(selectorProperties);
/** At least one selector: an entry that selects nothing is almost certainly a mistake. */
const atLeastOneSelector = { anyOf: SELECTOR_KEYS.map((k) => ({ required: [k] })) };

const selectorSchema: JsonSchema = {
  type: 'object', additionalProperties: false, properties: selectorProperties, ...atLeastOneSelector,
};

const instrumentEntrySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...selectorProperties,
    name: { type: 'string', minLength: 1 },
    namespace: { type: 'string' },
  },
  ...atLeastOneSelector,
};

export const discoverySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Which processes the receivers instrument, and their service identity.',
  properties: {
    instrument: { type: 'array', items: instrumentEntrySchema, default: [{ open_ports: '1-65535' }] },
    exclude_instrument: { type: 'array', items: selectorSchema, default: [] },
    default_exclude_instrument: {
      type: 'array', items: selectorSchema, default: DEFAULT_EXCLUDE_INSTRUMENT.map((s) => ({ ...s })),
    },
    poll_interval: { type: 'string', format: 'positive-duration', default: '500ms' },
    resync_interval: { type: 'string', format: 'positive-duration', default: '30s' },
    min_process_age: { type: 'string', format: 'duration', default: '0s' },
    watcher: { enum: ['auto', 'bpf', 'poll'], default: 'auto' },
    command_line: {
      enum: [...COMMAND_LINE_MODES], default: 'off',
      description: 'process.command_line in exported resources: off (command lines carry secrets), redacted (secret-looking values replaced), full.',
    },
  },
};

/** A fresh copy of the defaults (what an absent `discovery:` section means). */
export function defaultDiscoveryConfig(): DiscoveryConfig {
  return {
    instrument: [{ open_ports: '1-65535' }],
    exclude_instrument: [],
    default_exclude_instrument: DEFAULT_EXCLUDE_INSTRUMENT.map((s) => ({ ...s })),
    poll_interval: '500ms',
    resync_interval: '30s',
    min_process_age: '0s',
    watcher: 'auto',
    command_line: 'off',
  };
}
