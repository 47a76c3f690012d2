/** app.yml is what Probot's setup flow registers: it must parse and ask for exactly what we use. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { ROOT } from '../helpers/app-process.js';

interface Manifest {
  name: string;
  default_permissions: Record<string, string>;
  default_events: string[];
  hook_attributes?: { url: string };
}
const appYml = readFileSync(join(ROOT, 'app.yml'), 'utf8');
const manifest = parse(appYml) as Manifest;

test('app.yml parses with least-privilege permissions and the handled events', () => {
  expect(manifest.name).toBe('upstash-guard');
  expect(manifest.default_permissions).toEqual({
    checks: 'write',
    contents: 'write',
    pull_requests: 'write',
    metadata: 'read',
  });
  expect([...manifest.default_events].sort()).toEqual(
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

test('no placeholder webhook URL: the setup flow sets it to the address the setup page is opened on', async () => {
  expect(manifest.hook_attributes).toBeUndefined();
  expect(appYml).not.toMatch(/example\.invalid/);
  // Probot's own manifest builder, as its setup page calls it (it reads app.yml from the cwd).
  const { ManifestCreation } = (await import(
    pathToFileURL(join(ROOT, 'node_modules/probot/lib/manifest-creation.js')).href
  )) as {
    ManifestCreation: new () => { getManifest(o: { pkg: object; baseUrl: string }): string };
  };
  const saved = process.env.WEBHOOK_PROXY_URL;
  delete process.env.WEBHOOK_PROXY_URL;
  try {
    const cwd = process.cwd();
    expect(cwd).toBe(ROOT);
    const generated = JSON.parse(
      new ManifestCreation().getManifest({ pkg: {}, baseUrl: 'https://guard.example.org' }),
    ) as Manifest;
    // The app accepts deliveries at "/" (test/app/entry-process.test.ts delivers there).
    expect(generated.hook_attributes).toEqual({ url: 'https://guard.example.org/' });
    expect(generated.default_permissions).toEqual(manifest.default_permissions);
  } finally {
    if (saved !== undefined) process.env.WEBHOOK_PROXY_URL = saved;
  }
});

/** Rows `| <Permission> | <level> | …` of the permissions table under a heading in a Markdown file. */
function documentedPermissions(file: string): Record<string, string> {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const start = text.search(/^#+ .*Permissions/m);
  expect(start).toBeGreaterThanOrEqual(0);
  const rows: Record<string, string> = {};
  const lines = text.slice(start).split('\n').slice(1);
  let inTable = false;
  for (const line of lines) {
    if (!line.startsWith('|')) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    const [name, level] = line
      .split('|')
      .slice(1, 3)
      .map((c) => c.trim());
    if (!name || !level || /^-+$/.test(level) || /^permission$/i.test(name)) continue;
    rows[name.toLowerCase().replace(/ /g, '_')] = level;
  }
  return rows;
}

test.each(['README.md', 'docs/app.md'])('%s lists exactly the permissions of app.yml', (file) => {
  expect(documentedPermissions(file)).toEqual(manifest.default_permissions);
});
