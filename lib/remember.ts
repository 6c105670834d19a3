// Process-wide singletons that survive module duplication. Next.js bundles its own copies of the
// modules that pages import, and `next dev` re-evaluates them on every change; a module-level
// variable would then split into several instances (a second database handle, an empty metrics
// registry). A `Symbol.for` key on globalThis is the same object in every copy.
export function remember<T>(key: string, create: () => T): T {
  const slot = globalThis as unknown as Record<symbol, T | undefined>;
  const sym = Symbol.for(`drainwatch.${key}`);
  const existing = slot[sym];
  if (existing !== undefined) return existing;
  const created = create();
  slot[sym] = created;
  return created;
}
