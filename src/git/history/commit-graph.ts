/**
 * The commit graph as the attribution walk saw it (every commit of `git log --all` with its
 * parents), used to answer "which refs reach this commit" in-process: `git for-each-ref
 * --contains` walks from every ref and took 9 s per commit on a repository with 41k refs
 * (renovate, pull refs included); a forward walk from the commit over child links, then a lookup
 * of each ref tip, takes milliseconds.
 */
export class CommitGraph {
  private readonly index = new Map<string, number>();
  private readonly children: number[][] = [];

  private id(sha: string): number {
    let i = this.index.get(sha);
    if (i === undefined) {
      i = this.children.length;
      this.index.set(sha, i);
      this.children.push([]);
    }
    return i;
  }

  addCommit(sha: string, parents: readonly string[]): void {
    const child = this.id(sha);
    for (const p of parents) this.children[this.id(p)]!.push(child);
  }

  get size(): number {
    return this.children.length;
  }

  /** Names of the tips (ref → commit sha) that can reach any of `commits`. */
  tipsReaching(commits: Iterable<string>, tips: ReadonlyMap<string, string>): string[] {
    const seen = new Uint8Array(this.children.length);
    const stack: number[] = [];
    for (const c of commits) {
      const i = this.index.get(c);
      if (i !== undefined && !seen[i]) {
        seen[i] = 1;
        stack.push(i);
      }
    }
    while (stack.length) {
      for (const k of this.children[stack.pop()!]!) {
        if (seen[k]) continue;
        seen[k] = 1;
        stack.push(k);
      }
    }
    const out: string[] = [];
    for (const [ref, sha] of tips) {
      const i = this.index.get(sha);
      if (i !== undefined && seen[i]) out.push(ref);
    }
    return out;
  }
}
