/**
 * collectFindings: hits from any number of fragments in, one finding per credential out.
 * Merges every form of one credential (URL and token share an identity), pairs tokens with endpoints
 * by database id, computes severity, fingerprint and mask, and applies suppressions.
 */
import type { Config } from '../config/types.js';
import {
  attachSecret,
  type Candidate,
  type Finding,
  type Hit,
  type Occurrence,
  type ScanResult,
} from '../types.js';
import { DETECTORS } from '../detectors/registry.js';
import { fingerprint } from './fingerprint.js';
import { mask } from './mask.js';
import { compareSeverity, severityOf } from './severity.js';

export interface CollectOptions {
  config: Config;
  fingerprintKey?: string;
}

const TITLES = new Map(DETECTORS.map((d) => [d.type, d.title]));
TITLES.set('upstash-search-token', 'Upstash Search token');
TITLES.set('upstash-vector-token', 'Upstash Vector token');
TITLES.set('upstash-redis-token', 'Upstash Redis REST token');

const CONFIDENCE_RANK = { high: 0, medium: 1, low: 2 } as const;

export function collectFindings(
  hits: Iterable<Hit>,
  opts: CollectOptions,
): { findings: Finding[]; suppressed: ScanResult['suppressed'] } {
  const groups = new Map<string, Hit[]>();
  const endpoints = new Map<string, Hit[]>();
  const endpointsByPath = new Map<string, Hit[]>();
  for (const hit of hits) {
    const c = hit.candidate;
    if (c.pairingPartOnly) {
      if (c.pairKey) push(endpoints, c.pairKey, hit);
      if (c.endpoint) push(endpointsByPath, hit.occurrence.path, hit);
      continue;
    }
    push(groups, c.identity, hit);
  }
  mergeHostlessLegacyPasswords(groups);

  const findings: Finding[] = [];
  const suppressed: ScanResult['suppressed'] = [];
  const allow = new Map(opts.config.allow.map((a) => [a.fingerprint, a.reason]));
  for (const [identity, group] of groups) {
    const primary = pickPrimary(group.map((h) => h.candidate));
    const fp = fingerprint(identity, opts.fingerprintKey);
    const reason =
      allow.get(fp) ??
      (group.every((h) => h.inlineAllowed) ? 'inline upstash-guard:allow' : undefined) ??
      (madeUpExample(primary, group) ? 'documentation example of no known format' : undefined);
    if (reason !== undefined) {
      suppressed.push({ fingerprint: fp, type: primary.type, reason });
      continue;
    }
    const finding = buildFinding(primary, group, fp, endpoints, endpointsByPath);
    attachSecret(finding, {
      value: primary.secret,
      ...(companionOf(group) ? { companion: companionOf(group)! } : {}),
    });
    findings.push(finding);
  }
  findings.sort(
    (a, b) =>
      compareSeverity(a.severity, b.severity) ||
      cmp(a.occurrences[0]?.path ?? '', b.occurrences[0]?.path ?? '') ||
      (a.occurrences[0]?.line ?? 0) - (b.occurrences[0]?.line ?? 0),
  );
  return { findings, suppressed };
}

function buildFinding(
  primary: Candidate,
  group: Hit[],
  fp: string,
  endpoints: Map<string, Hit[]>,
  endpointsByPath: Map<string, Hit[]>,
): Finding {
  const candidates = group.map((h) => h.candidate);
  const readOnly = candidates.some((c) => c.readOnly === true) ? true : primary.readOnly;
  const browser = group.find((h) => h.exposure.kind === 'browser');
  const exposure = browser ? browser.exposure : { kind: 'server' as const };
  const details = Object.assign(
    {},
    ...candidates.map((c) => c.details),
    primary.details,
  ) as Finding['details'];
  const forms = [
    ...new Set(candidates.map((c) => (c.type === 'upstash-redis-url' ? 'url' : 'token'))),
  ];
  if (primary.type === 'upstash-redis-token' || primary.type === 'upstash-redis-url')
    details.seenAs = forms.join('+');
  const endpoint =
    candidates.find((c) => c.endpoint)?.endpoint ??
    pairEndpoint(primary, group, endpoints) ??
    nearbyEndpoint(primary, group, endpointsByPath);
  const occurrences = uniqueOccurrences(group.map((h) => h.occurrence));
  // Seen only in documentation examples: probably made up, so one step less sure (never dropped).
  let confidence = primary.confidence;
  if (group.every((h) => h.docsExample)) {
    confidence = confidence === 'high' ? 'medium' : 'low';
    details.docsExample = true;
  }
  const base = { type: primary.type, readOnly, exposure, confidence, details };
  return {
    type: primary.type,
    title: TITLES.get(primary.type) ?? primary.type,
    readOnly,
    ...(endpoint ? { endpoint } : {}),
    exposure,
    severity: severityOf(base),
    confidence,
    fingerprint: fp,
    masked: mask(primary.secret),
    details,
    occurrences,
  };
}

