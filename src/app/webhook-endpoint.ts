/**
 * The webhook endpoint, in front of Probot's handlers. Probot's own middleware buffers the whole
 * body before it checks anything (a 120 MB POST with a bogus signature took 2.46 GB of RSS) and
 * answers 500 to a JSON `null`. This one:
 *
 * - refuses a body over `maxBytes` (GitHub sends at most 25 MB) with 413 before buffering it:
 *   at once from Content-Length, or as soon as a chunked body passes the limit;
 * - caps the bytes buffered by all requests together (`maxBufferedBytes`): past it, 503, so a
 *   flood of large bodies cannot grow memory however many arrive at once;
 * - gives a body `bodyTimeoutMs` to arrive (408 after): the budget is taken by bytes received
 *   before anyone can be authenticated, and Node's own request timeout (5 min) let a sender who
 *   sent most of 4 large bodies and then stalled hold it, so every delivery of GitHub's got 503
 *   for as long as the sender kept it up, at about 300 KB/s;
 * - verifies the signature on that bounded buffer, then accepts only a JSON object nested at most
 *   `maxDepth` levels, from a delivery id of at most 128 plain characters;
 * - runs the handlers only for the events they are registered for (others: 200, not run);
 * - answers 503 when a handler reports the queue unavailable (status 503 on the error), so
 *   GitHub marks the delivery failed and it can be redelivered.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

export interface WebhookEvent {
  id: string;
  name: string;
  payload: Record<string, unknown>;
}

export interface WebhookEndpointOptions {
  path: string;
  /** Largest body accepted (bytes). GitHub caps payloads at 25 MB. */
  maxBytes: number;
  /** Bytes all requests together may hold in memory while their bodies arrive. */
  maxBufferedBytes: number;
  /**
   * How long a body may take to arrive, from the request's start (408 after). GitHub waits 10 s
   * for an answer, so a delivery of its own arrives well within BODY_TIMEOUT_MS.
   */
  bodyTimeoutMs?: number;
  /** Signature check of the raw body (Probot's `webhooks.verify`). */
  verify(body: string, signature: string): Promise<boolean>;
  /** Runs the handlers (Probot's `receive`). */
  receive(event: WebhookEvent): Promise<void>;
  /**
   * The events handlers are registered for: any other is answered 200 without running `receive`
   * (Probot looks handlers up by name in a plain object: `__proto__` answered 500, `constructor`
   * ran `Object` as a handler).
   */
  events: ReadonlySet<string>;
  /** Deepest JSON nesting accepted (GitHub's payloads stay near 10). */
  maxDepth?: number;
  /** After this long the delivery is answered 202 while handlers finish (as Probot does). */
  answerAfterMs?: number;
  log: Pick<Logger, 'warn' | 'error' | 'debug'>;
}

export const GITHUB_MAX_PAYLOAD_BYTES = 25 * 1024 * 1024;
/** GitHub gives a delivery 10 s; a body still arriving after 20 s is not one of its. */
export const BODY_TIMEOUT_MS = 20_000;
/** Deepest JSON nesting accepted: GitHub's payloads stay near 10 levels. */
export const MAX_JSON_DEPTH = 64;

