/**
 * The files a working-tree scan reads: in a git work tree, what `git ls-files` lists (tracked plus
 * untracked files that are not ignored); elsewhere, a walk that skips .git and node_modules and
 * never follows symlinks.
 *
 * No symlink is followed out of the scanned root, nor inside it: the index can list `d/x.env`
 * while the work tree has `d` as a symlink to anywhere, so every listed path whose parent is not a
 * real directory is dropped here, and readRegularFile opens the last component with O_NOFOLLOW.
 * An in-repository symlink's target is scanned at its own path (and the link's own text, what git
 * commits for it, by scan-tree).
 *
 * A name that is not UTF-8 (a latin-1 byte, which git and Linux allow) is shown decoded lossily,
 * but kept as its bytes to be opened: the lossy string, encoded again, names another file (or none).
 */
import { lstatSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { runGit } from '../git/run-git.js';

/** A file to read: its path as shown, and its bytes when they are not the UTF-8 of `path`. */
export interface ListedFile {
  path: string;
  bytes?: Buffer;
  /** A directory the walk could not list (its error code): reported as not scanned, not read. */
  unreadable?: string;
}

export function listedFile(bytes: Buffer): ListedFile {
  const path = bytes.toString('utf8');
  return Buffer.from(path, 'utf8').equals(bytes) ? { path } : { path, bytes };
}

/** The name to open for `file` under `root`: a string, or bytes for a name that is not UTF-8. */
export function fsPath(root: string, file: ListedFile): string | Buffer {
  return file.bytes ? Buffer.concat([Buffer.from(`${root}/`), file.bytes]) : join(root, file.path);
}

export async function isGitWorkTree(dir: string): Promise<boolean> {
  const r = await runGit(['rev-parse', '--is-inside-work-tree'], {
    cwd: dir,
    okCodes: [0, 128],
    timeoutMs: 30_000,
  }).catch(() => undefined);
  return r?.code === 0 && r.stdout.toString('utf8').trim() === 'true';
}

export async function listFiles(dir: string, depth = 0): Promise<ListedFile[]> {
  if (await isGitWorkTree(dir)) {
    const { stdout } = await runGit(
      [
        ...(namesAreCaseSensitive(dir) ? ['-c', 'core.ignoreCase=false'] : []),
        'ls-files',
        '-z',
        '--cached',
        '--others',
        '--exclude-standard',
        '--deduplicate',
      ],
      { cwd: dir },
    );
    const listed = underRealDirectories(dir, splitNul(stdout).filter(staysInside).map(listedFile));
    return depth < MAX_NESTING ? withNestedRepositories(dir, listed, depth) : listed;
  }
  const out: ListedFile[] = [];
  await walk(dir, Buffer.alloc(0), out);
  return out;
}

/**
 * Whether the file system holding `dir` tells names apart by case: its own path with the case of
 * the nearest component that has letters flipped names nothing, or another file. core.ignoreCase is
 * the repository's content: set on a case-sensitive file system, git takes an untracked `A.env`
 * for the tracked `a.env` and `d/x.env` for `D/x.env`, lists neither, and the tree scan passed
 * both unread. There it is overridden; where the file system ignores case (macOS, Windows) the
 * repository's value is the right one (both names are one file; listing both would read it twice).
 */
function namesAreCaseSensitive(dir: string): boolean {
  const parts = resolve(dir).split(sep);
  for (let i = parts.length - 1; i > 0; i--) {
    const name = parts[i]!;
    const flipped = [...name]
      .map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()))
      .join('');
    if (flipped === name) continue;
    const here = lstatSync(parts.slice(0, i + 1).join(sep), { throwIfNoEntry: false });
    const other = lstatSync([...parts.slice(0, i), flipped].join(sep), { throwIfNoEntry: false });
    return !here || !other || here.ino !== other.ino || here.dev !== other.dev;
  }
  return true;
}

/** Submodules inside submodules: enough for any real tree, and a bound on the recursion. */
const MAX_NESTING = 8;

/**
 * Other repositories in the work tree are listed as one entry each: a checked-out submodule (a
 * gitlink) and an untracked clone (`dir/`). Both are real directories of the working tree, so
 * their own files are listed in their place (by their own git, hardened like every call).
 */
