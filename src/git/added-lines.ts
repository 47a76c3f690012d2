/**
 * Parses `git log -p -U0 --cc` / `git diff -U0` output into fragments of ADDED lines, one per
 * (commit, file), with new-file line numbers. For merge commits (combined diff) a line counts only
 * when it differs from every parent (all prefix columns are '+'): what a merge brings in from the
 * base branch is not blamed on it, an evil merge's own lines are.
 *
 * A merge of more parents than git's combined diff can track has its files read as blobs too.
 *
 * Files git shows as binary ("Binary files … differ": a NUL byte, UTF-16, a size over
 * core.bigFileThreshold, or a `binary`/`-diff` attribute in the scanned repository) are handed to
 * the sink with their blob ids (from the `index` header of a --full-index diff), so the engine
 * reads those blobs itself: no attribute of the scanned repository can hide content.
 * Added text longer than the window is handed over in several overlapping fragments.
 */
import type { Fragment } from '../core/index.js';
import { unquotePath } from './unquote-path.js';

/** A file the diff showed as binary: the blob ids to read instead. */
export interface BinaryChange {
  path: string;
  /** The new side's blob. */
  newOid: string;
  /** The old side's blobs (one per parent of a merge); none for a new file. */
  oldOids: string[];
  commit?: string;
  author?: string;
  date?: string;
}

export interface AddedLinesSink {
  fragment(f: Fragment): void;
  binary(change: BinaryChange): void;
  commit(): void;
}

const NULL_OID = /^0+$/;
/**
 * git's combined diff keeps one bit per parent in a machine word: at 64 parents it prints a file
 * with no hunk at all, past it 64 columns and spaces, so a merge's own lines look like context.
 * Files of such a merge are read as blobs instead (what no parent's version holds is reported).
 */
const MAX_COMBINED_PARENTS = 63;
/** Lines of context carried into the next fragment when added text is split. */
const CARRY_CHARS = 16 * 1024;

export class AddedLinesParser {
  private commit: { sha: string; author: string; date: string } | undefined;
  private path: string | undefined;
  private lines: string[] = [];
  private numbers: number[] = [];
  private bytes = 0;
  private parents = 1;
  /** From the `index` header: old blob ids, the new blob id, and how many parents it names. */
  private oids: { old: string[]; new: string; parents: number } | undefined;
  /** The path named by `diff --cc <path>` (combined "Binary files differ" names none). */
  private ccPath: string | undefined;
  /** An added line of the current file holds a NUL. */
  private nul = false;
  private newLine = 0;
  /**
   * True between a `diff ` line and its first `@@`. Only there are `+++ ` / `Binary files` headers:
   * inside a hunk an added line "++ x" is shown as "+++ x" and must stay content, or a commit could
   * re-route the lines after it to another (e.g. ignored) path.
   */
  private inHeader = false;

  constructor(
    private readonly sink: AddedLinesSink,
    private readonly maxBytes: number,
    private readonly skip: (path: string) => boolean,
  ) {}

