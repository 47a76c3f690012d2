/**
 * Pure helpers of the incidents page: what a user may see of an incident, filters, sorting,
 * counts and time to rotate. Parameters are whitelisted: anything unknown is ignored.
 */
import { CREDENTIAL_TYPES, SEVERITIES, type CredentialType } from '../core/types.js';
import {
  INCIDENT_STATUSES,
  timeToRotateMs,
  type Incident,
  type IncidentStatus,
} from '../incidents/model.js';

export const VERDICTS = ['live', 'revoked', 'unknown'] as const;
export type Verdict = (typeof VERDICTS)[number];
export const SORTS = ['severity', 'last-seen', 'first-seen', 'status', 'type'] as const;
export type Sort = (typeof SORTS)[number];

export interface IncidentQuery {
  status?: IncidentStatus;
  verdict?: Verdict;
  repo?: string;
  type?: CredentialType;
  exposure?: 'server' | 'browser';
  sort: Sort;
}

function pick<T extends string>(allowed: readonly T[], v: string | null): T | undefined {
  return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : undefined;
}

export function parseQuery(p: URLSearchParams): IncidentQuery {
  const q: IncidentQuery = { sort: pick(SORTS, p.get('sort')) ?? 'severity' };
  const status = pick(INCIDENT_STATUSES, p.get('status'));
  if (status) q.status = status;
  const verdict = pick(VERDICTS, p.get('verdict'));
  if (verdict) q.verdict = verdict;
  const type = pick(CREDENTIAL_TYPES, p.get('type'));
  if (type) q.type = type;
  const exposure = pick(['server', 'browser'] as const, p.get('exposure'));
  if (exposure) q.exposure = exposure;
  const repo = p.get('repo');
  if (repo && /^[\w.-]+\/[\w.-]+$/.test(repo)) q.repo = repo;
  return q;
}

/** The query as URL parameters (for export links and forms). */
export function queryString(q: IncidentQuery): string {
  const p = new URLSearchParams();
  for (const k of ['status', 'verdict', 'repo', 'type', 'exposure'] as const) {
    const v = q[k];
    if (v) p.set(k, v);
  }
  if (q.sort !== 'severity') p.set('sort', q.sort);
  return p.toString();
}

/**
 * The part of an incident that a user with access to `repos` may see: only those repositories
 * and their occurrences. Undefined when the user can see none of them.
 */
export function visiblePart(i: Incident, repos: ReadonlyMap<number, string>): Incident | undefined {
  const repositories = i.repositories.filter((r) => repos.has(r.id));
  if (repositories.length === 0) return undefined;
  // The status history and verdict reasons name repositories in free text ("push scan found it
  // in acme/web"): the names of those the user cannot see are taken out.
  const hidden = i.repositories.filter((r) => !repos.has(r.id)).map((r) => r.fullName);
  const names = hidden.map(
    (name) => new RegExp(`(?<![\\w.-])${escapeRegExp(name)}(?![\\w-]|\\.[\\w-])`, 'g'),
  );
  const unname = (text: string): string =>
    names.reduce((t, re) => t.replace(re, 'another repository'), text);
  return {
    ...i,
    repositories,
    occurrences: i.occurrences.filter((o) => repos.has(o.repoId)),
    ...(hidden.length
      ? {
          transitions: i.transitions.map((t) => ({ ...t, cause: unname(t.cause) })),
          verifications: i.verifications.map((v) =>
            v.reason ? { ...v, reason: unname(v.reason) } : v,
          ),
        }
      : {}),
  };
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function latestVerdict(i: Incident): Verdict {
  const last = i.verifications.findLast((v) => v.status === 'live' || v.status === 'revoked');
  return last ? (last.status as Verdict) : 'unknown';
}

const STATUS_ORDER: readonly IncidentStatus[] = [
  'open',
  'rotated',
  'removed',
  'resolved',
  'allowed',
];

export function filterAndSort(list: readonly Incident[], q: IncidentQuery): Incident[] {
  const out = list.filter(
    (i) =>
      (!q.status || i.status === q.status) &&
      (!q.verdict || latestVerdict(i) === q.verdict) &&
      (!q.type || i.type === q.type) &&
      (!q.exposure || i.exposure.kind === q.exposure) &&
      (!q.repo || i.repositories.some((r) => r.fullName === q.repo)),
  );
  const by: Record<Sort, (a: Incident, b: Incident) => number> = {
    severity: (a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity),
    'last-seen': (a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt),
    'first-seen': (a, b) => a.firstSeenAt.localeCompare(b.firstSeenAt),
    status: (a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status),
    type: (a, b) => a.type.localeCompare(b.type),
  };
  return out.sort(
    (a, b) =>
      by[q.sort](a, b) ||
      b.lastSeenAt.localeCompare(a.lastSeenAt) ||
      a.fingerprint.localeCompare(b.fingerprint),
  );
}

export interface Summary {
  total: number;
  byStatus: Record<IncidentStatus, number>;
  live: number;
  /** Time from first sight to rotation, over incidents that were rotated. */
  rotate: { count: number; medianMs?: number; worstMs?: number };
}

export function summarise(list: readonly Incident[]): Summary {
  const byStatus = Object.fromEntries(INCIDENT_STATUSES.map((s) => [s, 0])) as Record<
    IncidentStatus,
    number
  >;
  const times: number[] = [];
  let live = 0;
  for (const i of list) {
    byStatus[i.status]++;
    if (latestVerdict(i) === 'live') live++;
    const t = timeToRotateMs(i);
    if (t !== undefined) times.push(t);
  }
  times.sort((a, b) => a - b);
  const rotate: Summary['rotate'] = { count: times.length };
  if (times.length) {
    const mid = times.length >> 1;
    rotate.medianMs = times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
    rotate.worstMs = times[times.length - 1]!;
  }
  return { total: list.length, byStatus, live, rotate };
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '–';
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.round(min / 6) / 10;
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 2.4) / 10} days`;
}

/** CSV with every cell quoted, and formula-leading cells neutralised (CSV injection). */
export function toCsv(
  rows: readonly (readonly (string | number | boolean | null | undefined)[])[],
): string {
  const cell = (v: string | number | boolean | null | undefined): string => {
    let s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return `"${s.replace(/"/g, '""')}"`;
  };
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
