/**
 * Where a history walk starts. `git rev-list --all` is the fast and usual answer, but git gives up
 * on the whole walk for one bad ref: a ref to an object the repository does not have (an
 * interrupted fetch, a hand-edited or hostile `.git`), a ref whose name git rejects, a line of
 * `packed-refs` it cannot parse. The history scan then read nothing at all.
 *
 * Resolving every ref up front costs a walk setup over all of them (renovate's 41,000 refs: 0.7 s),
 * so `--all` is still tried first. Only when a walk over `--all` fails are the refs read, from git
 * and from the ref files themselves (which is how a ref git refuses to list is still scanned);
 * the object ids that exist become the walk's tips, on stdin, and each left-out ref is said in a
 * warning. A failure that the refs do not explain (a missing commit inside the history) stands.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runGit } from '../run-git.js';

/** What to pass to rev-list: `--all`, or `--stdin` with the tips as `input`. */
export interface RevSpec {
  args: string[];
  input?: string;
}

interface Tips {
  /** The walk's tips, one object id per line; undefined when the refs explain no failure. */
  input?: string;
  /** The tips that are annotated tags (their messages are read from the objects). */
  tags: string[];
  warnings: string[];
}

const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** Ref files read at most (a `.git` planted with millions of files must not stall the scan). */
const MAX_REF_FILES = 200_000;
const MAX_DEPTH = 32;
const NAMES_SHOWN = 3;
const ALL: RevSpec = { args: ['--all'] };

export class HistoryRefs {
  private tips: Promise<Tips> | undefined;
  private switched = false;

  constructor(
    private readonly repoDir: string,
    private readonly signal?: AbortSignal,
  ) {}

  /** What a walk starting now should walk. */
  async spec(): Promise<RevSpec> {
    if (!this.switched) return ALL;
    const tips = await this.tips!;
    return { args: ['--stdin'], input: tips.input ?? '' };
  }

  /**
   * After a walk over `spec()` failed before it produced anything: whether to walk again (the refs
   * were read, and some were left out). False when the refs explain nothing, or were already read.
   */
  async recover(): Promise<boolean> {
    if (this.switched || this.signal?.aborted) return false;
    this.tips ??= resolveTips(this.repoDir, this.signal);
    const tips = await this.tips;
    if (tips.input === undefined) return false;
    this.switched = true;
    return true;
  }

  /**
   * The annotated tags among the readable tips, once git could not list the refs itself (then
   * `show-ref` fails too); undefined when the refs read fine.
   */
  async tagTips(): Promise<string[] | undefined> {
    return (await this.recover()) || this.switched ? (await this.tips!).tags : undefined;
  }

  /** Runs `walk` over `--all`, and once more over the readable tips if that fails. */
  async run<T>(walk: (spec: RevSpec) => Promise<T>): Promise<T> {
    const spec = await this.spec();
    try {
      return await walk(spec);
    } catch (err) {
      if (spec !== ALL || !(await this.recover())) throw err;
      return walk(await this.spec());
    }
  }

  /** What the scan should say about refs it left out (empty unless a walk over `--all` failed). */
  async warnings(): Promise<string[]> {
    return this.switched ? (await this.tips!).warnings : [];
  }
}

