// The process-wide store that queries use when they are not handed one: pages and route handlers
// just call `findTerminations(query)`. `serve` opens the store itself (retrying while the
// database is down) and primes this slot, so pages never open a second handle (PGlite allows one
// per directory); outside serve (scripts, tests) the first query opens it lazily from the
// settings. The slot is remembered on globalThis, so Next's bundled copy of this module shares it.
import { AppError } from "../errors.ts";
import { loadSettings } from "../env.ts";
import { remember } from "../remember.ts";
import type { Store } from "./types.ts";

interface StoreSlot {
  current: Store | null;
  /** serve manages the store: while it is not open, queries answer "unavailable" with this reason. */
  managed: boolean;
  reason: string;
  opening: Promise<Store> | null;
}

const slot = (): StoreSlot =>
  remember("store", (): StoreSlot => ({ current: null, managed: false, reason: "the database is starting", opening: null }));

/** serve: the store it opened (or null while it is not open, with the reason for /readyz and pages). */
export function primeStore(store: Store | null, reason = "the database is starting"): void {
  const s = slot();
  s.managed = true;
  s.current = store;
  s.reason = reason;
}

/** Why the managed store is not open, or null when it is. */
export function storeUnavailableReason(): string | null {
  const s = slot();
  return s.current ? null : s.reason;
}

/** The open store, or throws AppError("unavailable") while serve has none. */
export async function getStore(store?: Store): Promise<Store> {
  if (store) return store;
  const s = slot();
  if (s.current) return s.current;
  if (s.managed) throw new AppError("unavailable", s.reason);
  s.opening ??= (async () => {
    // Not traced into Next's page bundles (the schema engine is 10 MB of WASM): inside serve the
    // slot is always managed, so pages never take this path.
    const { openMigratedStore } = (await import(/* turbopackIgnore: true */ "./open.ts")) as typeof import("./open.ts");
    const opened = await openMigratedStore(loadSettings());
    s.current = opened;
    return opened;
  })().finally(() => {
    s.opening = null;
  });
  return s.opening;
}

/** Which kind of database the open store is, or null while none is open (for the UI's meta line). */
export function openStoreKind(): Store["kind"] | null {
  return slot().current?.kind ?? null;
}
