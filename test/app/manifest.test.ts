/** app.yml is what Probot's setup flow registers: it must parse and ask for exactly what we use. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

test('app.yml parses with least-privilege permissions and the handled events', () => {
  const m = parse(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8')) as {
    name: string;
    default_permissions: Record<string, string>;
    default_events: string[];
  };
  expect(m.name).toBe('upstash-guard');
  expect(m.default_permissions).toEqual({
    checks: 'write',
    contents: 'write',
    pull_requests: 'write',
    metadata: 'read',
  });
  expect([...m.default_events].sort()).toEqual(
    [
      'check_run',
      'check_suite',
      'installation_repositories',
      'pull_request',
      'push',
      'repository',
    ].sort(),
  );
});
