import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, revealSecret } from '../../src/core/index.js';
import { scanHistory } from '../../src/engine/scan-history.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { redisEndpoint, redisTokenParts, qstashToken } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };

describe('scanHistory', () => {
  let repo: TestRepo;
  beforeEach(() => {
    repo = createRepo();
  });
  afterEach(() => repo.cleanup());

  it('attributes a token to the commit that introduced it, across edits, renames, branches and deletion', async () => {
    const t = redisTokenParts({ readOnly: true });
    repo.write('README.md', '# app\n');
    repo.commit('init');
    repo.write(
      '.env',
      `UPSTASH_REDIS_REST_URL=${redisEndpoint(t.dbId)}\nUPSTASH_REDIS_REST_TOKEN=${t.token}\n`,
    );
    const intro = repo.commit('add env');
    repo.write(
      '.env',
      `# edited\nUPSTASH_REDIS_REST_URL=${redisEndpoint(t.dbId)}\nUPSTASH_REDIS_REST_TOKEN=${t.token}\n`,
    );
    repo.commit('edit env');
    repo.rename('.env', 'config/.env');
    repo.commit('move env');
    repo.remove('config/.env');
    repo.commit('remove env');

    const result = await scanHistory(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    const f = result.findings[0]!;
    expect(f.introducedBy).toMatchObject({ commit: intro, path: '.env' });
    expect(f.presentAtHead).toBe(false);
    expect(f.readOnly).toBe(true);
    expect(f.branches).toEqual(['main']);
    expect(f.commitCount).toBe(1); // only the add introduced it: the edit and the move did not
    expect(f.occurrences.map((o) => o.path).sort()).toEqual(['.env', '.env', 'config/.env']);
    expect(f.endpoint).toMatch(new RegExp(`-${t.dbId}\\.upstash\\.io$`));
    expect(JSON.stringify(result)).not.toContain(t.token);
    expect(revealSecret(f)?.value).toBe(t.token);
  });

  it('finds secrets on unmerged branches and tags, and knows what is still at HEAD', async () => {
    const a = redisTokenParts();
    const q = qstashToken();
    repo.write('a.ts', `export const token = "${a.token}";\n`);
    const c1 = repo.commit('a');
    repo.branch('feature');
    repo.checkout('feature');
    repo.write('q.env', `QSTASH_TOKEN=${q}\n`);
    const c2 = repo.commit('q');
    repo.tag('v1');
    repo.checkout('main');
    const result = await scanHistory(repo.dir, opts);
    const byType = Object.fromEntries(result.findings.map((f) => [f.type, f]));
    expect(byType['upstash-redis-token']).toMatchObject({
      presentAtHead: true,
      introducedBy: { commit: c1 },
    });
    expect(byType['upstash-qstash-token']).toMatchObject({
      presentAtHead: false,
      introducedBy: { commit: c2 },
    });
    expect(byType['upstash-qstash-token']!.branches).toEqual(['feature', 'v1']);
  });

  it('attributes a secret brought by a merge to its branch commit, not to the merge', async () => {
    const t = redisTokenParts({ layout: 'current64' });
    repo.write('x', '1');
    repo.commit('base');
    repo.branch('f');
    repo.checkout('f');
    repo.write('f.yml', `token: ${t.token}\n`);
    const onBranch = repo.commit('leak on branch');
    repo.checkout('main');
    repo.write('y', '2');
    repo.commit('main work');
    repo.merge('f');
    const result = await scanHistory(repo.dir, opts);
    expect(result.findings[0]!.introducedBy!.commit).toBe(onBranch);
    expect(result.findings[0]!.commitCount).toBe(1);
    expect(result.findings[0]!.branches).toEqual(['f', 'main']);
  });

  it('reads binary and oversize blobs, skips ignored ones and counts them', async () => {
    const t = redisTokenParts().token;
    repo.write('bin.dat', Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(t)]));
    repo.write('big.txt', `${'x'.repeat(2000)}\n${t}\n`);
    repo.write('fixtures/a.env', `T=${t}\n`);
    repo.commit('c');
    const config = { ...DEFAULT_CONFIG, maxFileSize: 1000, ignorePaths: ['fixtures/**'] };
    const result = await scanHistory(repo.dir, { config });
    // The binary is read for printable runs; big.txt (over maxFileSize) in windows.
    expect(result.findings.flatMap((f) => f.occurrences.map((o) => `${o.path}:${o.line}`))).toEqual(
      ['big.txt:2', 'bin.dat:1'],
    );
    expect(result.stats).toMatchObject({ skippedBinary: 0, skippedTooLarge: 0, skippedIgnored: 1 });
    expect(result.stats.binaryScanned).toBe(1);
  });

  it('never runs code named by a hostile repository config', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'ug-marker-')), 'pwned');
    repo.write('a', 'x');
    repo.commit('a');
    repo.git('config', 'core.fsmonitor', `touch ${marker}`);
    repo.git('config', 'core.pager', `touch ${marker}`);
    repo.git('config', 'diff.external', `touch ${marker}`);
    repo.git('config', 'filter.evil.clean', `touch ${marker}`);
    repo.git('config', 'filter.evil.smudge', `touch ${marker}`);
    repo.write('.gitattributes', '* filter=evil diff=evil\n');
    repo.git('config', 'diff.evil.textconv', `touch ${marker}`);
    repo.git('config', 'core.hooksPath', '.hooks');
    await scanHistory(repo.dir, opts);
    expect(existsSync(marker)).toBe(false);
    rmSync(join(marker, '..'), { recursive: true, force: true });
  });

  it('handles an empty repository', async () => {
    const result = await scanHistory(repo.dir, opts);
    expect(result.findings).toEqual([]);
  });
});
