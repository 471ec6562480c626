/** `npm run drill [-- --only a,b] [--quick]` (pure parsing, so it is testable). */
export interface DrillArgs {
  quick: boolean;
  only: string[] | null;
  /** Skip rewriting docs/drills.md (a partial run should not replace the table). */
  noDoc: boolean;
}

export function parseDrillArgs(argv: string[], known: readonly string[]): DrillArgs {
  const out: DrillArgs = { quick: false, only: null, noDoc: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') out.quick = true;
    else if (a === '--no-doc') out.noDoc = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!v) throw new Error('--only needs a comma-separated list of drills');
      const ids = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = ids.filter((id) => !known.includes(id));
      if (unknown.length > 0)
        throw new Error(`unknown drill(s): ${unknown.join(', ')} (known: ${known.join(', ')})`);
      out.only = ids;
    } else throw new Error(`unknown argument: ${a}`);
  }
  return out;
}
