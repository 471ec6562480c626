/**
 * One metric out of a Prometheus text exposition (what `/metrics` serves): the sum of its series
 * over all label sets, or undefined when the text has no such metric. Pure.
 */
export function promValue(text: string, name: string): number | undefined {
  let sum = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      seen = true;
    }
  }
  return seen ? sum : undefined;
}

/** One metric's series keyed by the value of one of its labels (series without it are left out). Pure. */
export function promByLabel(text: string, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const key = `${label}="`;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const at = line.indexOf(key);
    if (at < 0) continue;
    const value = line.slice(at + key.length, line.indexOf('"', at + key.length));
    out[value] = (out[value] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}
