import type { ValidateFunction } from 'ajv';
import { createAjv } from '../config/ajv.js';
import { describeAjvErrors } from '../config/ajv-messages.js';
import { dottedPath } from '../config/errors.js';
import type { Span } from './span.js';
import { serviceInterner, spanFromJson, spanJsonSchema, type SpanJson } from './span-json.js';

export interface ParsedFile {
  readonly spans: Span[];
  /** `<line>: <what is wrong>` for each skipped line. */
  readonly invalid: { line: number; message: string }[];
}

let validator: ValidateFunction | undefined;

/** Parses JSON Lines text into spans; bad lines are reported with their 1-based number and skipped. */
export function parseSpanLines(text: string): ParsedFile {
  validator ??= createAjv({ verbose: true, useDefaults: false }).compile(spanJsonSchema);
  const validate = validator;
  const intern = serviceInterner();
  const spans: Span[] = [];
  const invalid: { line: number; message: string }[] = [];
  let lineNo = 0;
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end).trim();
    lineNo++;
    pos = end + 1;
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      invalid.push({ line: lineNo, message: `invalid JSON: ${(e as Error).message}` });
      continue;
    }
    if (!validate(value)) {
      const p = describeAjvErrors(validate.errors ?? [], value)[0]!;
      invalid.push({ line: lineNo, message: `${dottedPath(p.path) || 'span'}: ${p.message}` });
      continue;
    }
    const span = spanFromJson(value as unknown as SpanJson, intern);
    if (span.endUnixNano < span.startUnixNano) {
      invalid.push({ line: lineNo, message: 'endUnixNano: must not be before startUnixNano' });
      continue;
    }
    spans.push(span);
  }
  return { spans, invalid };
}
