import { ConfigError, DEFAULT_CONFIG, parseConfig, type Config } from '../core/index.js';
import { statusOf, type GitHubClient, type RepoRef } from './types.js';

export const CONFIG_PATH = '.github/upstash-guard.yml';

export type LoadedConfig =
  { config: Config; error?: undefined } | { config: Config; error: ConfigError };

/**
 * The repository's `.github/upstash-guard.yml` at the scanned commit, else the organisation's
 * `.github` repository's, else defaults. A broken file is reported (neutral check), never a crash.
 */
export async function loadRepoConfig(
  gh: GitHubClient,
  repo: RepoRef,
  ref: string,
): Promise<LoadedConfig> {
  const sources: [RepoRef, string | undefined][] = [
    [repo, ref],
    [{ owner: repo.owner, repo: '.github' }, undefined],
  ];
  for (const [where, at] of sources) {
    const text = await readFile(gh, where, at);
    if (text === undefined) continue;
    const label = `${where.owner}/${where.repo}:${CONFIG_PATH}`;
    try {
      return { config: parseConfig(text, label) };
    } catch (err) {
      if (err instanceof ConfigError) return { config: DEFAULT_CONFIG, error: err };
      throw err;
    }
  }
  return { config: DEFAULT_CONFIG };
}

async function readFile(
  gh: GitHubClient,
  repo: RepoRef,
  ref: string | undefined,
): Promise<string | undefined> {
  try {
    const res = await gh.request('GET /repos/{owner}/{repo}/contents/{path}', {
      ...repo,
      path: CONFIG_PATH,
      ...(ref ? { ref } : {}),
    });
    const data = res.data as { content?: string; encoding?: string };
    if (typeof data.content !== 'string') return undefined;
    return Buffer.from(data.content, (data.encoding as BufferEncoding) ?? 'base64').toString(
      'utf8',
    );
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}
