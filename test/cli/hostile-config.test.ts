/**
 * The scanned directory's own .github/upstash-guard.yml is read by default (and by the Action, in
 * a pull request's checkout): it is repository content like any file, so it is read like the tree
 * scan reads files. No symlink is followed (out of the tree it could name /proc/self/environ or a
 * credentials file), a FIFO does not block, a device or a huge file is not read whole.
 * An explicit --config is the user's choice and is read as given.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './cli-harness.js';

const dirs: string[] = [];
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ug-hostile-config-'));
  dirs.push(dir);
  mkdirSync(join(dir, '.github'));
  writeFileSync(join(dir, 'README.md'), 'hello\n');
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const config = (dir: string): string => join(dir, '.github', 'upstash-guard.yml');

describe('the repository config file is repository content', () => {
  it('a symlink out of the tree is refused, not followed', async () => {
    const dir = project();
    const outside = join(project(), 'elsewhere.yml');
    writeFileSync(outside, 'leakedKeyFromOutside: 1\n');
    symlinkSync(outside, config(dir));
    const run = await cli(['scan', '.'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/upstash-guard\.yml is a symlink/);
    expect(run.stderr).not.toContain('leakedKeyFromOutside');
  });

  it('a symlink inside the tree is refused too (like every file of a tree scan)', async () => {
    const dir = project();
    writeFileSync(join(dir, 'real.yml'), 'failOn: high\n');
    symlinkSync('../real.yml', config(dir));
    const run = await cli(['scan', '.'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/is a symlink.*--config/);
  });

  it('a FIFO does not block the scan', async () => {
    const dir = project();
    execFileSync('mkfifo', [config(dir)]);
    const run = await cli(['scan', '.'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/not a regular file/);
  });

  it('a symlinked .github directory is not followed', async () => {
    const dir = project();
    const other = project();
    writeFileSync(config(other), 'leakedKeyFromOutside: 1\n');
    rmSync(join(dir, '.github'), { recursive: true });
    symlinkSync(join(other, '.github'), join(dir, '.github'));
    const run = await cli(['scan', '.'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\.github is a symlink/);
    expect(run.stderr).not.toContain('leakedKeyFromOutside');
  });

  it('a huge (sparse) file is not read whole', async () => {
    const dir = project();
    writeFileSync(config(dir), '');
    truncateSync(config(dir), 4 * 1024 ** 3);
    const run = await cli(['scan', '.'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/larger than 1 MiB/);
  });

  it('an ordinary file works, and an explicit --config may be anything the user names', async () => {
    const dir = project();
    writeFileSync(config(dir), 'failOn: high\n');
    expect((await cli(['scan', '.'], { cwd: dir })).code).toBe(0);
    const elsewhere = join(project(), 'mine.yml');
    writeFileSync(elsewhere, 'failOn: high\n');
    const link = join(dir, 'link.yml');
    symlinkSync(elsewhere, link);
    const run = await cli(['scan', '.', '--config', link], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});
