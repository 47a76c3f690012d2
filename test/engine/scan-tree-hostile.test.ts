/**
 * The scanned repository is hostile: its .git/config, .gitattributes and hooks name programs.
 * None of our entry points may run any of them (each would create the marker file).
 */
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/core/index.js';
import { mergeBase, otherHeads, scanRange } from '../../src/engine/scan-range.js';
import { scanStaged } from '../../src/engine/scan-staged.js';
import { scanTree } from '../../src/engine/scan-tree.js';
import { configureGitLimits } from '../../src/git/run-git.js';
import { createRepo } from '../helpers/git-repo.js';
import { redisTokenParts } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };

describe('hostile repositories', () => {
  it('runs no program named by the repository in any entry point', async () => {
    const repo = createRepo();
    const markers = mkdtempSync(join(tmpdir(), 'ug-marker-'));
    const evil = join(markers, 'evil.sh');
    writeFileSync(evil, `#!/bin/sh\ntouch "${markers}/ran-$(basename "$0")-$$"\ncat\n`);
    chmodSync(evil, 0o755);
    const token = redisTokenParts().token;
    try {
      repo.write('README.md', 'hello\n');
      const base = repo.commit('base');
      repo.write('.gitattributes', '* filter=evil diff=evil\n');
      repo.write('app.env', `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
      const tip = repo.commit('leak');
      const config = [
        '[core]',
        `\tfsmonitor = ${evil}`,
        `\tpager = ${evil}`,
        `\thooksPath = ${markers}/hooks`,
        `\tsshCommand = ${evil}`,
        '[pager]',
        `\tlog = ${evil}`,
        `\tdiff = ${evil}`,
        '[filter "evil"]',
        `\tclean = ${evil}`,
        `\tsmudge = ${evil}`,
        `\tprocess = ${evil}`,
        '[diff]',
        `\texternal = ${evil}`,
        '[diff "evil"]',
        `\tcommand = ${evil}`,
        `\ttextconv = ${evil}`,
        '[credential]',
        `\thelper = !${evil}`,
        '',
      ].join('\n');
      writeFileSync(join(repo.dir, '.git/config'), config, { flag: 'a' });
      for (const hook of ['pre-commit', 'post-checkout', 'pre-auto-gc', 'reference-transaction']) {
        writeFileSync(join(repo.dir, '.git/hooks', hook), `#!/bin/sh\nexec ${evil}\n`);
        chmodSync(join(repo.dir, '.git/hooks', hook), 0o755);
      }
      // Something staged and something modified in the work tree, so filters would have work.
      repo.write('staged.env', `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`);
      repo.write('app.env', `UPSTASH_REDIS_REST_TOKEN=${token}\nX=1\n`);
      repo.git('-c', 'filter.evil.clean=cat', '-c', 'filter.evil.process=', 'add', 'staged.env');
      // The test's own git calls above may have run the programs; only ours count from here.
      for (const f of readdirSync(markers)) if (f !== 'evil.sh') rmSync(join(markers, f));

      const results = [
        await scanTree(repo.dir, opts),
        await scanRange(repo.dir, { include: [tip], exclude: [base] }, opts),
        await scanStaged(repo.dir, opts),
      ];
      await otherHeads(repo.dir, 'main');
      await mergeBase(repo.dir, tip, base);

      expect(results.map((r) => r.findings.length)).toEqual([2, 1, 1]);
      for (const r of results) expect(JSON.stringify(r)).not.toContain(token);
      const ran = readdirSync(markers).filter((f) => f !== 'evil.sh');
      expect(ran).toEqual([]);
      expect(existsSync(join(markers, 'hooks'))).toBe(false);
      // Control: the same repository does run its programs under a plain git, so the test can fail.
      repo.git('diff');
      expect(readdirSync(markers).filter((f) => f !== 'evil.sh').length).toBeGreaterThan(0);
    } finally {
      repo.cleanup();
      rmSync(markers, { recursive: true, force: true });
    }
  });
});

