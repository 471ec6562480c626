/**
 * A bounded memo for pure functions of a string: a batch repeats a few hundred user agents and
 * referrers thousands of times, so each distinct one is worked out once. When full, the oldest
 * entry goes (insertion order); a miss only costs recomputation, so nothing smarter is needed.
 */
export function memoize<T>(fn: (key: string) => T, maxEntries: number): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let v = cache.get(key);
    if (v === undefined) {
      v = fn(key);
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
      cache.set(key, v);
    }
    return v;
  };
}
