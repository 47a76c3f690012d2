import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/core/index.js';
import { otherHeads, parseRangeSpec, scanRange } from '../../src/engine/scan-range.js';
import { scanStaged } from '../../src/engine/scan-staged.js';
import { scanTree } from '../../src/engine/scan-tree.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { qstashToken, redisTokenParts, signingKey } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };

describe('scanRange', () => {
  let repo: TestRepo;
  let base: string;
  beforeEach(() => {
    repo = createRepo();
    repo.write('README.md', 'hello\n');
    base = repo.commit('base');
    repo.branch('feature');
    repo.checkout('feature');
  });
  afterEach(() => repo.cleanup());

  it('blames the commit and line that added a token, even if a later commit removes it', async () => {
    const t = redisTokenParts().token;
    repo.write('src/a.ts', 'const a = 1;\n');
    repo.commit('one');
    repo.write('src/a.ts', `const a = 1;\nconst b = 2;\nexport const token = "${t}";\n`);
    const leak = repo.commit('two', { author: 'Leaky <leaky@example.org>' });
    repo.write('src/a.ts', 'const a = 1;\n');
    repo.commit('three');
    const result = await scanRange(repo.dir, { include: ['feature'], exclude: [base] }, opts);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.occurrences).toEqual([
      expect.objectContaining({ path: 'src/a.ts', line: 3, commit: leak, author: 'Leaky' }),
    ]);
    expect(result.stats.commitsScanned).toBe(3);
    expect(JSON.stringify(result)).not.toContain(t);
  });

  it('does not blame what a merge of main brings in, but blames an evil merge', async () => {
    repo.checkout('main');
    repo.write('main.env', `QSTASH_TOKEN=${qstashToken()}\n`);
    repo.commit('leak on main');
    repo.checkout('feature');
    repo.write('f.txt', 'feature\n');
    repo.commit('feature work');
    const mainTip = repo.git('rev-parse', 'main');
    repo.merge('main');
    let result = await scanRange(repo.dir, { include: ['feature'], exclude: [mainTip] }, opts);
    expect(result.findings).toEqual([]);

    // Evil merge: the merge commit itself adds a secret.
    repo.checkout('main');
    repo.write('m2.txt', 'x\n');
    repo.commit('more main');
    repo.checkout('feature');
    repo.git('merge', '--no-ff', '--no-commit', 'main');
    repo.write('evil.env', `QSTASH_CURRENT_SIGNING_KEY=${signingKey()}\n`);
    const evil = repo.commit('evil merge');
    result = await scanRange(
      repo.dir,
      { include: ['feature'], exclude: [repo.git('rev-parse', 'main')] },
      opts,
    );
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.occurrences[0]).toMatchObject({
      path: 'evil.env',
      line: 1,
      commit: evil,
    });
  });

  it('does not re-report a renamed file, and reads binaries and odd paths safely', async () => {
    const t = redisTokenParts({ layout: 'legacy' }).token;
    repo.write('old name.env', `T=${t}\n`);
    const add = repo.commit('add');
    repo.rename('old name.env', 'new\tname ü.env');
    repo.commit('rename');
    repo.write('img.bin', Buffer.from([0, 1, 2, 3, 0]));
    repo.write('-rf.txt', `T2=${redisTokenParts().token}\n`);
    repo.commit('binary and dash path');
    const result = await scanRange(repo.dir, parseRangeSpec(`${base}..feature`), opts);
    const legacy = result.findings.find((f) => f.details.layout === 'legacy')!;
    expect(legacy.occurrences).toEqual([
      expect.objectContaining({ path: 'old name.env', commit: add }),
    ]);
    expect(result.findings.find((f) => f.occurrences[0]!.path === '-rf.txt')).toBeDefined();
    // The binary is read for printable runs now, not skipped.
    expect(result.stats).toMatchObject({ skippedBinary: 0, binaryScanned: 1 });
  });

  it('scans more than 2,048 commits in one range', async () => {
    const t = redisTokenParts().token;
    const lines = ['feature'];
    // fast-import: 2,100 commits, the token in commit 2,050.
    let stream = '';
    for (let i = 1; i <= 2100; i++) {
      const content = i === 2050 ? `T=${t}\n` : `n=${i}\n`;
      stream += `commit refs/heads/big\nmark :${i}\ncommitter T <t@example.org> ${1700000000 + i} +0000\ndata 2\nc\n`;
      stream += i === 1 ? `from ${base}\n` : `from :${i - 1}\n`;
      stream += `M 100644 inline f${i % 7}.txt\ndata ${Buffer.byteLength(content)}\n${content}\n`;
    }
    void lines;
    const { execFileSync } = await import('node:child_process');
    execFileSync('git', ['fast-import', '--quiet'], { cwd: repo.dir, input: stream });
    const result = await scanRange(repo.dir, { include: ['big'], exclude: [base] }, opts);
    expect(result.stats.commitsScanned).toBe(2100);
    expect(result.findings).toHaveLength(1);
  });

  it('rejects revisions that git could read as options', async () => {
    await expect(
      scanRange(repo.dir, { include: ['--output=/tmp/x'], exclude: [] }, opts),
    ).rejects.toThrow(/not a valid git revision/);
  });

  it('lists other heads for new-branch and force-push scans', async () => {
    const heads = await otherHeads(repo.dir, 'refs/heads/feature');
    expect(heads).toEqual([repo.git('rev-parse', 'main')]);
  });
});

describe('scanStaged and scanTree', () => {
  it('scans only staged added lines', async () => {
    const repo = createRepo();
    const t = redisTokenParts().token;
    repo.write('a.env', 'A=1\n');
    repo.commit('a');
    repo.write('a.env', `A=1\nUPSTASH_REDIS_REST_TOKEN=${t}\n`);
    repo.git('add', 'a.env');
    repo.write('unstaged.env', `X=${redisTokenParts().token}\n`);
    const result = await scanStaged(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.occurrences[0]).toMatchObject({ path: 'a.env', line: 2 });
    repo.cleanup();
  });

  it('scans tracked and untracked-not-ignored files, never ignored files or symlinks out of the tree', async () => {
    const repo = createRepo();
    const outside = mkdtempSync(join(tmpdir(), 'ug-outside-'));
    writeFileSync(join(outside, 'secret.env'), `T=${redisTokenParts().token}\n`);
    repo.write('.gitignore', '.env.local\n');
    repo.write('tracked.ts', `const t = "${redisTokenParts().token}";\n`);
    repo.commit('c');
    repo.write('untracked.yml', `token: ${redisTokenParts().token}\n`);
    repo.write('.env.local', `T=${redisTokenParts().token}\n`);
    symlinkSync(join(outside, 'secret.env'), join(repo.dir, 'link.env'));
    const result = await scanTree(repo.dir, opts);
    expect(result.findings.map((f) => f.occurrences[0]!.path).sort()).toEqual([
      'tracked.ts',
      'untracked.yml',
    ]);
    repo.cleanup();
  });

  it('scans a plain directory that is not a repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ug-plain-'));
    writeFileSync(
      join(dir, 'wrangler.toml'),
      `[vars]\nUPSTASH_REDIS_REST_TOKEN = "${redisTokenParts().token}"\n`,
    );
    const result = await scanTree(dir, opts);
    expect(result.findings).toHaveLength(1);
    expect(existsSync(join(dir, '.git'))).toBe(false);
  });
});
