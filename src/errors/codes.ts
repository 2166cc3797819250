/**
 * Every error code Lumen can report, in one table: the code and a one-line summary. docs/errors.md explains
 * each (what it means, what to do); test/error-catalog.test.ts checks that the two agree and that every code
 * written in the source is listed here.
 */
export const ERROR_CODES = {
  // Configuration (exit 2 from the CLI)
  LUMEN_CONFIG_INVALID: 'the configuration was refused: parse, schema, graph or construction errors',
  LUMEN_INVALID_DURATION: 'a duration is not written like "5s", "100ms" or "1m30s"',
  LUMEN_INVALID_PORT_RANGES: 'a port list is not written like "80,443,8000-8999"',
  LUMEN_INVALID_CIDR: 'a network is not written in CIDR notation',
  LUMEN_ENV_REFERENCE: 'a ${VAR} reference in the configuration is malformed or names an unset variable',
  LUMEN_OTLP_CONFIG: 'an OTLP exporter setting (from the file or an OTEL_EXPORTER_OTLP_* variable) is invalid',
  LUMEN_COMPONENT_CONFIG: 'a component refused its (schema-valid) configuration',
  LUMEN_FILE_UNREADABLE: 'a file the configuration names cannot be read',
  // Start (exit 1 from the CLI)
  LUMEN_START_FAILED: 'a component could not start; the agent stopped what had started',
  LUMEN_ENDPOINT_IN_USE: 'an endpoint Lumen must listen on is already in use',
  LUMEN_ENDPOINT_LISTEN: 'an endpoint Lumen must listen on cannot be bound (address, permission)',
  LUMEN_AGENT_STOPPED: 'start() was called on an agent that was already stopped',
  LUMEN_DISCOVERY_UNAVAILABLE: 'a component asked for process discovery in an agent that has none',
  // Embedding API (programming errors in the embedding program or a custom component)
  LUMEN_AGENT_OPTIONS: 'createAgent() was called without a configuration',
  LUMEN_INVALID_FACTORY: 'a component factory is malformed or its type is already registered',
  LUMEN_INVALID_METRIC: 'an internal metric name, label or type is invalid',
  // BPF (from the native addon)
  LUMEN_BPF_OPEN: 'a BPF object file cannot be opened or parsed',
  LUMEN_BPF_LOAD: 'the kernel refused to load a BPF program (verifier)',
  LUMEN_BPF_ATTACH: 'a BPF program cannot be attached to its hook',
  LUMEN_BPF_MAP: 'a BPF map operation failed',
  LUMEN_BPF_NO_SUCH_PROGRAM: 'a BPF object has no program of that name',
  LUMEN_BPF_NO_SUCH_MAP: 'a BPF object has no map of that name',
  LUMEN_BPF_PERMISSION: 'the process lacks the privileges to use BPF',
  LUMEN_BPF_SYMBOL: 'a symbol to probe cannot be found in a binary',
  LUMEN_BPF_MAP_LAYOUT: 'a BPF map does not have the key or value layout the caller needs',
  LUMEN_PACKAGE_LAYOUT: 'Lumen cannot find its own files (package.json, build/) next to its code',
  // ELF (reading binaries for uprobes)
  LUMEN_ELF_IO: 'a binary cannot be read',
  LUMEN_ELF_NOT_ELF: 'a file is not an ELF binary',
  LUMEN_ELF_UNSUPPORTED: 'an ELF binary is of a kind Lumen does not read (class, byte order)',
  LUMEN_ELF_MALFORMED: 'an ELF binary is truncated or inconsistent',
  // Export (at run time, logged and counted; the agent keeps running)
  LUMEN_EXPORT_ENCODING: 'a batch could not be encoded for export',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Where in a configuration an error lies: ['exporters', 'prometheus', 'endpoint']. */
export type ErrorPath = readonly (string | number)[];
