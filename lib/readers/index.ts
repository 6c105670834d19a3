// Readers: what Next pages and route handlers use to read the store. They import ONLY this
// module (and types), never lib/store: the store (Prisma, pg, PGlite) lives in the drainwatch
// process, and `serve()` hands it over here through a process-wide slot on globalThis. Next
// bundles its own copy of this module, so a module-level variable would not be shared; a
// `Symbol.for` key on globalThis is.
import { AppError } from "../errors.ts";
// Type-only: erased at build time, so no driver or generated client is bundled into Next.
import type { FindTerminationsQuery, TerminationPage } from "../store/index.ts";
import type { TerminationRecord } from "../tracker/record.ts";

export type TerminationQuery = FindTerminationsQuery;
export type { TerminationPage };

/** Where the recorded terminations come from (what this drainwatch process ingests). */
export type SourceInfo =
  | {
      /** The built-in sandbox cluster: simulated pods, not a real cluster. */
      kind: "sandbox";
      scenario: string;
      url: string;
    }
  | {
      kind: "kubernetes";
      /** How the kubeconfig was found. */
      from: "kubeconfig-env" | "in-cluster" | "home";
      /** The API server URL. */
      server: string;
    }
  | {
      /** `serve --no-ingest`: this process only reads what others recorded. */
      kind: "none";
    };

/**
 * What serve() provides: the store's data access, already bound to the open store. Errors from
 * the driver are logged by the provider and rethrown as AppError("unavailable").
 */
export interface ReaderBackend {
  kind: "postgres" | "pglite";
  cluster: string;
  ping(): Promise<boolean>;
  findTerminations(query: TerminationQuery): Promise<TerminationPage>;
  getTermination(podUid: string, cluster?: string): Promise<TerminationRecord | null>;
  countTerminations(): Promise<number>;
}

const SLOT = Symbol.for("drainwatch.readers.backend");
const SOURCE_SLOT = Symbol.for("drainwatch.readers.source");
type Slot = { [SLOT]?: ReaderBackend | null; [SOURCE_SLOT]?: SourceInfo | null };

export function setReaderStore(backend: ReaderBackend | null): void {
  (globalThis as Slot)[SLOT] = backend;
}

/** The backend, or null while drainwatch is starting or shutting down (or outside serve). */
export function readerStoreOrNull(): ReaderBackend | null {
  return (globalThis as Slot)[SLOT] ?? null;
}

export function readerStore(): ReaderBackend {
  const backend = readerStoreOrNull();
  if (!backend) throw new AppError("unavailable", "the store is not available (starting up or shutting down)");
  return backend;
}

export const DEFAULT_PAGE_SIZE = 100;

export async function listTerminations(query: TerminationQuery = {}): Promise<TerminationPage> {
  return readerStore().findTerminations({ limit: DEFAULT_PAGE_SIZE, ...query });
}

export async function readTermination(podUid: string, cluster?: string): Promise<TerminationRecord> {
  const record = await readerStore().getTermination(podUid, cluster);
  if (!record) throw new AppError("not_found", `no termination with podUid "${podUid}"`);
  return record;
}

export interface StoreInfo {
  kind: ReaderBackend["kind"];
  cluster: string;
  source: SourceInfo;
  count: number;
}

export async function storeInfo(): Promise<StoreInfo> {
  const backend = readerStore();
  return { kind: backend.kind, cluster: backend.cluster, source: sourceInfo(), count: await backend.countTerminations() };
}

/** What this process ingests from; known before the store opens (for the banner). */
export function sourceInfo(): SourceInfo {
  return (globalThis as Slot)[SOURCE_SLOT] ?? { kind: "none" };
}

/** serve() says where terminations come from as soon as it knows (before the store opens). */
export function setSourceInfo(source: SourceInfo | null): void {
  (globalThis as Slot)[SOURCE_SLOT] = source;
}
