/**
 * Runs every cleanup step in order even when an earlier one throws, then throws the first error. A failed
 * check (a leak assertion, an agent that would not stop) must not skip the steps after it: a server left
 * running keeps the test file alive until the runner's timeout, a namespace left behind breaks the next run.
 */
export async function cleanUp(...steps: Array<() => unknown>): Promise<void> {
  let first: { error: unknown } | undefined;
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      first ??= { error };
    }
  }
  if (first) throw first.error;
}
