/**
 * A hand-written SVG bar chart of every figure that has a target, scaled so 1.0 is the target:
 * for "at least" targets the bar is achieved / target, for "below" targets it is target / achieved,
 * so longer is better everywhere and the dashed line marks the target. Pure.
 */
import { type Figure, formatNumber, targetText } from './results.ts';

const CAP = 3;

/** How far past its target a figure is (1 = exactly on it); null when it has no target. */
export function targetScore(f: Figure): number | null {
  if (!f.target || f.met === undefined) return null;
  const subject = f.target.on === 'ratio' ? f.ratio : f.value;
  if (subject === undefined || !Number.isFinite(subject)) return 0;
  const t = f.target.value;
  switch (f.target.op) {
    case '>=':
    case '>':
      return t === 0 ? (f.met ? 1 : 0) : subject / t;
    case '<=':
    case '<':
      return subject <= 0 ? CAP : t / subject;
    case '==':
      return f.met ? 1 : 0;
  }
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const esc = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

export function renderChart(figures: Figure[], title: string): string {
  const rows = figures
    .map((f) => ({ f, score: targetScore(f) }))
    .filter((r): r is { f: Figure; score: number } => r.score !== null);
  const labelW = 480;
  const barW = 360;
  const rowH = 26;
  const top = 48;
  const width = labelW + barW + 260;
  const height = top + rows.length * rowH + 40;
  const x = (score: number) => labelW + (Math.min(score, CAP) / CAP) * barW;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${esc(title)}: each figure against its target</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="10" y="38" fill="#555">bar = achieved against target (1 = on target, longer is better, capped at ${CAP}); green met, red missed</text>`,
  ];
  rows.forEach(({ f, score }, i) => {
    const y = top + i * rowH;
    const color = f.met ? '#2e8b57' : '#c0392b';
    const shown =
      f.target?.on === 'ratio' && f.ratio !== undefined ? `${f.ratio.toFixed(2)}×` : formatNumber(f.value);
    out.push(
      `<text x="${labelW - 8}" y="${y + 16}" text-anchor="end">${esc(clip(f.label, 72))}</text>`,
      `<rect x="${labelW}" y="${y + 4}" width="${Math.max(1, x(score) - labelW).toFixed(1)}" height="${rowH - 8}" fill="${color}"/>`,
      `<text x="${(x(score) + 6).toFixed(1)}" y="${y + 16}" fill="#333">${esc(`${shown}${f.target?.on === 'value' && f.unit !== 'count' ? ` ${f.unit}` : ''} (target ${targetText(f)})`)}</text>`,
    );
  });
  const t = x(1).toFixed(1);
  out.push(
    `<line x1="${t}" y1="${top - 4}" x2="${t}" y2="${top + rows.length * rowH}" stroke="#333" stroke-dasharray="4 3"/>`,
    `<text x="${t}" y="${top + rows.length * rowH + 16}" text-anchor="middle" fill="#333">target</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
