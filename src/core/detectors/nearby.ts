/** The lines around a match (for detectors whose evidence sits on neighbouring lines). */
import type { MatchContext } from '../types.js';

export function nearbyLines(ctx: MatchContext, radius: number): string {
  const { text, index } = ctx;
  let start = index;
  for (let d = 0; d <= radius && start > 0; d++) start = text.lastIndexOf('\n', start - 1);
  let end = index;
  for (let d = 0; d <= radius && end >= 0 && end < text.length; d++)
    end = text.indexOf('\n', end + 1);
  return text.slice(Math.max(0, start + 1), end < 0 ? text.length : end);
}

/**
 * The name a value is assigned to: the pipeline's key, or, where that finds none, the identifier
 * right before `=`/`:` on the line (C declarations `const char *NAME = "…"` put a `*` before it).
 */
export function assignedName(ctx: MatchContext): string | undefined {
  if (ctx.key) return ctx.key;
  return /([A-Za-z_$][\w$]*)(?:\\?["'])?\]?\s*(?::=|=>|:|=)\s*(?:\\?[@"'`])?$/.exec(
    ctx.before,
  )?.[1];
}

/** An Upstash database host (`<labels>-<N>.upstash.io`, `…-<N>.kv.vercel-storage.com`); N in group 2. */
export const UPSTASH_DB_HOST =
  /\b((?:[a-z0-9]+-)+(\d{2,12}))\.(?:upstash\.io|kv\.vercel-storage\.com)\b/;

/**
 * A string literal that is some server's address: `localhost`, an IP, a dotted name ending in a
 * top-level-like label (`redis.internal`, `cache.example.com:6380`), optionally a URL of it.
 */
export const SERVER_LITERAL =
  /^(?:[a-z][a-z0-9+.-]{1,10}:\/\/)?(?:[^@/\s]*@)?(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]+\]|(?:[\w-]+\.)+[a-z]{2,24})(?::\d{1,5})?\/?$/i;

/**
 * An endpoint of another Upstash product: Kafka REST (`…-rest-kafka.upstash.io`), Vector, Search,
 * QStash. Its host carries a number too, but is no database's.
 */
export const OTHER_PRODUCT_HOST =
  /\b[a-z0-9-]+-(?:rest-kafka|kafka|vector|search)\.upstash\.io\b|\bqstash(?:-[a-z0-9-]+)?\.upstash\.io\b/;

/**
 * True when the Upstash endpoint nearest above a match (within `radius` lines) is another
 * product's and its own line names no database: the value sits in that product's client or block
 * (`new Kafka({ url: "https://…-rest-kafka.upstash.io", username, password })`), even with a
 * database's host below.
 */
export function otherProductAbove(ctx: MatchContext, radius = 4): boolean {
  // A database named on the value's own line (`redis-cli -a <pw> -h <host>`) owns it.
  if (UPSTASH_DB_HOST.test(ctx.line)) return false;
  let start = ctx.index;
  for (let d = 0; d <= radius && start > 0; d++) start = ctx.text.lastIndexOf('\n', start - 1);
  const above = ctx.text.slice(Math.max(0, start + 1), ctx.index);
  const last = (re: RegExp): number => {
    let at = -1;
    for (const m of above.matchAll(new RegExp(re.source, 'g'))) at = m.index;
    return at;
  };
  const other = last(OTHER_PRODUCT_HOST);
  return other >= 0 && other > last(UPSTASH_DB_HOST);
}
