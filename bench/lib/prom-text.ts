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
