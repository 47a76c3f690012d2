/** The report plan read from a token response's permissions, which is hostile input like any. */
import { asRefused, describeRefusal, refusalOf } from '../../src/github/refusal.js';
import {
  checkRunNotGranted,
  contradicts,
  offNote,
  permissionsOf,
  planReport,
} from '../../src/github/report-plan.js';

const ALL = { checks: 'write', contents: 'write', pull_requests: 'write', metadata: 'read' };

test('permissionsOf: only readable entries; absent, empty or malformed is "not listed"', () => {
  expect(permissionsOf({ permissions: ALL })).toEqual(ALL);
  expect(permissionsOf({})).toBeUndefined();
  expect(permissionsOf({ permissions: {} })).toBeUndefined();
  expect(permissionsOf({ permissions: null })).toBeUndefined();
  expect(permissionsOf({ permissions: ['checks'] })).toBeUndefined();
  expect(permissionsOf(null)).toBeUndefined();
  expect(
    permissionsOf({
      permissions: { checks: 'write', 'Bad Key': 'write', contents: 7, issues: 'owner' },
    }),
  ).toEqual({ checks: 'write' });
});

test('planReport: each surface off without its write permission, saying what is granted', () => {
  expect(planReport(undefined).off).toEqual({});
  expect(planReport(ALL).off).toEqual({});
  const off = planReport({ metadata: 'read', contents: 'read', issues: 'read' }).off;
  expect(off.checkRun?.grants).toBe('no Checks access');
  expect(off.commitComments?.grants).toBe('Contents: read');
  expect(off.prComment?.grants).toBe('no Pull requests access and Issues: read');
  expect(offNote(off.commitComments!)).toBe(
    'Commit comments are off: this installation grants Contents: read (they need Contents: write).',
  );
  expect(offNote(off.prComment!)).toMatch(/Pull requests: write or Issues: write/);
  // PR comments are issue comments: either write permission is enough.
  expect(planReport({ ...ALL, pull_requests: 'read', issues: 'write' }).off.prComment).toBe(
    undefined,
  );
});

test('contradicts: a "permission" refusal of what the listed permissions grant', () => {
  const refused = (route: string) =>
    refusalOf({
      status: 403,
      message: 'Resource not accessible by integration',
      request: { method: route.split(' ')[0], url: `https://api.github.com${route.split(' ')[1]}` },
      response: { headers: {}, data: { message: 'Resource not accessible by integration' } },
    })!;
  const comment = refused('POST /repos/a/b/commits/abc/comments');
  expect(contradicts(ALL, comment)).toBe(true);
  expect(contradicts({ ...ALL, contents: 'read' }, comment)).toBe(false);
  expect(contradicts(undefined, comment)).toBe(false);
  const pr = refused('POST /repos/a/b/issues/3/comments');
  expect(contradicts({ ...ALL, pull_requests: 'read', issues: 'write' }, pr)).toBe(true);
  expect(contradicts({ ...ALL, pull_requests: 'read' }, pr)).toBe(false);
});

test('a check run not granted is a refusal that names the permission and says nothing was sent', () => {
  const err = checkRunNotGranted(planReport({ ...ALL, checks: 'read' }).off.checkRun!);
  expect(asRefused(err)).toBe(err);
  expect(refusalOf(err)?.scope).toBe('checks');
  expect(describeRefusal(err.refusal)).toBe(
    'POST /repos/{owner}/{repo}/check-runs was not sent: the installation grants Checks: read and the App needs "Checks: write"; grant it in the App\'s settings (Permissions) and accept it on the installation. Not retried',
  );
  // Not a contradiction of anything: the plan decided it.
  expect(contradicts(ALL, err.refusal)).toBe(false);
});
