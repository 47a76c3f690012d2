/**
 * Config files read through the API (the organisation's `.github` repository, `_extends` bases),
 * cached per process: fresh for `ttlMs`, then revalidated with the ETag (a 304 costs no rate
 * limit). Before, every job fetched the organisation's file again.
 */
import { statusOf, type GitHubClient, type RepoRef } from './types.js';

interface Entry {
  text: string | undefined;
  etag?: string;
  at: number;
}

export class ConfigFileCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The file at the repository's default branch, or undefined when it does not exist. */
  read(gh: GitHubClient, repo: RepoRef, path: string): Promise<string | undefined> {
    const key = `${repo.owner}/${repo.repo}:${path}`.toLowerCase();
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return Promise.resolve(hit.text);
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetch(gh, repo, path, key, hit).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async fetch(
    gh: GitHubClient,
    repo: RepoRef,
    path: string,
    key: string,
    stale: Entry | undefined,
  ): Promise<string | undefined> {
    const got = await getContents(gh, repo, path, { ...(stale?.etag ? { etag: stale.etag } : {}) });
    const entry: Entry =
      got === 'not-modified' ? { ...stale!, at: this.now() } : { ...got, at: this.now() };
    this.entries.set(key, entry);
    return entry.text;
  }
}

/**
 * `GET /repos/{owner}/{repo}/contents/{path}`: the file's text (undefined on 404) and its ETag,
 * or 'not-modified' when `etag` still matches.
 */
export async function getContents(
  gh: GitHubClient,
  repo: RepoRef,
  path: string,
  opts: { ref?: string; etag?: string } = {},
): Promise<{ text: string | undefined; etag?: string } | 'not-modified'> {
  try {
    const res = await gh.request('GET /repos/{owner}/{repo}/contents/{path}', {
      ...repo,
      path,
      ...(opts.ref ? { ref: opts.ref } : {}),
      ...(opts.etag ? { headers: { 'if-none-match': opts.etag } } : {}),
    });
    const data = res.data as { content?: string; encoding?: string };
    const text =
      typeof data.content === 'string'
        ? Buffer.from(data.content, (data.encoding as BufferEncoding) ?? 'base64').toString('utf8')
        : undefined;
    return { text, ...(res.headers.etag ? { etag: res.headers.etag } : {}) };
  } catch (err) {
    const status = statusOf(err);
    if (status === 304 && opts.etag) return 'not-modified';
    if (status === 404) return { text: undefined };
    throw err;
  }
}
