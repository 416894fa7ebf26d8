/**
 * Preloaded into the server under test by the memory benchmark (`node --expose-gc --import
 * <this file> bin.js serve ...`): SIGUSR2 runs full garbage collections, so resident memory is read
 * once garbage is gone rather than whenever V8 last felt like collecting. Nothing else changes.
 */
type Gc = (options?: unknown) => void;

process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: Gc }).gc;
  if (!gc) return;
  // Twice: the first collection can leave objects reachable only from finalizers and weak maps.
  gc();
  gc();
});
