/** Things a test started; `disposeLeftovers()` (run in afterEach) closes whatever a test forgot. */
type Disposer = () => unknown;
const leftovers = new Set<Disposer>();

export function trackLeftover(dispose: Disposer): () => void {
  leftovers.add(dispose);
  return () => leftovers.delete(dispose);
}

export async function disposeLeftovers(): Promise<void> {
  const all = [...leftovers];
  leftovers.clear();
  await Promise.allSettled(all.map((d) => d()));
}