const REQUIRED_HEADERS = ['x-github-event', 'x-github-delivery', 'x-hub-signature-256'] as const;
const EVENT_NAME = /^[a-z_]{1,64}$/;
/** GitHub's delivery ids are GUIDs; the id is logged and kept with jobs, so it stays short. */
const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,128}$/;

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function webhookEndpoint(opts: WebhookEndpointOptions) {
  let buffered = 0;

  const answer = (res: ServerResponse, status: number, body: unknown): void => {
    if (res.headersSent) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
      'content-length': Buffer.byteLength(text),
      ...(status === 503 ? { 'retry-after': '60' } : {}),
    });
    res.end(text);
  };

  /**
   * Stops keeping a refused body: what still arrives is drained and dropped (so the client can
   * read the answer instead of seeing a reset), and the connection is cut after a grace period.
   */
  const discard = (req: IncomingMessage): void => {
    req.removeAllListeners('data');
    req.resume();
    const cut = setTimeout(() => req.destroy(), 5_000).unref();
    req.once('end', () => clearTimeout(cut));
  };

  /** The body, at most `maxBytes`, counted against the shared budget while it is held. */
  const readBody = (req: IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      const deadline = setTimeout(
        () => finish(new Refused(408, 'request body not received in time')),
        opts.bodyTimeoutMs ?? BODY_TIMEOUT_MS,
      );
      const finish = (err?: Refused): void => {
        if (done) return;
        done = true;
        clearTimeout(deadline);
        buffered -= size;
        if (err) {
          chunks.length = 0;
          reject(err);
        } else resolve(Buffer.concat(chunks, size));
      };
      req.on('data', (chunk: Buffer) => {
        if (done) return;
        if (size + chunk.length > opts.maxBytes)
          return finish(new Refused(413, `payload larger than ${opts.maxBytes} bytes`));
        if (buffered + chunk.length > opts.maxBufferedBytes)
          return finish(new Refused(503, 'too many large deliveries at once'));
        size += chunk.length;
        buffered += chunk.length;
        chunks.push(chunk);
      });
      req.on('end', () => finish());
      req.on('error', () => finish(new Refused(400, 'request aborted')));
      req.on('close', () => finish(new Refused(400, 'request aborted')));
    });

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    } catch {
      return false;
    }
    if (pathname !== opts.path.replace(/\/+$/, '')) return false;
    if (req.method !== 'POST') {
      answer(res, 404, { error: `Unknown route: ${req.method} ${pathname}` });
      return true;
    }
    try {
      const contentType = String(req.headers['content-type'] ?? '');
      if (!/^\s*application\/json\s*(;|$)/i.test(contentType))
        throw new Refused(415, 'Content-Type must be application/json');
      const missing = REQUIRED_HEADERS.filter((h) => typeof req.headers[h] !== 'string');
      if (missing.length) throw new Refused(400, `Required headers missing: ${missing.join(', ')}`);
      const name = req.headers['x-github-event'] as string;
      const id = req.headers['x-github-delivery'] as string;
      const signature = req.headers['x-hub-signature-256'] as string;
      if (!EVENT_NAME.test(name)) throw new Refused(400, 'invalid event name');
      if (!DELIVERY_ID.test(id)) throw new Refused(400, 'invalid delivery id');
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > opts.maxBytes)
        throw new Refused(413, `payload larger than ${opts.maxBytes} bytes`);

      const body = (await readBody(req)).toString('utf8');
      if (!(await opts.verify(body, signature).catch(() => false)))
        throw new Refused(400, 'signature does not match event payload and secret');
      // JSON.parse itself copes with 100k levels, but every later walk of the payload (the
      // handlers' content key, pino's serialiser) recurses and threw RangeError (500).
      const depth = opts.maxDepth ?? MAX_JSON_DEPTH;
      if (jsonDepthExceeds(body, depth))
        throw new Refused(400, `JSON nested deeper than ${depth} levels`);
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        throw new Refused(400, 'invalid JSON');
      }
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
        throw new Refused(400, 'payload must be a JSON object');
      // Probot builds the event's client from `installation.id` before any handler runs, and
      // throws (500) on a string or a missing id: a malformed installation is the sender's error.
      const installation = (payload as { installation?: unknown }).installation;
      if (installation !== undefined && installation !== null && !isInstallation(installation))
        throw new Refused(400, 'installation.id must be a positive integer');

      // Signed and well-formed, but nothing listens: accepted (GitHub adds events), not run.
      if (!opts.events.has(name)) {
        answer(res, 200, 'event ignored\n');
        return true;
      }
      await respondAfterHandlers(res, opts, {
        id,
        name,
        payload: payload as WebhookEvent['payload'],
      });
    } catch (err) {
      if (err instanceof Refused) {
        opts.log.warn({ status: err.status, reason: err.message }, 'webhook delivery refused');
        const early = err.status === 408 || err.status === 413 || err.status === 503;
        answer(res, err.status, { error: err.message });
        if (early) discard(req);
      } else {
        opts.log.error({ err: (err as Error).message }, 'webhook endpoint failed');
        answer(res, 500, { error: 'internal error' });
      }
    }
    return true;
  };

  async function respondAfterHandlers(
    res: ServerResponse,
    o: WebhookEndpointOptions,
    event: WebhookEvent,
  ): Promise<void> {
    const timer = setTimeout(
      () => answer(res, 202, 'still processing\n'),
      o.answerAfterMs ?? 9_000,
    );
    try {
      await o.receive(event);
      answer(res, 200, 'ok\n');
    } catch (err) {
      const status = handlerStatus(err);
      o.log.error(
        { event: event.name, delivery: event.id, status, err: messageOf(err) },
        'webhook handler failed',
      );
      answer(res, status, { error: status === 503 ? 'queue unavailable' : 'handler failed' });
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * 503 when a handler reports the queue unavailable (`status: 503`; Probot aggregates handler
 * errors), else 500. Other statuses on errors (e.g. from a GitHub request) are not ours to pass on.
 */
function handlerStatus(err: unknown): number {
  const errors =
    err instanceof AggregateError ? [...(err.errors as unknown[]), err] : [err as unknown];
  return errors.some((e) => (e as { status?: unknown } | null)?.status === 503) ? 503 : 500;
}

/**
 * Whether `text` nests arrays and objects deeper than `max` (brackets inside strings skipped): a
 * linear scan with no allocation, run before JSON.parse builds anything.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function isInstallation(v: unknown): boolean {
  const id = (v as { id?: unknown }).id;
  return (
    typeof v === 'object' &&
    !Array.isArray(v) &&
    typeof id === 'number' &&
    Number.isSafeInteger(id) &&
    id > 0
  );
}

function messageOf(err: unknown): string {
  if (err instanceof AggregateError)
    return (err.errors as unknown[]).map((e) => (e as Error).message).join('; ');
  return (err as Error)?.message ?? String(err);
}
