/**
 * Deliveries GitHub could not hand over are asked for again. GitHub does not redeliver a failed
 * webhook delivery by itself: a push made while the App was down (a deploy, a crash, a network
 * cut) or answered 503 (the queue away) was never scanned unless someone clicked "Redeliver". A
 * pass lists the App's recent deliveries (`GET /app/hook/deliveries`, the App's JWT, newest
 * first), and for each delivery (its `guid`) with no successful attempt, asks for one more
 * (`POST /app/hook/deliveries/{id}/attempts`). Job ids carry the event's meaning, so a delivery
 * that did reach the queue (the outbox added it after a 503) is a duplicate, not a second scan.
 *
 * Not asked again: answers that another attempt would only repeat (400, 401, 403, 404, 413, 415,
 * 422: a malformed, unsigned or too large delivery); a delivery already tried `maxAttempts` times;
 * one whose newest attempt is younger than `settleMs` (GitHub may still be delivering it). The
 * first pass of a process reads back `windowMs` (GitHub keeps deliveries 3 days), later passes
 * from shortly before the previous one.
 */
import type { Logger } from 'pino';

export interface HookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status_code: number;
  event: string;
  action?: string | null;
}

/** The App-authenticated (JWT) request function (Octokit's `request`). */
export type AppRequest = (
  route: string,
  params?: Record<string, unknown>,
) => Promise<{ data: unknown; headers: Record<string, string | number | undefined> }>;

export interface RedeliverOptions {
  /** Deliveries delivered before this (ms since epoch) are not looked at. */
  since: number;
  now?: number;
  /** Attempts after which a delivery is left alone (default 5). */
  maxAttempts?: number;
  /** A newest attempt younger than this is not judged yet (default 60 s). */
  settleMs?: number;
  /** Pages of 100 read at most (default 20). */
  maxPages?: number;
  /** Redeliveries asked for at most per pass (default 100); the rest wait for the next. */
  maxAsks?: number;
}

export interface RedeliverResult {
  /** Guids asked for again. */
  asked: string[];
  /** Asks GitHub refused (logged). */
  failed: number;
}

/** Answers another attempt would only repeat. */
const FINAL = new Set([400, 401, 403, 404, 413, 415, 422]);

const succeeded = (status: number): boolean => status >= 200 && status < 300;

export function worthRedelivering(status: number): boolean {
  return !succeeded(status) && !FINAL.has(status);
}

/**
 * The delivery to ask again for each guid with no successful attempt (its newest attempt), from
 * newest-first pages. Pure: `redeliverMissed` does the I/O.
 */
export function missedDeliveries(
  deliveries: readonly HookDelivery[],
  o: { since: number; now: number; maxAttempts: number; settleMs: number },
): HookDelivery[] {
  const byGuid = new Map<string, HookDelivery[]>();
  for (const d of deliveries) {
    if (typeof d.guid !== 'string' || !Number.isSafeInteger(d.id)) continue;
    const attempts = byGuid.get(d.guid);
    if (attempts) attempts.push(d);
    else byGuid.set(d.guid, [d]);
  }
  const out: HookDelivery[] = [];
  for (const attempts of byGuid.values()) {
    const at = (d: HookDelivery): number => Date.parse(d.delivered_at) || 0;
    const newest = attempts.reduce((a, b) => (at(b) > at(a) ? b : a));
    if (attempts.some((d) => succeeded(d.status_code))) continue;
    if (!worthRedelivering(newest.status_code)) continue;
    if (attempts.length >= o.maxAttempts) continue;
    // Judged by an earlier pass (its newest attempt is older than what this pass reads).
    if (at(newest) < o.since || o.now - at(newest) < o.settleMs) continue;
    out.push(newest);
  }
  return out;
}

/** `cursor` of the Link header's rel="next", if any. */
function nextCursor(link: string | number | undefined): string | undefined {
  if (typeof link !== 'string') return undefined;
  for (const part of link.split(',')) {
    if (!/rel="next"/.test(part)) continue;
    const url = /<([^>]+)>/.exec(part)?.[1];
    if (!url) continue;
    try {
      return new URL(url).searchParams.get('cursor') ?? undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export async function redeliverMissed(
  request: AppRequest,
  log: Pick<Logger, 'info' | 'warn'>,
  o: RedeliverOptions,
): Promise<RedeliverResult> {
  const now = o.now ?? Date.now();
  const deliveries: HookDelivery[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < (o.maxPages ?? 20); page++) {
    const { data, headers } = await request('GET /app/hook/deliveries', {
      per_page: 100,
      ...(cursor ? { cursor } : {}),
    });
    const batch = Array.isArray(data) ? (data as HookDelivery[]) : [];
    deliveries.push(...batch);
    cursor = nextCursor(headers.link);
    // Newest first: a page reaching before `since` is the last one needed.
    const oldest = Math.min(...batch.map((d) => Date.parse(d.delivered_at) || 0));
    if (!cursor || batch.length === 0 || oldest < o.since) break;
  }
  const missed = missedDeliveries(deliveries, {
    since: o.since,
    now,
    maxAttempts: o.maxAttempts ?? 5,
    settleMs: o.settleMs ?? 60_000,
  }).slice(0, o.maxAsks ?? 100);
  const asked: string[] = [];
  let failed = 0;
  for (const d of missed) {
    try {
      await request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: d.id });
      asked.push(d.guid);
      log.warn(
        { delivery: d.guid, event: d.event, action: d.action ?? undefined, status: d.status_code },
        'webhook delivery had failed: asked GitHub to deliver it again',
      );
    } catch (err) {
      failed++;
      log.warn(
        { delivery: d.guid, err: (err as Error).message },
        'could not ask GitHub to redeliver a failed webhook delivery',
      );
    }
  }
  return { asked, failed };
}
