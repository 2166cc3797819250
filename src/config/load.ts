import { readFileSync } from 'node:fs';
import type { FactoryRegistry } from '../component/registry.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import type { Env } from './env.js';
import type { LumenConfig } from './schema.js';
import type { ConfigSource } from './source.js';
import { validateConfig, type ConfigInput } from './validate.js';

export interface LoadedConfig {
  readonly config: LumenConfig;
  readonly warnings: readonly ConfigIssue[];
  /** Positions, for errors found later (component construction). */
  readonly source: ConfigSource;
}

/** Validates a config (YAML text or object); throws ConfigError listing every error with file:line:col. */
export function loadConfig(input: ConfigInput, registry: FactoryRegistry): LoadedConfig {
  const result = validateConfig(input, registry);
  if (!result.config) {
    const failed = result.stages.find((s) => s.status === 'failed')!;
    throw new ConfigError(failed.stage, result.errors);
  }
  return { config: result.config, warnings: result.warnings, source: result.source };
}

/** Reads a file; an unreadable file is a ConfigError naming the path (no stack trace for the CLI). */
export function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new ConfigError('parse', [{ severity: 'error', stage: 'parse', file: path, path: [], message: `cannot read the configuration: ${why}, pass an existing file with -c FILE` }]);
  }
}

export function loadConfigFile(path: string, registry: FactoryRegistry, env: Env = process.env): LoadedConfig {
  return loadConfig({ yaml: readConfigFile(path), file: path, env }, registry);
}