/**
 * A value of no known layout, already low confidence, seen only in documentation examples: one
 * step lower is no finding (it is kept in `suppressed`, with its reason). Anything that decodes
 * (a token, an ACL-shaped token) or has more confidence is only lowered (`buildFinding`).
 */
function madeUpExample(primary: Candidate, group: Hit[]): boolean {
  return (
    primary.confidence === 'low' &&
    primary.details.layout === 'unknown' &&
    group.every((h) => h.docsExample)
  );
}

/**
 * A legacy TCP password seen without any host (`redis-password:<pw>`) is the same credential as
 * the legacy token, URL or password elsewhere that names its database (`redis:<N>:legacy:<pw>`).
 */
function mergeHostlessLegacyPasswords(groups: Map<string, Hit[]>): void {
  const named = new Map<string, string>();
  for (const identity of groups.keys()) {
    const m = /^redis:\d+:legacy:(.+)$/.exec(identity);
    if (m) named.set(m[1]!, identity);
  }
  for (const [identity, group] of groups) {
    if (!identity.startsWith('redis-password:')) continue;
    const target = named.get(identity.slice('redis-password:'.length));
    if (!target) continue;
    groups.get(target)!.push(...group);
    groups.delete(identity);
  }
}

/** Token form beats URL form; higher confidence beats lower. */
function pickPrimary(candidates: Candidate[]): Candidate {
  return [...candidates].sort(
    (a, b) =>
      Number(a.type === 'upstash-redis-url') - Number(b.type === 'upstash-redis-url') ||
      CONFIDENCE_RANK[a.confidence] - CONFIDENCE_RANK[b.confidence],
  )[0]!;
}

/** An endpoint with the same database id: same file first, then same commit, then anywhere. */
function pairEndpoint(
  primary: Candidate,
  group: Hit[],
  endpoints: Map<string, Hit[]>,
): string | undefined {
  if (!primary.pairKey) return undefined;
  const options = endpoints.get(primary.pairKey);
  if (!options?.length) return undefined;
  const paths = new Set(group.map((h) => h.occurrence.path));
  const commits = new Set(group.map((h) => h.occurrence.commit).filter(Boolean));
  const best =
    options.find((e) => paths.has(e.occurrence.path)) ??
    options.find((e) => e.occurrence.commit && commits.has(e.occurrence.commit)) ??
    options[0]!;
  return best.candidate.endpoint;
}

/** Lines apart within which an unstructured value and an endpoint are one configuration. */
const NEARBY_LINES = 5;

/**
 * A Redis value with no database id to pair by (an unknown-format value under an Upstash Redis
 * name): the nearest endpoint in the same file and commit, at most NEARBY_LINES away, is the one
 * it was configured with (`UPSTASH_REDIS_REST_URL=…` above `UPSTASH_REDIS_REST_TOKEN=…`).
 */
function nearbyEndpoint(
  primary: Candidate,
  group: Hit[],
  endpointsByPath: Map<string, Hit[]>,
): string | undefined {
  if (primary.pairKey || primary.type !== 'upstash-redis-token') return undefined;
  let best: { distance: number; endpoint: string } | undefined;
  for (const h of group)
    for (const e of endpointsByPath.get(h.occurrence.path) ?? []) {
      const a = e.occurrence;
      const b = h.occurrence;
      if (a.commit !== b.commit) continue;
      const distance = Math.abs(a.line - b.line);
      if (distance <= NEARBY_LINES && (!best || distance < best.distance))
        best = { distance, endpoint: e.candidate.endpoint! };
    }
  return best?.endpoint;
}

function companionOf(group: Hit[]): Record<string, string> | undefined {
  return group.find((h) => h.candidate.companion)?.candidate.companion;
}

function uniqueOccurrences(list: Occurrence[]): Occurrence[] {
  const seen = new Set<string>();
  const out: Occurrence[] = [];
  for (const o of list) {
    const k = `${o.commit ?? ''}\u0000${o.source ?? ''}\u0000${o.tag ?? ''}\u0000${o.path}\u0000${o.line}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(o);
  }
  return out.sort(
    (a, b) => cmp(a.path, b.path) || a.line - b.line || cmp(a.commit ?? '', b.commit ?? ''),
  );
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
