/** The incident lifecycle: status follows the facts, every change is recorded with time and cause. */
import { attachSecret, type Finding } from '../../src/core/types.js';
import { fingerprint } from '../../src/core/scan/fingerprint.js';
import {
  applyEvent,
  newIncident,
  timeToRotateMs,
  type Incident,
  type RepoRef,
} from '../../src/incidents/model.js';
import { leakFinding } from '../helpers/leak-finding.js';
import { redisToken } from '../helpers/synthetic.js';

const web: RepoRef = { id: 11, fullName: 'acme/web' };
const api: RepoRef = { id: 12, fullName: 'acme/api' };
const T = (m: number): string => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();

const finding = (over: Partial<Finding> = {}): Finding =>
  leakFinding(redisToken(), {
    masked: 'AYVP…(62 chars)',
    occurrences: [{ path: '.env', line: 3, commit: 'a'.repeat(40), author: 'dev', date: T(0) }],
    ...over,
  });

const seen = (f: Finding, repo: RepoRef, at: string) =>
  ({ kind: 'seen', at, repo, finding: f, cause: 'push scan' }) as const;

test('a first sighting opens an incident with the repository, occurrence and a recorded transition', () => {
  const f = finding();
  const i = newIncident(7, seen(f, web, T(0)));
  expect(i.status).toBe('open');
  expect(i.repositories).toEqual([
    expect.objectContaining({ id: 11, fullName: 'acme/web', reachable: true }),
  ]);
  expect(i.occurrences).toEqual([
    { repoId: 11, path: '.env', line: 3, commit: 'a'.repeat(40), author: 'dev', date: T(0) },
  ]);
  expect(i.transitions).toEqual([
    { from: null, to: 'open', at: T(0), cause: 'push scan found it in acme/web' },
  ]);
});

test('the same credential in two repositories is one incident with two repositories; occurrences are not duplicated', () => {
  const f = finding();
  let i = newIncident(7, seen(f, web, T(0)));
  i = applyEvent(i, seen(f, web, T(1)));
  i = applyEvent(i, seen({ ...f, occurrences: [{ path: 'src/a.ts', line: 9 }] }, api, T(2)));
  expect(i.repositories.map((r) => r.fullName)).toEqual(['acme/web', 'acme/api']);
  expect(i.occurrences).toHaveLength(2);
  expect(i.lastSeenAt).toBe(T(2));
  expect(i.transitions).toHaveLength(1);
});

test('the worst reading wins: browser exposure and a higher severity are kept', () => {
  const f = finding();
  let i = newIncident(7, seen(f, web, T(0)));
  i = applyEvent(
    i,
    seen(
      { ...f, severity: 'critical', exposure: { kind: 'browser', reason: 'NEXT_PUBLIC_ prefix' } },
      api,
      T(1),
    ),
  );
  i = applyEvent(i, seen({ ...f, severity: 'medium' }, web, T(2)));
  expect(i.severity).toBe('critical');
  expect(i.exposure.kind).toBe('browser');
});

test('open -> rotated only on a definitive revoked; unknown changes nothing; removed needs every repository clean', () => {
  const f = finding();
  let i = newIncident(7, seen(f, web, T(0)));
  i = applyEvent(i, seen(f, api, T(1)));
  i = applyEvent(i, {
    kind: 'verdict',
    at: T(2),
    status: 'unknown',
    reason: 'timeout',
    by: 'schedule',
  });
  expect(i.status).toBe('open');
  i = applyEvent(i, { kind: 'verdict', at: T(3), status: 'revoked', by: 'schedule' });
  expect(i.status).toBe('rotated');
  // A later unknown does not undo a definitive revoked.
  i = applyEvent(i, { kind: 'verdict', at: T(4), status: 'unknown', by: 'schedule' });
  expect(i.status).toBe('rotated');
  i = applyEvent(i, {
    kind: 'reachability',
    at: T(5),
    repo: web,
    reachable: false,
    cause: 'history scan after force push',
  });
  expect(i.status).toBe('rotated'); // still in acme/api
  i = applyEvent(i, {
    kind: 'reachability',
    at: T(6),
    repo: api,
    reachable: false,
    cause: 'history scan after force push',
  });
  expect(i.status).toBe('removed');
  i = applyEvent(i, { kind: 'resolve', at: T(7), by: 'octocat' });
  expect(i.status).toBe('resolved');
  expect(i.transitions.map((t) => t.to)).toEqual(['open', 'rotated', 'removed', 'resolved']);
  expect(i.transitions[1]).toEqual({
    from: 'open',
    to: 'rotated',
    at: T(3),
    cause: 'verification (schedule) said revoked',
  });
  expect(timeToRotateMs(i)).toBe(3 * 60_000);
});

test('removed from git but still live stays open: removal does not make a leaked secret safe', () => {
  const f = finding();
  let i = newIncident(7, seen(f, web, T(0)));
  i = applyEvent(i, {
    kind: 'reachability',
    at: T(1),
    repo: web,
    reachable: false,
    cause: 'history scan',
  });
  expect(i.status).toBe('open');
  expect(timeToRotateMs(i)).toBeUndefined();
});

test('a re-pushed credential reopens a removed incident and drops its resolution', () => {
  const f = finding();
  let i = newIncident(7, seen(f, web, T(0)));
  i = applyEvent(i, { kind: 'verdict', at: T(1), status: 'revoked', by: 'scan' });
  i = applyEvent(i, {
    kind: 'reachability',
    at: T(2),
    repo: web,
    reachable: false,
    cause: 'history scan',
  });
  i = applyEvent(i, { kind: 'resolve', at: T(3), by: 'octocat' });
  i = applyEvent(i, seen(f, web, T(4)));
  expect(i.status).toBe('rotated');
  expect(i.resolved).toBeUndefined();
  expect(i.transitions.at(-1)).toEqual(
    expect.objectContaining({ from: 'resolved', to: 'rotated' }),
  );
});

test('allowed wins over every other fact, with reason, who and when; withdrawing it restores the derived status', () => {
  const f = finding();
  let i: Incident = newIncident(7, seen(f, web, T(0)));
  i = applyEvent(i, { kind: 'allow', at: T(1), reason: 'test fixture database', by: 'octocat' });
  expect(i.status).toBe('allowed');
  expect(i.allowed).toEqual({ reason: 'test fixture database', by: 'octocat', at: T(1) });
  i = applyEvent(i, { kind: 'unallow', at: T(2), by: 'octocat' });
  expect(i.status).toBe('open');
});

test('applyEvent does not modify its input', () => {
  const i = newIncident(7, seen(finding(), web, T(0)));
  const copy = structuredClone(i);
  applyEvent(i, { kind: 'verdict', at: T(1), status: 'revoked', by: 'scan' });
  expect(i).toEqual(copy);
});

test('no raw secret reaches an incident', () => {
  const secret = redisToken();
  const f = attachSecret({ ...finding(), fingerprint: fingerprint(secret) }, { value: secret });
  const i = newIncident(7, seen(f, web, T(0)));
  expect(JSON.stringify(i)).not.toContain(secret);
  expect(JSON.stringify(i)).not.toContain(secret.slice(8, 20));
});
