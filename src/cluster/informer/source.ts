/**
 * Where a reflector's data comes from: list pages and a watch stream for one kind. The interface is
 * ours (./reflector.ts drives it); ./api-source.ts implements it on @kubernetes/client-node.
 */

export interface ListOptions {
  /** Page size; undefined → one unpaged list. */
  readonly limit?: number;
  readonly continueToken?: string;
  /** Aborts the request (a stopped view, a hung API server). */
  readonly signal: AbortSignal;
}

export interface ListPage {
  /** Raw objects; list items carry no kind of their own. */
  readonly items: readonly unknown[];
  /** The list's resourceVersion: where the watch that follows starts. */
  readonly resourceVersion: string;
  /** Set when more pages follow. */
  readonly continueToken?: string;
}

export interface WatchRequest {
  readonly resourceVersion: string;
  /** Asks the server to end the watch after this long (it sends a bookmark first). */
  readonly timeoutSeconds: number;
  /** Called per event: ADDED, MODIFIED, DELETED, BOOKMARK, ERROR; `object` is raw JSON. */
  readonly onEvent: (type: string, object: unknown) => void;
  /** Called once when the stream ends: `null` when the server closed it, else the error. */
  readonly onDone: (err: unknown) => void;
}

export interface WatchHandle {
  abort(): void;
}

export interface ListerWatcher {
  list(options: ListOptions): Promise<ListPage>;
  /** Resolves once the stream is open (or has already failed, through onDone). */
  watch(request: WatchRequest): Promise<WatchHandle>;
}
