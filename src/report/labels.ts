import type {
  CredentialType,
  Finding,
  Introduction,
  Occurrence,
  Severity,
  Verification,
} from '../core/types.js';

/** Short human names per credential type (the detector title is on the Finding itself). */
export const TYPE_LABELS: Record<CredentialType, string> = {
  'upstash-redis-token': 'Redis REST token',
  'upstash-redis-url': 'Redis connection URL',
  'upstash-vector-token': 'Vector index token',
  'upstash-search-token': 'Search index token',
  'upstash-qstash-token': 'QStash token',
  'upstash-qstash-signing-key': 'QStash signing key',
  'upstash-management-key': 'Management API key',
  'upstash-kafka-credentials': 'Kafka REST credentials',
  'upstash-box-api-key': 'Box API key',
  'upstash-context7-api-key': 'Context7 API key',
};

export function accessLabel(readOnly: boolean | null): string {
  if (readOnly === true) return 'read-only';
  if (readOnly === false) return 'full access';
  return 'access unknown';
}

/** "not checked" when verification did not run; never claims more than the verifier said. */
export function verificationLabel(v: Verification | undefined): string {
  if (!v) return 'not checked';
  switch (v.status) {
    case 'live':
      return 'LIVE';
    case 'revoked':
      return 'revoked';
    case 'unknown':
      return `unknown${v.reason ? ` (${v.reason})` : ''}`;
    case 'unverifiable':
      return `unverifiable${v.reason ? ` (${v.reason})` : ''}`;
  }
}

export function exposureLabel(f: Finding): string {
  const e = f.exposure;
  const base = e.kind === 'browser' ? 'ships to browsers' : 'server-side';
  return e.reason ? `${base} (${e.reason})` : base;
}

export function shortSha(sha: string | undefined): string {
  return sha ? sha.slice(0, 7) : '';
}

/** "commit message" or "message of tag v1.0" for a message occurrence; undefined for a file. */
export function messageLabel(o: Pick<Occurrence, 'source' | 'tag'>): string | undefined {
  if (o.source === 'commit-message') return 'commit message';
  if (o.source === 'tag-message') return `message of tag ${o.tag ?? '?'}`;
  return undefined;
}

/**
 * "path:line", plus the byte offset for content read as binary (its lines count LF bytes); for a
 * message, "commit message, line 3" (the commit is shown beside it by every renderer).
 */
export function where(o: Occurrence): string {
  const message = messageLabel(o);
  if (message) return `${message}, line ${o.line}`;
  return `${o.path}:${o.line}${o.offset !== undefined ? ` (byte ${o.offset})` : ''}`;
}

/** Where an introduction is: its path, or which message. */
export function introductionPlace(by: Introduction): string {
  return messageLabel(by) ?? by.path;
}

export function severityCounts(findings: readonly Finding[]): string {
  const counts = new Map<Severity, number>();
  for (const f of findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const order: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
  return order
    .filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s}`)
    .join(', ');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