  line(line: string): void {
    if (line.charCodeAt(0) === 1) {
      this.flush();
      const [sha, author, date] = line.slice(1).split('\x1f');
      this.commit = { sha: sha!, author: author ?? '', date: date ?? '' };
      this.sink.commit();
      this.inHeader = false;
      this.path = undefined;
      this.newLine = 0;
      return;
    }
    if (line.startsWith('diff --')) {
      this.flush();
      this.path = undefined;
      this.newLine = 0;
      this.inHeader = true;
      this.oids = undefined;
      const cc = /^diff --(?:cc|combined) (.*)$/.exec(line);
      this.ccPath = cc ? unquotePath(cc[1]!) : undefined;
      this.parents = cc ? 2 : 1;
      return;
    }
    if (this.inHeader && line.startsWith('index ')) {
      const m = /^index ([0-9a-f,]+)\.\.([0-9a-f]+)/.exec(line);
      if (m) {
        const old = m[1]!.split(',');
        this.oids = { old: old.filter((o) => !NULL_OID.test(o)), new: m[2]!, parents: old.length };
      }
      return;
    }
    if (this.inHeader && line.startsWith('+++ ')) {
      // git appends a TAB to unquoted paths that contain spaces.
      const raw = line.slice(4).replace(/\t$/, '');
      if (raw === '/dev/null') return void (this.path = undefined);
      const p = unquotePath(raw);
      const path = p.startsWith('b/') ? p.slice(2) : p;
      this.path = this.skip(path) ? undefined : path;
      if (this.path !== undefined && (this.oids?.parents ?? 1) > MAX_COMBINED_PARENTS) {
        // Its hunks cannot be trusted (see MAX_COMBINED_PARENTS): the blobs are compared instead.
        this.handOver(this.path);
        this.path = undefined;
      }
      return;
    }
    if (this.inHeader && line.startsWith('Binary files ')) {
      this.binary(line);
      return;
    }
    if (line.startsWith('@@')) {
      this.inHeader = false;
      const at = /^(@+) /.exec(line);
      this.parents = at ? at[1]!.length - 1 : 1;
      const plus = / \+(\d+)(?:,\d+)? @/.exec(line);
      this.newLine = plus ? Number(plus[1]) : 0;
      return;
    }
    if (this.path === undefined || this.newLine === 0) return;
    const prefix = line.slice(0, this.parents);
    if (prefix.length < this.parents || !/^[ +-]+$/.test(prefix)) return;
    if (prefix.includes('-')) return; // a removed line: not in the new file
    const lineNo = this.newLine++;
    if (prefix !== '+'.repeat(this.parents)) return; // context, or brought in from another parent
    let text = line.slice(this.parents);
    // A UTF-8 byte-order mark is not content.
    if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    // A NUL past the 8000 bytes git looks at: UTF-16 or binary after all. Read as a blob.
    if (text.includes('\0')) this.nul = true;
    this.bytes += text.length + 1;
    this.lines.push(text);
    this.numbers.push(lineNo);
    if (this.bytes > this.maxBytes) this.emit(true);
  }

  private binary(line: string): void {
    let path: string | undefined;
    if (this.ccPath !== undefined) path = this.ccPath;
    else {
      const m = / and (?:"(b\/.*)"|b\/(.*)) differ$/.exec(line);
      if (!m) return; // "and /dev/null": deleted
      path = m[1] !== undefined ? unquotePath(`"${m[1]}"`).slice(2) : m[2]!;
    }
    if (!this.skip(path)) this.handOver(path);
  }

  /** Hands the file over to be read as a blob, when the header named its blob. */
  private handOver(path: string): void {
    if (!this.oids || NULL_OID.test(this.oids.new)) return;
    this.sink.binary({
      path,
      newOid: this.oids.new,
      oldOids: this.oids.old,
      ...(this.commit
        ? { commit: this.commit.sha, author: this.commit.author, date: this.commit.date }
        : {}),
    });
  }

  flush(): void {
    if (this.nul && this.path) {
      this.handOver(this.path);
      this.lines = [];
      this.numbers = [];
      this.bytes = 0;
    }
    this.nul = false;
    this.emit(false);
  }

  /** Hands the added lines over; when `split`, keeps the last few as context for the next part. */
  private emit(split: boolean): void {
    if (this.path && this.lines.length > 0) {
      this.sink.fragment({
        path: this.path,
        text: this.lines.join('\n'),
        lineNumbers: this.numbers,
        ...(this.commit
          ? { commit: this.commit.sha, author: this.commit.author, date: this.commit.date }
          : {}),
      });
    }
    let keep = 0;
    if (split) {
      let chars = 0;
      const carry = Math.min(CARRY_CHARS, this.maxBytes / 4);
      while (keep < this.lines.length - 1 && chars < carry)
        chars += this.lines[this.lines.length - 1 - keep++]!.length + 1;
    }
    this.lines = this.lines.slice(this.lines.length - keep);
    this.numbers = this.numbers.slice(this.numbers.length - keep);
    this.bytes = this.lines.reduce((n, l) => n + l.length + 1, 0);
  }
}
