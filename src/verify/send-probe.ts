/**
 * The only place a credential is put on the wire. Order: allowlist (hard-coded), then the host
 * policy (transport origin), then one GET with `redirect: 'manual'` and a timeout that also covers
 * reading the body. Errors become short reasons; no URL, header or body ever reaches a message.
 */
import { allowlistedOrigin, type HostPolicy } from './host-policy.js';
import type { HttpAnswer, HttpResponse, ProbeCall } from './probe-types.js';

export interface SendOptions {
  fetch: typeof fetch;
  hostPolicy: HostPolicy;
  timeoutMs: number;
}

const MAX_BODY = 64 * 1024;
const TLS_CODES = /^(?:CERT_|ERR_TLS|ERR_SSL|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_CERT)/;

export function errorReason(err: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `timeout after ${timeoutMs} ms`;
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'DNS failure (host not found)';
  if (TLS_CODES.test(code)) return 'TLS error';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  return 'network error';
}

export async function sendProbe(call: ProbeCall, o: SendOptions): Promise<HttpAnswer> {
  const origin = allowlistedOrigin(call.url);
  if (!origin) return { verdict: { status: 'unverifiable', reason: 'host not on the allowlist' } };
  const target = o.hostPolicy.route(new URL(call.url));
  if (!target)
    return { verdict: { status: 'unverifiable', reason: 'host refused by host policy' } };
  const ctl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort();
  }, o.timeoutMs);
  try {
    const res = await o.fetch(target, {
      method: 'GET',
      headers: call.headers,
      redirect: 'manual',
      signal: ctl.signal,
    });
    const body = (await res.text()).slice(0, MAX_BODY);
    // Only a bare number is kept: the header is not ours to echo verbatim into a reason.
    const retry = /^\d{1,6}$/.exec(res.headers.get('retry-after')?.trim() ?? '')?.[0];
    return { status: res.status, body, ...(retry ? { retryAfterSeconds: Number(retry) } : {}) };
  } catch (err) {
    return { verdict: { status: 'unknown', reason: errorReason(err, timedOut, o.timeoutMs) } };
  } finally {
    clearTimeout(timer);
  }
}

/** Shared status mapping: 401/403 revoked; 3xx, 429, 5xx and the rest unknown with the status. */
export function verdictOfStatus(res: HttpResponse): {
  status: 'revoked' | 'unknown';
  reason: string;
} {
  const { status } = res;
  if (status === 401 || status === 403) return { status: 'revoked', reason: `HTTP ${status}` };
  if (status >= 300 && status < 400) {
    return { status: 'unknown', reason: `redirect (HTTP ${status}) not followed` };
  }
  if (status === 429) {
    const retry =
      res.retryAfterSeconds === undefined ? '' : `, retry after ${res.retryAfterSeconds} s`;
    return { status: 'unknown', reason: `rate limited by Upstash (HTTP 429${retry})` };
  }
  return { status: 'unknown', reason: `HTTP ${status}` };
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
