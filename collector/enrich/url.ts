/** URL clean-up before storage: the fragment is dropped (it never reaches a server and may hold tokens); the query is kept. */
export function stripFragment(url: string | undefined | null): string | null {
  if (url === undefined || url === null) return null;
  const i = url.indexOf('#');
  return i < 0 ? url : url.slice(0, i);
}