describe('symlinks out of the scanned root', () => {
  it('follows no symlinked directory or file, tracked or not, out of the tree', async () => {
    const repo = createRepo();
    const outside = mkdtempSync(join(tmpdir(), 'ug-outside-'));
    const token = redisTokenParts().token;
    try {
      writeFileSync(join(outside, 'x.env'), `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
      writeFileSync(join(outside, 'y.env'), `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
      repo.write('d/x.env', 'NOTHING=here\n');
      repo.write('keep/in.env', 'NOTHING=here\n');
      repo.commit('tracked files under d/');
      // The work tree now has d/ as a symlink out of the repository: the index still lists
      // d/x.env, so a scan that opens <root>/d/x.env reads the file outside.
      rmSync(join(repo.dir, 'd'), { recursive: true });
      symlinkSync(outside, join(repo.dir, 'd'));
      symlinkSync(outside, join(repo.dir, 'untracked-dir'));
      symlinkSync(join(outside, 'y.env'), join(repo.dir, 'file-link.env'));
      // An in-repository symlink is not followed either; its target is scanned at its own path.
      symlinkSync('keep', join(repo.dir, 'inside-link'));

      const r = await scanTree(repo.dir, opts);
      expect(r.findings).toEqual([]);
      expect(JSON.stringify(r)).not.toContain(token);
      // keep/in.env, and the four links' own text (what git commits for a symlink): d (now a
      // link, listed as untracked), untracked-dir, file-link.env, inside-link.
      expect(r.stats.filesScanned).toBe(5);
      expect(r.stats.bytesScanned).toBe(
        'NOTHING=here\n'.length + 2 * outside.length + `${outside}/y.env`.length + 'keep'.length,
      );
    } finally {
      repo.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('index entries that climb out of the scanned root', () => {
  it('reads no file through a `..` path a crafted index lists', async () => {
    const repo = createRepo();
    const outside = mkdtempSync(join(tmpdir(), 'ug-outside-'));
    const token = redisTokenParts().token;
    try {
      writeFileSync(join(outside, 'x.env'), `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
      repo.write('README.md', 'x\n');
      repo.commit('base');
      // git refuses to stage `..` itself, but reads it from an index it did not write (an unpacked
      // archive, a checkout someone else prepared): stage a placeholder of the same length, then
      // rename it in the index file and fix the index's trailing SHA-1.
      const rel = `${relative(dirname(repo.dir), outside)}/x.env`;
      const empty = repo.git('hash-object', '-w', '--stdin');
      repo.git('update-index', '--add', '--cacheinfo', `100644,${empty},zz/${rel}`);
      const indexPath = join(repo.dir, '.git/index');
      const index = readFileSync(indexPath);
      const body = index.subarray(0, index.length - 20);
      const at = body.indexOf(`zz/${rel}`);
      expect(at).toBeGreaterThan(0);
      body.write('..', at);
      writeFileSync(indexPath, Buffer.concat([body, createHash('sha1').update(body).digest()]));
      expect(repo.git('ls-files').split('\n')).toContain(`../${rel}`);

      const r = await scanTree(repo.dir, opts);
      expect(r.findings).toEqual([]);
      expect(r.stats.filesScanned).toBe(1);
      expect(JSON.stringify(r)).not.toContain(token);
    } finally {
      repo.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

// On a case-insensitive file system A.env and a.env cannot both exist; the case below needs two.
const caseSensitiveTmp = !existsSync(tmpdir().toUpperCase()) || tmpdir() === tmpdir().toUpperCase();

describe('core.ignoreCase set by the repository on a case-sensitive file system', () => {
  (caseSensitiveTmp ? it : it.skip)(
    'hides no untracked file whose name differs from a tracked one only in case',
    async () => {
      const repo = createRepo();
      try {
        repo.write('a.env', 'CLEAN=1\n');
        repo.write('D/x.env', 'CLEAN=1\n');
        repo.commit('tracked, clean');
        // git init writes core.ignoreCase = true only where the file system ignores case; here the
        // value is the repository's own content, and git then takes A.env for the tracked a.env.
        repo.git('config', 'core.ignoreCase', 'true');
        const one = redisTokenParts().token;
        const two = redisTokenParts().token;
        repo.write('A.env', `UPSTASH_REDIS_REST_TOKEN=${one}\n`);
        repo.write('d/x.env', `UPSTASH_REDIS_REST_TOKEN=${two}\n`);
        expect(repo.git('ls-files', '--others', '--exclude-standard')).toBe('');

        const r = await scanTree(repo.dir, opts);
        expect(r.findings.map((f) => f.occurrences.map((o) => o.path)).sort()).toEqual([
          ['A.env'],
          ['d/x.env'],
        ]);
        expect(r.stats.filesScanned).toBe(4);
        expect(JSON.stringify(r)).not.toContain(one);
      } finally {
        repo.cleanup();
      }
    },
  );
});

describe('a directory the walk cannot list', () => {
  it('is reported as not scanned, and the rest of a plain directory is still scanned', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ug-plain-'));
    const { token } = redisTokenParts();
    try {
      writeFileSync(join(dir, 'top.env'), `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
      // Nested deeper than PATH_MAX (4096): created relative to each parent, readdir by full path
      // fails with ENAMETOOLONG. An unpacked archive can hold such a tree.
      const name = 'd'.repeat(200);
      const nest = `for (let i = 0; i < 30; i++) { fs.mkdirSync(${JSON.stringify(name)}); process.chdir(${JSON.stringify(name)}); } fs.writeFileSync('deep.txt', 'x')`;
      execFileSync(process.execPath, ['-e', nest], { cwd: dir });
      const r = await scanTree(dir, opts);
      expect(r.findings.map((f) => f.occurrences[0]!.path)).toEqual(['top.env']);
      expect(r.skippedCount).toBe(1);
      expect(r.skipped[0]).toMatchObject({ reason: 'unreadable' });
      expect(r.skipped[0]!.detail).toMatch(/ENAMETOOLONG/);
      expect(r.skipped[0]!.path.startsWith(`${name}/${name}/`)).toBe(true);
    } finally {
      // GNU rm walks relative to each directory; Node's rmSync would hit the same limit.
      execFileSync('rm', ['-rf', dir]);
    }
  });
});

describe('a symlink is committed as its target text', () => {
  it('a token written as a link target is found by a tree scan, as by staged and history scans', async () => {
    const repo = createRepo();
    try {
      repo.write('README.md', 'x\n');
      repo.commit('base');
      symlinkSync(
        `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}`,
        join(repo.dir, 'link.env'),
      );
      const tree = await scanTree(repo.dir, opts);
      expect(tree.findings.map((f) => f.occurrences[0]!.path)).toEqual(['link.env']);
      repo.git('add', 'link.env');
      const staged = await scanStaged(repo.dir, opts);
      expect(staged.findings.map((f) => f.fingerprint)).toEqual(
        tree.findings.map((f) => f.fingerprint),
      );
    } finally {
      repo.cleanup();
    }
  });
});

describe('FIFOs no option can switch off', () => {
  it('a FIFO git opens (.gitignore, .gitattributes, .git/info/exclude) fails the scan after the inactivity limit', async () => {
    const restore = configureGitLimits({ idleTimeoutMs: 400 });
    try {
      for (const [fifo, scan] of [
        ['.gitignore', scanTree],
        ['.git/info/exclude', scanTree],
        ['.gitattributes', scanStaged],
      ] as const) {
        const repo = createRepo();
        try {
          repo.write('a.txt', 'a\n');
          repo.commit('a');
          repo.write('a.txt', 'a\nb\n');
          repo.git('add', 'a.txt');
          rmSync(join(repo.dir, fifo), { force: true });
          execFileSync('mkfifo', [join(repo.dir, fifo)]);
          const started = Date.now();
          // The message names git's command, not the `-c` options before it.
          await expect(scan(repo.dir, opts)).rejects.toThrow(
            /git (ls-files|diff) produced no output for 400 ms and was killed/,
          );
          expect(Date.now() - started).toBeLessThan(5_000);
        } finally {
          repo.cleanup();
        }
      }
    } finally {
      configureGitLimits(restore);
    }
  });
});