async function withNestedRepositories(
  dir: string,
  listed: ListedFile[],
  depth: number,
): Promise<ListedFile[]> {
  const out: ListedFile[] = [];
  for (const f of listed) {
    // One lstat per entry: about a tenth of what reading the file costs the scan afterwards.
    const st = lstatSync(fsPath(dir, f), { throwIfNoEntry: false });
    if (!st?.isDirectory()) {
      out.push(f);
      continue;
    }
    const prefix = (f.bytes ?? Buffer.from(f.path)).toString('latin1').replace(/\/$/, '');
    const root = fsPath(dir, listedFile(Buffer.from(prefix, 'latin1')));
    // Only a repository of its own (`.git` there); an uninitialised submodule is an empty directory.
    if (typeof root !== 'string' || !lstatSync(join(root, '.git'), { throwIfNoEntry: false }))
      continue;
    for (const inner of await listFiles(root, depth + 1)) {
      const bytes = Buffer.concat([
        Buffer.from(prefix, 'latin1'),
        Buffer.from('/'),
        inner.bytes ?? Buffer.from(inner.path),
      ]);
      out.push(listedFile(bytes));
    }
  }
  return out;
}

function splitNul(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = buf.indexOf(0); i >= 0; start = i + 1, i = buf.indexOf(0, start))
    if (i > start) out.push(buf.subarray(start, i));
  if (start < buf.length) out.push(buf.subarray(start));
  return out;
}

/**
 * False for a listed name with a `..` component. git never stages one, but `ls-files` prints what
 * the index file says, and the index is repository content (an unpacked archive, a checkout someone
 * else prepared): `../x.env` there made the tree scan read, and report, a file outside the root.
 * Such an entry names no file of the work tree, so dropping it loses nothing.
 */
function staysInside(name: Buffer): boolean {
  for (let start = 0; start <= name.length;) {
    let end = name.indexOf(0x2f, start);
    if (end < 0) end = name.length;
    if (end - start === 2 && name[start] === 0x2e && name[start + 1] === 0x2e) return false;
    start = end + 1;
  }
  return true;
}

/** Keeps the paths whose every parent directory is a directory, not a symlink (lstat, cached). */
export function underRealDirectories(root: string, paths: ListedFile[]): ListedFile[] {
  // Keyed by the directory's bytes (latin1 maps each byte to one character, so nothing collides).
  const known = new Map<string, boolean>([['', true]]);
  const real = (dir: Buffer): boolean => {
    const key = dir.toString('latin1');
    let ok = known.get(key);
    if (ok === undefined) {
      const slash = dir.lastIndexOf(0x2f);
      ok =
        real(dir.subarray(0, Math.max(0, slash))) &&
        (lstatSync(fsPath(root, listedFile(dir)), { throwIfNoEntry: false })?.isDirectory() ??
          false);
      known.set(key, ok);
    }
    return ok;
  };
  return paths.filter((p) => {
    const bytes = p.bytes ?? Buffer.from(p.path, 'utf8');
    return real(bytes.subarray(0, Math.max(0, bytes.lastIndexOf(0x2f))));
  });
}

const SKIP_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn']);

async function walk(root: string, rel: Buffer, out: ListedFile[]): Promise<void> {
  const here = rel.length > 0 ? fsPath(root, listedFile(rel)) : root;
  let entries;
  try {
    entries = await readdir(here, { withFileTypes: true, encoding: 'buffer' });
  } catch (err) {
    // The root is what the user named: its error is the scan's. Below it, one directory that
    // cannot be listed (deeper than PATH_MAX, ENAMETOOLONG, in an unpacked archive; no permission)
    // failed the whole scan and lost every finding beside it; it is now reported as not scanned.
    if (rel.length === 0) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    out.push({ ...listedFile(rel), unreadable: code });
    return;
  }
  for (const e of entries) {
    const path = rel.length > 0 ? Buffer.concat([rel, Buffer.from('/'), e.name]) : e.name;
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name.toString('utf8'))) await walk(root, path, out);
    } else if (e.isFile()) {
      out.push(listedFile(path));
    }
  }
}
