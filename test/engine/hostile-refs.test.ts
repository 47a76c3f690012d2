/**
 * The refs are input too. git gives up on a whole `rev-list --all` for one bad ref (a ref to an
 * object the repository lacks, a name git rejects, a damaged packed-refs line): the history scan
 * failed with "git rev-list failed", and reported nothing at all. Each case here plants a leak,
 * breaks the refs one way, and expects the leak found, the bad ref named in a warning, and, where
 * the bad ref is the only way to the leak, the leak found through it.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/core/index.js';
import { scanHistory } from '../../src/engine/scan-history.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { redisTokenParts } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };
const repos: TestRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));
const savedMode = process.env.UG_HISTORY_MODE;
afterEach(() => {
  if (savedMode === undefined) delete process.env.UG_HISTORY_MODE;
  else process.env.UG_HISTORY_MODE = savedMode;
});

/** base -> leak (adds a token) -> remove it: the token is only in the history. */
function leaked(): { repo: TestRepo; leak: string; token: string } {
  const repo = createRepo();
  repos.push(repo);
  repo.write('README.md', 'x\n');
  repo.commit('base');
  const token = redisTokenParts().token;
  repo.write('old.env', `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
  const leak = repo.commit('leak');
  repo.remove('old.env');
  repo.commit('remove it');
  return { repo, leak, token };
}

const MISSING = '1234567890'.repeat(4);

/** Both ways the scan reads a history: the packs in place first, and the tree walk. */
const MODES = ['gate', 'walk'] as const;

describe.each(MODES)('a bad ref does not stop the history scan (%s)', (mode) => {
  beforeEach(() => {
    process.env.UG_HISTORY_MODE = mode;
  });

  it('a loose ref to an object the repository does not have', async () => {
    const { repo, leak } = leaked();
    writeFileSync(join(repo.dir, '.git/refs/heads/dangling'), `${MISSING}\n`);
    expect(() => repo.git('rev-list', '--all')).toThrow();
    const result = await scanHistory(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.occurrences[0]).toMatchObject({ path: 'old.env', commit: leak });
    expect(result.stats.commitsScanned).toBe(3);
    expect(result.warnings.join('\n')).toContain(
      '1 ref points to an object the repository does not have (refs/heads/dangling -> 123456789012)',
    );
  });

  it('a packed ref to a missing object, after a gc', async () => {
    const { repo, leak } = leaked();
    repo.git('gc', '-q');
    appendFileSync(join(repo.dir, '.git/packed-refs'), `${MISSING} refs/tags/gone\n`);
    const result = await scanHistory(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.occurrences[0]).toMatchObject({ commit: leak });
    expect(result.warnings.join('\n')).toContain('refs/tags/gone -> 123456789012');
  });

  it('a damaged packed-refs line', async () => {
    const { repo, leak } = leaked();
    repo.git('gc', '-q');
    appendFileSync(join(repo.dir, '.git/packed-refs'), 'not a ref at all\n');
    const result = await scanHistory(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.occurrences[0]).toMatchObject({ commit: leak });
    expect(result.warnings.join('\n')).toContain('1 ref entry is not readable as refs');
  });

  it('the only ref to the leak has a name git rejects', async () => {
    const repo = createRepo();
    repos.push(repo);
    repo.write('README.md', 'x\n');
    repo.commit('base');
    repo.git('checkout', '-q', '-b', 'side');
    repo.write('old.env', `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`);
    const leak = repo.commit('leak on a branch');
    repo.git('checkout', '-q', 'main');
    repo.git('branch', '-D', 'side');
    // The leak is now reachable only through a ref git itself refuses to list.
    writeFileSync(join(repo.dir, '.git/refs/heads/bad..name'), `${leak}\n`);
    expect(repo.git('for-each-ref', '--format=%(refname)')).toBe('refs/heads/main');
    const result = await scanHistory(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.occurrences[0]).toMatchObject({ path: 'old.env', commit: leak });
    expect(result.warnings.join('\n')).toContain(
      '1 ref has a name git rejects (refs/heads/bad..name); its history was scanned all the same',
    );
  });

  it('an annotated tag message is still read when a ref is dangling', async () => {
    const { repo } = leaked();
    const token = redisTokenParts().token;
    repo.git('tag', '-a', 'v1', '-m', `release notes UPSTASH_REDIS_REST_TOKEN=${token}`);
    writeFileSync(join(repo.dir, '.git/refs/heads/dangling'), `${MISSING}\n`);
    const result = await scanHistory(repo.dir, opts);
    const kinds = result.findings.flatMap((f) => f.occurrences.map((o) => o.source ?? 'file'));
    expect(result.findings).toHaveLength(2);
    expect(kinds).toContain('tag-message');
    expect(result.warnings.join('\n')).not.toContain('could not list the tags');
  });
});

describe('what the fallback does and does not do', () => {
  it('a healthy repository: no ref warning, the usual walk', async () => {
    const { repo } = leaked();
    const result = await scanHistory(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    expect(result.warnings).toEqual([]);
  });

  it.each(MODES)(
    'a commit whose parent is gone: the history is cut there, and says so (%s)',
    async (mode) => {
      process.env.UG_HISTORY_MODE = mode;
      const repo = createRepo();
      repos.push(repo);
      repo.write('README.md', 'x\n');
      const base = repo.commit('base');
      repo.write('old.env', `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`);
      const leak = repo.commit('leak');
      repo.remove('old.env');
      repo.commit('remove it');
      rmSync(join(repo.dir, '.git/objects', base.slice(0, 2), base.slice(2)));
      expect(() => repo.git('rev-list', '--all')).toThrow();
      const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('ug-shallow-')));
      const result = await scanHistory(repo.dir, opts);
      expect(result.findings).toHaveLength(1);
      expect(result.findings[0]!.occurrences[0]).toMatchObject({ path: 'old.env', commit: leak });
      expect(result.stats.commitsScanned).toBe(2);
      expect(result.warnings.join('\n')).toContain(
        `the history behind 1 commit (${leak.slice(0, 12)}) could not be read: the repository lacks its parent ${base.slice(0, 12)}`,
      );
      // The scan's own shallow file is gone with it; the repository's is untouched.
      const after = readdirSync(tmpdir()).filter((n) => n.startsWith('ug-shallow-'));
      expect(after.filter((n) => !before.has(n))).toEqual([]);
      expect(existsSync(join(repo.dir, '.git/shallow'))).toBe(false);
    },
  );

  it('a leak behind the cut is not claimed as scanned', async () => {
    const repo = createRepo();
    repos.push(repo);
    repo.write('old.env', `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`);
    repo.commit('leak');
    repo.remove('old.env');
    const gone = repo.commit('remove it');
    repo.write('README.md', 'y\n');
    const tip = repo.commit('tip');
    rmSync(join(repo.dir, '.git/objects', gone.slice(0, 2), gone.slice(2)));
    const result = await scanHistory(repo.dir, opts);
    // What is behind the missing commit is unreachable from here: not reported, but said.
    expect(result.findings).toEqual([]);
    expect(result.warnings.join('\n')).toContain(
      `the history behind 1 commit (${tip.slice(0, 12)}) could not be read`,
    );
  });

  // (Not a FIFO: git itself blocks opening one under refs/, before the scan sees anything. A
  // .git directory never comes from a clone, so only someone on the machine could plant it.)
  it('ref files that are symlinks out of the repository, junk, or named with escapes', async () => {
    const { repo, leak } = leaked();
    const outside = createRepo();
    repos.push(outside);
    outside.write('a', 'b\n');
    const foreign = outside.commit('not this repository');
    mkdirSync(join(repo.dir, '.git/refs/heads/odd'), { recursive: true });
    symlinkSync(
      join(outside.dir, '.git/refs/heads/main'),
      join(repo.dir, '.git/refs/heads/odd/link'),
    );
    writeFileSync(join(repo.dir, '.git/refs/heads/odd/junk'), 'hello\n');
    writeFileSync(join(repo.dir, '.git/refs/heads/\u001b[31mred'), `${MISSING}\n`);
    const result = await scanHistory(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.occurrences[0]).toMatchObject({ commit: leak });
    const warnings = result.warnings.join('\n');
    // A terminal escape in a ref name is shown escaped, never written raw.
    expect(warnings).not.toContain('\u001b');
    expect(warnings).toContain('refs/heads/\\u001b[31mred -> 123456789012');
    // git follows a symlinked ref (a legacy symref); what it names is not in this repository, so
    // it is a missing tip like any other, and nothing outside the repository is read.
    expect(warnings).toContain(`refs/heads/odd/link -> ${foreign.slice(0, 12)}`);
    expect(warnings).toContain('1 ref entry is not readable as refs');
  });
});
