// Run as an unprivileged user by errors.test.ts: every step must fail with a coded error, never crash.
import { bpfObjectPath, openObject, type BpfErrorShape } from '../../../src/bpf/index.js';

const results: Record<string, { code: string; message: string }> = {};
const attempt = (name: string, fn: () => void) => {
  try {
    fn();
    results[name] = { code: 'OK', message: '' };
  } catch (e) {
    const err = e as BpfErrorShape;
    results[name] = { code: err.code ?? `uncoded ${err.name}`, message: err.message };
  }
};
attempt('open', () => openObject(bpfObjectPath('test_probe')).close());
attempt('missing', () => openObject(bpfObjectPath('no_such_family')));
process.stdout.write(JSON.stringify(results));
