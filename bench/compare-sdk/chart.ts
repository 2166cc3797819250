/**
 * A dependency-free SVG of horizontal bar panels, one under the other, for benchmark tables: each bar is one or
 * more stacked segments (e.g. the server's and the agent's CPU per request), labelled with its total.
 */
export interface Segment { name: string; value: number; color: string }
export interface Bar { label: string; segments: Segment[]; note?: string }
export interface Panel { title: string; unit: string; bars: Bar[] }

const WIDTH = 760;
const LABEL = 150;
const PLOT = 470;
const ROW = 24;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function barChart(title: string, panels: Panel[]): string {
  const out: string[] = [];
  let y = 34;
  out.push(`<text x="10" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`);
  for (const p of panels) {
    const max = Math.max(...p.bars.map((b) => b.segments.reduce((a, s) => a + s.value, 0)), 1e-9);
    out.push(`<text x="10" y="${y + 16}" font-size="13" font-weight="bold">${esc(p.title)} (${esc(p.unit)})</text>`);
    y += 24;
    for (const b of p.bars) {
      out.push(`<text x="${LABEL - 6}" y="${y + 16}" font-size="12" text-anchor="end">${esc(b.label)}</text>`);
      let x = LABEL;
      for (const s of b.segments) {
        const w = (s.value / max) * PLOT;
        out.push(`<rect x="${x.toFixed(1)}" y="${y + 3}" width="${Math.max(w, 0).toFixed(1)}" height="${ROW - 6}" fill="${s.color}"><title>${esc(`${s.name}: ${fmt(s.value)} ${p.unit}`)}</title></rect>`);
        x += w;
      }
      const total = b.segments.reduce((a, s) => a + s.value, 0);
      out.push(`<text x="${(x + 6).toFixed(1)}" y="${y + 16}" font-size="12">${esc(`${fmt(total)}${b.note ? `  ${b.note}` : ''}`)}</text>`);
      y += ROW;
    }
    const legend = [...new Map(p.bars.flatMap((b) => b.segments).map((s) => [s.name, s.color])).entries()];
    if (legend.length > 1) {
      let lx = LABEL;
      for (const [name, color] of legend) {
        out.push(`<rect x="${lx}" y="${y + 4}" width="10" height="10" fill="${color}"/><text x="${lx + 14}" y="${y + 13}" font-size="11">${esc(name)}</text>`);
        lx += 20 + name.length * 6.5;
      }
      y += 18;
    }
    y += 12;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="sans-serif">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${out.join('\n')}\n</svg>\n`;
}
