/** Range-scan edge cases: clean merges, odd paths, deletions, mode changes, caps, ignores. */
import { DEFAULT_CONFIG } from '../../src/core/index.js';
import { mergeBase, otherHeads, scanRange } from '../../src/engine/scan-range.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { redisTokenParts } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };

describe('scanRange edge cases', () => {
  let repo: TestRepo;
  let base: string;
  beforeEach(() => {
    repo = createRepo();
    repo.write('README.md', 'hello\n');
    base = repo.commit('base');
  });
  afterEach(() => repo.cleanup());

  it('finds nothing in a clean merge of main into the feature branch', async () => {
    repo.branch('feature');
    repo.checkout('main');
    repo.write('config/main.env', `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`);
    repo.commit('leak on main');
    repo.checkout('feature');
    repo.write('feature.txt', 'work\n');
    repo.commit('feature');
    const merge = repo.merge('main');
    const range = { include: [merge], exclude: [repo.git('rev-parse', 'main')] };
    const result = await scanRange(repo.dir, range, opts);
    expect(result.findings).toEqual([]);
    expect(result.stats.commitsScanned).toBe(2);
    expect(await mergeBase(repo.dir, 'feature', 'main')).toBe(repo.git('rev-parse', 'main'));
  });

  it('reports paths with newlines, quotes, unicode and leading dashes exactly', async () => {
    const paths = ['dir/new\nline.env', 'quote"d\\path.env', 'ünï cødé/ß.env', '--help.env'];
    const tokens = paths.map(() => redisTokenParts().token);
    paths.forEach((p, i) => repo.write(p, `A=1\nUPSTASH_REDIS_REST_TOKEN=${tokens[i]}\n`));
    const sha = repo.commit('odd paths');
    const result = await scanRange(repo.dir, { include: [sha], exclude: [base] }, opts);
    const seen = result.findings.flatMap((f) => f.occurrences.map((o) => `${o.path}:${o.line}`));
    expect(seen.sort()).toEqual(paths.map((p) => `${p}:2`).sort());
    const json = JSON.stringify(result);
    for (const t of tokens) expect(json).not.toContain(t);
  });

  it('ignores deletions and mode changes, honours ignorePaths, windows big files, lists huge ones', async () => {
    const t = redisTokenParts().token;
    repo.write('keep.env', `UPSTASH_REDIS_REST_TOKEN=${t}\n`);
    repo.write('script.sh', `T=${redisTokenParts().token}\n`);
    const first = repo.commit('add');
    repo.remove('keep.env');
    repo.git('update-index', '--chmod=+x', 'script.sh');
    repo.git('commit', '-q', '-m', 'delete and chmod');
    const onlyLater = await scanRange(repo.dir, { include: ['main'], exclude: [first] }, opts);
    expect(onlyLater.findings).toEqual([]);
    expect(onlyLater.stats.commitsScanned).toBe(1);

    repo.write('vendor/lib.env', `T=${redisTokenParts().token}\n`);
    const big = redisTokenParts().token;
    repo.write('big.txt', `${'x'.repeat(200)}\n`.repeat(40) + `T=${big}\n`);
    repo.write(
      'huge.txt',
      `${'x'.repeat(200)}\n`.repeat(10_000) + `T=${redisTokenParts().token}\n`,
    );
    const tip = repo.commit('vendor and big');
    const config = {
      ...DEFAULT_CONFIG,
      ignorePaths: ['vendor/**'],
      maxFileSize: 4096,
      hardMaxFileSize: 1024 * 1024,
    };
    // big.txt: over maxFileSize, so past git's bigFileThreshold: git shows it as binary without
    // loading it, and it is read as a blob and scanned in windows. huge.txt: over
    // hardMaxFileSize: not read, and listed as skipped.
    const result = await scanRange(repo.dir, { include: [tip], exclude: [first] }, { config });
    expect(result.findings.flatMap((f) => f.occurrences)).toEqual([
      expect.objectContaining({ path: 'big.txt', line: 41, commit: tip }),
    ]);
    expect(result.stats.skippedIgnored).toBe(1);
    expect(result.stats.skippedTooLarge).toBe(1);
    expect(result.skipped).toEqual([
      expect.objectContaining({ path: 'huge.txt', reason: 'too-large', commit: tip }),
    ]);
    expect(JSON.stringify(result)).not.toContain(big);
  });

  it('scans only the commits a new branch adds beyond every other branch', async () => {
    repo.branch('other');
    repo.checkout('other');
    repo.write('other.env', `T=${redisTokenParts().token}\n`);
    repo.commit('other work');
    repo.branch('topic');
    repo.checkout('topic');
    const t = redisTokenParts().token;
    repo.write('topic.env', `UPSTASH_REDIS_REST_TOKEN=${t}\n`);
    const own = repo.commit('topic work');
    const exclude = await otherHeads(repo.dir, 'refs/heads/topic');
    expect(exclude).toHaveLength(2);
    const result = await scanRange(repo.dir, { include: [own], exclude }, opts);
    expect(result.stats.commitsScanned).toBe(1);
    expect(result.findings.map((f) => f.occurrences[0]!.path)).toEqual(['topic.env']);
  });
});

describe('scanRange diff parsing', () => {
  it('is not fooled by added lines that look like diff headers', async () => {
    const repo = createRepo();
    try {
      repo.write('README.md', 'hello\n');
      const base = repo.commit('base');
      const t = redisTokenParts().token;
      // Shown as "+++ vendor/x.env" and "+--- a/y": must stay content of app.env.
      repo.write('app.env', `++ vendor/x.env\n-- a/y\nBinary files a and b differ\n${env(t)}`);
      const sha = repo.commit('header lookalikes');
      const config = { ...DEFAULT_CONFIG, ignorePaths: ['vendor/**'] };
      const result = await scanRange(repo.dir, { include: [sha], exclude: [base] }, { config });
      expect(result.findings.flatMap((f) => f.occurrences)).toEqual([
        expect.objectContaining({ path: 'app.env', line: 4, commit: sha }),
      ]);
      expect(result.stats.skippedBinary).toBe(0);
    } finally {
      repo.cleanup();
    }
  });
});

function env(t: string): string {
  return `UPSTASH_REDIS_REST_TOKEN=${t}\n`;
}

describe('scanRange with a vanished base', () => {
  it('scans instead of failing when an excluded revision is not in the repository', async () => {
    const repo = createRepo();
    try {
      repo.write('a.env', env(redisTokenParts().token));
      const sha = repo.commit('a');
      const gone = 'f'.repeat(40);
      const result = await scanRange(repo.dir, { include: [sha], exclude: [gone, 'main'] }, opts);
      expect(result.stats.commitsScanned).toBe(0);
      const wider = await scanRange(repo.dir, { include: [sha], exclude: [gone] }, opts);
      expect(wider.findings).toHaveLength(1);
      expect(wider.warnings).toEqual([expect.stringContaining(gone)]);
      await expect(scanRange(repo.dir, { include: [gone], exclude: [] }, opts)).rejects.toThrow();
    } finally {
      repo.cleanup();
    }
  });
});

describe('scanRange cancellation', () => {
  it('stops git and rejects when the signal aborts', async () => {
    const repo = createRepo();
    try {
      repo.write('a.txt', 'a\n');
      const sha = repo.commit('a');
      const controller = new AbortController();
      controller.abort();
      await expect(
        scanRange(
          repo.dir,
          { include: [sha], exclude: [] },
          { ...opts, signal: controller.signal },
        ),
      ).rejects.toThrow(/cancelled/);
    } finally {
      repo.cleanup();
    }
  });
});
