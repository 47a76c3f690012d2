/**
 * `scan --history` on a real repository: an Upstash CLI login file committed and deleted again (it
 * holds no keyword, only its path says Upstash), and redis-cli transcripts whose AUTH lines carry
 * a database password, one on an Upstash session and one on a local server.
 */
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { managementKey, redisHost, redisTokenParts } from '../helpers/synthetic.js';
import { cli } from './cli-harness.js';

interface JsonFinding {
  type: string;
  masked: string;
  presentAtHead?: boolean;
  introducedBy?: { commit: string; path: string };
  occurrences: { path: string; line: number }[];
}

describe('scan --history: CLI login files and redis-cli AUTH lines', () => {
  let repo: TestRepo;
  let loginCommit: string;
  const key = managementKey({ seed: 'history-login' });
  const newKey = managementKey({ seed: 'history-login-1x' });
  const t = redisTokenParts({ layout: 'legacy', seed: 'history-auth' });
  const host = redisHost(t.dbId, { legacyRegion: 'eu1', seed: 'history-auth' });
  const local = redisTokenParts({ layout: 'legacy', seed: 'history-local' }).password!;

  beforeAll(() => {
    repo = createRepo();
    repo.write('README.md', 'dotfiles\n');
    repo.commit('init');
    repo.write('.upstash.json', JSON.stringify({ email: 'ops@example.org', apiKey: key }));
    loginCommit = repo.commit('add shell config');
    repo.remove('.upstash.json');
    repo.commit('remove the CLI login');
    repo.write(
      '.config/upstash/config.json',
      JSON.stringify({ email: 'ops@example.org', api_key: newKey }, null, 2) + '\n',
    );
    repo.write(
      'ops/session.log',
      `$ redis-cli --tls -h ${host} -p ${t.dbId}\n${host}:${t.dbId}> AUTH default ${t.password!}\nOK\n${host}:${t.dbId}> DBSIZE\n(integer) 12\n`,
    );
    // A local server's transcript beside a note naming the Upstash host: not Upstash's password.
    repo.write('ops/local.log', `# prod is ${host}\n127.0.0.1:6379> AUTH ${local}\nOK\n`);
    repo.commit('notes');
  });
  afterAll(() => repo.cleanup());

  it('finds the deleted login file, the current one and the Upstash AUTH, and nothing else', async () => {
    const run = await cli(['scan', '--history', '--format', 'json'], { cwd: repo.dir });
    expect(run.code).toBe(1);
    const findings = (JSON.parse(run.stdout) as { findings: JsonFinding[] }).findings;
    const byPath = new Map(findings.map((f) => [f.occurrences[0]!.path, f]));
    expect([...byPath.keys()].sort()).toEqual([
      '.config/upstash/config.json',
      '.upstash.json',
      'ops/session.log',
    ]);
    expect(byPath.get('.upstash.json')).toMatchObject({
      type: 'upstash-management-key',
      presentAtHead: false,
      introducedBy: { commit: loginCommit, path: '.upstash.json' },
    });
    expect(byPath.get('.config/upstash/config.json')).toMatchObject({
      type: 'upstash-management-key',
      presentAtHead: true,
      occurrences: [{ line: 3 }],
    });
    expect(byPath.get('ops/session.log')).toMatchObject({
      type: 'upstash-redis-url',
      presentAtHead: true,
      occurrences: [{ line: 2 }],
    });
    for (const secret of [key, newKey, t.password!, local]) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
  });

  it('the working tree scan reads the login file at HEAD', async () => {
    const run = await cli(['scan', '.', '--format', 'json'], { cwd: repo.dir });
    const findings = (JSON.parse(run.stdout) as { findings: JsonFinding[] }).findings;
    expect(findings.map((f) => f.occurrences[0]!.path).sort()).toEqual([
      '.config/upstash/config.json',
      'ops/session.log',
    ]);
  });

  it('a staged login file (diff scan: added lines, no keyword) is found too', async () => {
    repo.write('home/.upstash.json', JSON.stringify({ email: 'ops@example.org', apiKey: key }));
    repo.git('add', 'home/.upstash.json');
    try {
      const run = await cli(['scan', '--staged', '--format', 'json'], { cwd: repo.dir });
      expect(run.code).toBe(1);
      const findings = (JSON.parse(run.stdout) as { findings: JsonFinding[] }).findings;
      expect(findings.map((f) => [f.type, f.occurrences[0]!.path])).toEqual([
        ['upstash-management-key', 'home/.upstash.json'],
      ]);
    } finally {
      repo.git('rm', '-q', '--cached', 'home/.upstash.json');
      repo.remove('home/.upstash.json');
    }
  });
});
