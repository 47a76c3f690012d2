/**
 * Where a history walk starts, and where it ends. `git rev-list --all` is the fast and usual
 * answer, but git gives up on the whole walk for one bad ref (a ref to an object the repository
 * does not have, a name git rejects, a damaged `packed-refs` line) or for one commit whose parent
 * is gone (a damaged repository): the history scan then read nothing at all.
 *
 * Resolving every ref up front costs a walk setup over all of them (renovate's 41,000 refs: 0.7 s),
 * so `--all` is still tried first. Only when a walk fails are the refs read, from git and from the
 * ref files themselves (which is how a ref git refuses to list is still scanned); the object ids
 * that exist become the walk's tips, on stdin. Then each commit git cannot walk past is cut as a
 * shallow boundary (a `--shallow-file` of the scan's own). Each left-out ref and each cut is said
 * in a warning. A failure neither explains stands.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runGit } from '../run-git.js';

/**
 * How a walk of this scan runs: `git` goes before the command (`--shallow-file`, once commits
 * whose parents cannot be read are cut), `args` after it (`--all`, or `--stdin` with the tips as
 * `input`). `generation` counts the recoveries it reflects.
 */
export interface RevSpec {
  git: string[];
  args: string[];
  input?: string;
  generation: number;
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
/** Commits with unreadable parents a scan cuts the history at (each costs one more walk). */
const MAX_CUTS = 32;

export class HistoryRefs {
  private recovery: Promise<boolean> | undefined;
  private tips: Tips | undefined;
  private readonly cuts: { commit: string; missing?: string }[] = [];
  private shallowDir: string | undefined;
  private boundary: string[] = [];
  private generation = 0;

  constructor(
    private readonly repoDir: string,
    private readonly signal?: AbortSignal,
  ) {}

  /** What a walk starting now should walk. */
  async spec(): Promise<RevSpec> {
    if (this.recovery) await this.recovery;
    return this.current();
  }

  private current(): RevSpec {
    return {
      git: this.gitArgs(),
      ...(this.tips?.input !== undefined
        ? { args: ['--stdin'], input: this.tips.input }
        : { args: ['--all'] }),
      generation: this.generation,
    };
  }

  /** Global options for any git command of this scan that walks commits (diff-tree too). */
  gitArgs(): string[] {
    return this.shallowDir ? ['--shallow-file', join(this.shallowDir, 'shallow')] : [];
  }

  /**
   * After a walk over `failed` failed before it produced anything: whether to walk again. The
   * first failure reads the refs (left-out refs) and finds the commits whose parents cannot be
   * read (cut there); true when that changed what a walk does since `failed`.
   */
  async recover(failed: RevSpec): Promise<boolean> {
    if (this.signal?.aborted) return false;
    await this.recovered();
    return this.generation > failed.generation;
  }

  /** Whether a failed walk has been recovered from (its walks then start over). */
  get walkedAgain(): boolean {
    return this.generation > 0;
  }

  /** The one recovery of the scan, started by whoever needs it first. */
  private recovered(): Promise<boolean> {
    this.recovery ??= this.doRecover();
    return this.recovery;
  }

  private async doRecover(): Promise<boolean> {
    const tips = await resolveTips(this.repoDir, this.signal);
    if (tips.input !== undefined) this.tips = tips;
    const cut = await this.cutUnreadableParents();
    const changed = tips.input !== undefined || cut;
    if (changed) this.generation++;
    return changed;
  }

  /**
   * git stops a walk at the first commit whose parent it cannot read ("Failed to traverse parents
   * of commit Y"): a commit object gone from a damaged repository. Each such commit is cut, as a
   * shallow clone's boundary is (a `--shallow-file` of our own, with the repository's own
   * boundary), and the walk tried again, until it goes through or MAX_CUTS.
   */
  private async cutUnreadableParents(): Promise<boolean> {
    for (let i = 0; i < MAX_CUTS; i++) {
      const spec = this.current();
      // --quiet: only whether the walk goes through, and where it stops (stderr).
      const r = await runGit([...spec.git, 'rev-list', '--quiet', ...spec.args], {
        cwd: this.repoDir,
        okCodes: [0, 128],
        timeoutMs: 10 * 60_000,
        ...(spec.input !== undefined ? { input: spec.input } : {}),
        ...(this.signal ? { signal: this.signal } : {}),
      });
      if (r.code === 0) break;
      const child = /Failed to traverse parents of commit ([0-9a-f]{40,64})/.exec(r.stderr)?.[1];
      if (!child || this.cuts.some((c) => c.commit === child)) break;
      const missing = /Could not read ([0-9a-f]{40,64})/.exec(r.stderr)?.[1];
      this.cuts.push({ commit: child, ...(missing ? { missing } : {}) });
      await this.writeShallow();
    }
    return this.cuts.length > 0;
  }

  private async writeShallow(): Promise<void> {
    if (!this.shallowDir) {
      this.shallowDir = await mkdtemp(join(tmpdir(), 'ug-shallow-'));
      // The repository's own boundary (a shallow clone), read once: every cut file starts with it.
      const own = await runGit(['rev-parse', '--git-path', 'shallow'], {
        cwd: this.repoDir,
        okCodes: [0, 128],
        timeoutMs: 30_000,
      });
      const path = own.code === 0 ? resolve(this.repoDir, own.stdout.toString('utf8').trim()) : '';
      const text = (path && readSmallFile(path, 64 * 1024 * 1024)) || '';
      this.boundary = text.split('\n').filter((l) => OID.test(l));
    }
    const lines = [...this.boundary, ...this.cuts.map((c) => c.commit)];
    await writeFile(join(this.shallowDir, 'shallow'), lines.join('\n') + '\n');
  }

  /**
   * The annotated tags among the readable tips, once git could not list the refs itself (then
   * `show-ref` fails too); undefined when the refs read fine.
   */
  async tagTips(): Promise<string[] | undefined> {
    await this.recovered();
    return this.tips?.tags;
  }

  /** Runs `walk`, and once more if a recovery changed what it should walk. */
  async run<T>(walk: (spec: RevSpec) => Promise<T>): Promise<T> {
    const spec = await this.spec();
    try {
      return await walk(spec);
    } catch (err) {
      if (!(await this.recover(spec))) throw err;
      return walk(await this.spec());
    }
  }

  /** What the scan should say about what it left out (nothing unless a walk failed). */
  warnings(): string[] {
    const out = [...(this.tips?.warnings ?? [])];
    if (this.cuts.length > 0) {
      const n = this.cuts.length;
      const missing = this.cuts.filter((c) => c.missing).map((c) => c.missing!.slice(0, 12));
      out.push(
        `the history behind ${n} commit${n === 1 ? '' : 's'} (${shown(this.cuts.map((c) => c.commit.slice(0, 12)))}) could not be read: ${missing.length > 0 ? `the repository lacks ${missing.length === 1 ? 'its parent' : 'parents'} ${shown(missing)}` : 'a parent is unreadable'}; the commits before ${n === 1 ? 'it' : 'them'} were not scanned, and a secret ${n === 1 ? 'it holds' : 'they hold'} counts as introduced there`,
      );
    }
    return out;
  }

  /** Removes the scan's own shallow file. */
  async dispose(): Promise<void> {
    if (this.shallowDir) await rm(this.shallowDir, { recursive: true, force: true });
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
