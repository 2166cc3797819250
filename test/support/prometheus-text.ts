/**
 * Reading an agent's Prometheus endpoint as the tests do: sample lines of the text format, summed by metric name
 * and label fragments (`result="kept"`, `server_port="8080"`).
 */

/** The sample lines (no comments, no blank lines) of http://127.0.0.1:<port>/metrics. */
export async function scrapeLines(port: number): Promise<string[]> {
  return (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).split('\n').filter((l) => l && !l.startsWith('#'));
}

/** A sample line's value. */
export const sampleValue = (line: string): number => Number(line.slice(line.lastIndexOf(' ') + 1));

/** The sum of the samples of metric `name` whose line contains every one of `labels`. */
export function sumSamples(lines: readonly string[], name: string, ...labels: string[]): number {
  return lines.filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && labels.every((x) => l.includes(x)))
    .reduce((a, l) => a + sampleValue(l), 0);
}

/** sumSamples over a fresh scrape. */
export async function scrapeSum(port: number, name: string, ...labels: string[]): Promise<number> {
  return sumSamples(await scrapeLines(port), name, ...labels);
}

/** Waits until the sum of `name` (all its series) on the endpoint is at least `atLeast`; an endpoint not up yet
 *  counts as 0. Throws after `ms` with `context()` (e.g. the agent's last log lines). */
export async function waitForSum(port: number, name: string, atLeast: number, context: () => string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const n = await scrapeSum(port, name).catch(() => 0);
    if (n >= atLeast) return;
    if (Date.now() > until) throw new Error(`${name} ${n} after ${ms} ms, waited for ${atLeast}: ${context()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
