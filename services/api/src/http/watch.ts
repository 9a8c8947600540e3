/**
 * Watch over HTTP: a chunked `application/json` response with one event per line
 * (`{"type":"ADDED","object":{…}}\n`), as kube-apiserver streams it. The response is a ReadableStream, so
 * @hono/node-server writes and flushes the headers before the first event (KUBECTL.md §6.2: an informer
 * waits for the headers, so a buffered response makes `kubectl rollout status` hang).
 *
 * With the Table Accept each event's object is a one-row Table (column definitions on the first one only);
 * ERROR (a Status) and BOOKMARK objects pass through as they are. The stream ends when the handler's events
 * end, when `timeoutSeconds` passes on the clock, or when the client goes away (the stream is cancelled and
 * the handler's watch closed).
 */
import type { Clock, Timer } from '@kubelab/clock';
import type { ApiWatchEvent } from '../core/handler.js';
import { objectJson } from '../core/object-json.js';
import { type TableOptions, type TableTarget, toTable } from './tables/index.js';

export interface WatchStreamOptions {
  readonly events: AsyncIterable<ApiWatchEvent>;
  /** Ends the handler's watch (idempotent). */
  readonly close: () => void;
  readonly clock: Clock;
  /** `timeoutSeconds` in ms, when given. */
  readonly timeoutMs?: number | undefined;
  /** Table encoding, when the request asked for it. */
  readonly table?:
    | { readonly target: TableTarget; readonly options: Omit<TableOptions, 'nowMs' | 'noHeaders'> }
    | undefined;
  /**
   * Whether the client asked for BOOKMARK events (`allowWatchBookmarks=true`). Unsolicited bookmarks are
   * dropped: `kubectl get -w` would print them as blank `<unknown>` rows (KUBECTL.md §5).
   */
  readonly bookmarks: boolean;
  /** Called once when the stream ends for any reason (the app's registry of open watches). */
  readonly onEnd?: () => void;
}

const encoder = new TextEncoder();

/** Encodes one event as a line, table-converting object events when asked. */
function encodeEvent(ev: ApiWatchEvent, o: WatchStreamOptions, first: boolean): Uint8Array {
  if (o.table && (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED')) {
    const object = toTable(ev.object, o.table.target, {
      ...o.table.options,
      nowMs: o.clock.wallNow(),
      noHeaders: !first,
    });
    return encoder.encode(`${JSON.stringify({ type: ev.type, object })}\n`);
  }
  // `{"type":…,"object":<the object's shared JSON>}\n`: every watcher of this event reuses the same bytes.
  const head = encoder.encode(`{"type":${JSON.stringify(ev.type)},"object":`);
  const body = objectJson.encode(ev.object);
  const line = new Uint8Array(head.length + body.length + 2);
  line.set(head, 0);
  line.set(body, head.length);
  line[line.length - 2] = 0x7d; // }
  line[line.length - 1] = 0x0a; // \n
  return line;
}

/** The streaming Response of a started watch, and a function that ends it from the server side. */
export function watchResponse(o: WatchStreamOptions): { response: Response; end: () => void } {
  const iterator = o.events[Symbol.asyncIterator]();
  let ended = false;
  let timer: Timer | undefined;
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
  let first = true;

  const end = () => {
    if (ended) return;
    ended = true;
    timer?.cancel();
    o.close();
    void iterator.return?.().catch(() => undefined);
    try {
      controllerRef?.close();
    } catch {
      // already closed or cancelled by the client
    }
    o.onEnd?.();
  };

  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controllerRef = controller;
      if (o.timeoutMs !== undefined && o.timeoutMs > 0) timer = o.clock.setTimer(o.timeoutMs, end);
    },
    /** Enqueues the next event to send; a pull that enqueued nothing would never be repeated. */
    async pull(controller) {
      for (;;) {
        let next: IteratorResult<ApiWatchEvent>;
        try {
          next = await iterator.next();
        } catch (err) {
          end();
          throw err;
        }
        if (ended) return;
        if (next.done) {
          end();
          return;
        }
        if (next.value.type === 'BOOKMARK' && !o.bookmarks) continue;
        controller.enqueue(encodeEvent(next.value, o, first));
        if (next.value.type !== 'BOOKMARK' && next.value.type !== 'ERROR') first = false;
        return;
      }
    },
    cancel() {
      end();
    },
  });

  const response = new Response(stream, {
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-cache, private' },
  });
  return { response, end };
}