async function resolveTips(repoDir: string, signal: AbortSignal | undefined): Promise<Tips> {
  const refs = new Map<string, string>(); // oid -> the first ref naming it
  const add = (oid: string, ref: string): void => {
    if (!refs.has(oid)) refs.set(oid, ref);
  };
  const opts = {
    cwd: repoDir,
    okCodes: [0, 1, 128],
    timeoutMs: 60_000,
    ...(signal ? { signal } : {}),
  };
  let troubled = false;
  const rejected: string[] = [];

  const listed = await runGit(['for-each-ref', '--format=%(objectname) %(refname)'], opts);
  if (listed.code === 0) {
    for (const line of listed.stdout.toString('utf8').split('\n')) {
      const sp = line.indexOf(' ');
      if (sp > 0 && OID.test(line.slice(0, sp))) add(line.slice(0, sp), line.slice(sp + 1));
    }
    for (const m of listed.stderr.matchAll(/ignoring ref with broken name (.+)/g)) {
      rejected.push(m[1]!.trim());
      troubled = true;
    }
  } else troubled = true;

  // The files: what git refused to list is still history someone could have pushed a secret to.
  const dirs = await runGit(['rev-parse', '--git-common-dir', '--git-dir'], opts);
  const [common, own] = dirs.code === 0 ? dirs.stdout.toString('utf8').split('\n') : [];
  let garbage = 0;
  if (common) {
    const commonDir = resolve(repoDir, common);
    const packed = readSmallFile(join(commonDir, 'packed-refs'), 64 * 1024 * 1024);
    for (const line of packed?.split('\n') ?? []) {
      if (line === '' || line.startsWith('#')) continue;
      const peeled = /^\^([0-9a-f]{40}|[0-9a-f]{64})$/.exec(line);
      const m = /^([0-9a-f]{40}|[0-9a-f]{64}) (refs\/.+)$/.exec(line);
      if (m) add(m[1]!, m[2]!);
      else if (peeled) add(peeled[1]!, 'packed-refs');
      else garbage++;
    }
    const budget = { files: MAX_REF_FILES };
    garbage += readLooseRefs(join(commonDir, 'refs'), 'refs', add, budget, 0);
    const head = readSmallFile(join(own ? resolve(repoDir, own) : commonDir, 'HEAD'), 4096)?.trim();
    if (head && OID.test(head)) add(head, 'HEAD');
  }
  if (garbage > 0) troubled = true;

  // Which of them the repository has.
  const oids = [...refs.keys()];
  const missing: string[] = [];
  const tags: string[] = [];
  if (oids.length > 0) {
    const check = await runGit(['cat-file', '--batch-check=%(objectname) %(objecttype)'], {
      ...opts,
      input: oids.join('\n') + '\n',
    });
    const present = new Set<string>(check.code === 0 ? [] : oids);
    for (const line of check.code === 0 ? check.stdout.toString('utf8').split('\n') : []) {
      const [oid = '', type] = line.split(' ');
      if (!OID.test(oid) || type === 'missing') continue;
      present.add(oid);
      if (type === 'tag') tags.push(oid);
    }
    for (const oid of oids) if (!present.has(oid)) missing.push(oid);
  }
  if (missing.length > 0) troubled = true;
  if (!troubled) return { tags: [], warnings: [] };

  const gone = new Set(missing);
  const tips = oids.filter((o) => !gone.has(o));
  const warnings: string[] = [];
  if (missing.length > 0)
    warnings.push(
      `${missing.length} ref${missing.length === 1 ? ' points' : 's point'} to an object the repository does not have (${shown(
        missing.map((o) => `${refs.get(o)!} -> ${o.slice(0, 12)}`),
      )}); the history was read from the other ${tips.length} tip${tips.length === 1 ? '' : 's'}`,
    );
  if (garbage > 0)
    warnings.push(
      `${garbage} ref entr${garbage === 1 ? 'y is' : 'ies are'} not readable as refs (a damaged packed-refs line, or a ref file that holds no object id); git could not walk the history with ${garbage === 1 ? 'it' : 'them'}, so the walk started from every ref that could be read`,
    );
  if (rejected.length > 0)
    warnings.push(
      `${rejected.length} ref${rejected.length === 1 ? ' has a name' : 's have names'} git rejects (${shown(rejected)}); ${rejected.length === 1 ? 'its' : 'their'} history was scanned all the same`,
    );
  return { input: tips.map((t) => t + '\n').join(''), tags, warnings };
}

/** A few names, printable only: ref names come from the scanned repository. */
function shown(names: string[]): string {
  const clean = names
    .slice(0, NAMES_SHOWN)
    .map((n) => JSON.stringify(n.length > 120 ? n.slice(0, 120) + '…' : n).slice(1, -1));
  return (
    clean.join(', ') +
    (names.length > NAMES_SHOWN ? `, and ${names.length - NAMES_SHOWN} more` : '')
  );
}

/** Loose refs under `dir`; returns how many files held no object id (symbolic refs excepted). */
function readLooseRefs(
  dir: string,
  name: string,
  add: (oid: string, ref: string) => void,
  budget: { files: number },
  depth: number,
): number {
  if (depth > MAX_DEPTH) return 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let garbage = 0;
  for (const e of entries) {
    if (budget.files-- <= 0) return garbage;
    const path = join(dir, e.name);
    // Symlinks are never followed: a ref file is a file in the repository, not a way out of it.
    if (e.isDirectory())
      garbage += readLooseRefs(path, `${name}/${e.name}`, add, budget, depth + 1);
    else if (e.isFile()) {
      const text = readSmallFile(path, 4096)?.trim();
      if (text === undefined || text.startsWith('ref: ')) continue;
      if (OID.test(text)) add(text, `${name}/${e.name}`);
      else garbage++;
    }
  }
  return garbage;
}

/** A regular file's text, or undefined (a FIFO, a symlink, too large, gone). */
function readSmallFile(path: string, max: number): string | undefined {
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0),
    );
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > max) return undefined;
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.toString('utf8', 0, off);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
