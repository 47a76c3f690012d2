import { parse as parseYaml, stringify } from 'yaml';
import { parseConfig } from '../core/config/schema.js';
import { ConfigError, DEFAULT_CONFIG, type Config } from '../core/index.js';
import { getContents, type ConfigFileCache } from './org-config-cache.js';
import type { GitHubClient, RepoRef } from './types.js';

export const CONFIG_PATH = '.github/upstash-guard.yml';

export type LoadedConfig =
  { config: Config; error?: undefined } | { config: Config; error: ConfigError };

export interface ConfigSources {
  /**
   * The repository's file at the scanned commit read from the clone (no API call): undefined when
   * absent; a rejection means "cannot tell" and the API is asked.
   */
  readRepoFile?: () => Promise<string | undefined>;
  /** Cache for files read at a default branch: the organisation's `.github` and `_extends` bases. */
  cache?: ConfigFileCache;
}

const MAX_EXTENDS = 3;

/**
 * Probot's `context.config()` semantics: the repository's `.github/upstash-guard.yml` at the
 * scanned commit, else the organisation's `.github` repository's, else defaults; a file may name
 * a base with `_extends: repo`, `owner/repo` or `owner/repo:path`, deep-merged under it (arrays
 * concatenated, the extending file wins). A broken file is reported (neutral check), never a crash.
 */
export async function loadRepoConfig(
  gh: GitHubClient,
  repo: RepoRef,
  ref: string,
  sources: ConfigSources = {},
): Promise<LoadedConfig> {
  const atDefault = (where: RepoRef, path: string): Promise<string | undefined> =>
    sources.cache ? sources.cache.read(gh, where, path) : readFile(gh, where, path, undefined);
  const candidates: [RepoRef, () => Promise<string | undefined>][] = [
    [
      repo,
      async () => {
        const api = (): Promise<string | undefined> => readFile(gh, repo, CONFIG_PATH, ref);
        // The clone answers for free; when it cannot (commit missing), ask the API as before.
        return sources.readRepoFile ? sources.readRepoFile().catch(api) : api();
      },
    ],
    [
      { owner: repo.owner, repo: '.github' },
      () => atDefault({ owner: repo.owner, repo: '.github' }, CONFIG_PATH),
    ],
  ];
  for (const [where, read] of candidates) {
    const text = await read();
    if (text === undefined) continue;
    const label = `${where.owner}/${where.repo}:${CONFIG_PATH}`;
    try {
      const merged = await withExtends(text, label, where.owner, atDefault);
      return { config: parseConfig(merged.text, merged.label) };
    } catch (err) {
      if (err instanceof ConfigError) return { config: DEFAULT_CONFIG, error: err };
      throw err;
    }
  }
  return { config: DEFAULT_CONFIG };
}

type Json = Record<string, unknown>;

/** Resolves `_extends` (a chain of at most three, no cycles) into one YAML text. */
async function withExtends(
  text: string,
  label: string,
  owner: string,
  read: (where: RepoRef, path: string) => Promise<string | undefined>,
): Promise<{ text: string; label: string }> {
  if (!/^_extends\s*:/m.test(text)) return { text, label };
  const layers: Json[] = [];
  const seen = new Set<string>([label]);
  let current: { text: string; label: string } | undefined = { text, label };
  while (current) {
    const data = parseOrThrow(current.text, current.label);
    const { _extends: base, ...rest } = data;
    layers.unshift(rest);
    if (base === undefined) break;
    if (typeof base !== 'string' || layers.length > MAX_EXTENDS)
      throw new ConfigError(
        `${current.label}: _extends must name one repository (owner/repo[:path]), at most ${MAX_EXTENDS} deep`,
        current.label,
        '_extends',
        'owner/repo[:path]',
      );
    const m = /^(?:([\w.-]+)\/)?([\w.-]+)(?::([\w./-]+))?$/.exec(base.trim());
    if (!m || (m[3] ?? '').includes('..') || /^\.+$/.test(m[1] ?? 'x') || /^\.+$/.test(m[2]!))
      throw new ConfigError(
        `${current.label}: _extends "${base.slice(0, 100)}" is not owner/repo[:path]`,
        current.label,
        '_extends',
        'owner/repo[:path]',
      );
    const where = { owner: m[1] ?? owner, repo: m[2]! };
    const path = m[3] ?? CONFIG_PATH;
    const baseLabel = `${where.owner}/${where.repo}:${path}`;
    if (seen.has(baseLabel))
      throw new ConfigError(
        `${current.label}: _extends loops back to ${baseLabel}`,
        current.label,
        '_extends',
      );
    seen.add(baseLabel);
    const baseText = await read(where, path);
    if (baseText === undefined)
      throw new ConfigError(
        `${current.label}: _extends names ${baseLabel}, which does not exist or is not readable`,
        current.label,
        '_extends',
      );
    current = { text: baseText, label: baseLabel };
  }
  const merged = layers.reduce((acc, layer) => deepMerge(acc, layer), {} as Json);
  return { text: stringify(merged), label };
}

function parseOrThrow(text: string, label: string): Json {
  try {
    const data: unknown = parseYaml(text) ?? {};
    if (typeof data === 'object' && !Array.isArray(data)) return data as Json;
  } catch {
    // parseConfig below names the line and column
  }
  parseConfig(text, label); // throws the precise ConfigError
  return {};
}

function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (Array.isArray(b) && Array.isArray(v)) out[k] = [...b, ...v];
    else if (isObj(b) && isObj(v)) out[k] = deepMerge(b, v);
    else out[k] = v;
  }
  return out;
}
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

async function readFile(
  gh: GitHubClient,
  repo: RepoRef,
  path: string,
  ref: string | undefined,
): Promise<string | undefined> {
  const got = await getContents(gh, repo, path, ref ? { ref } : {});
  return got === 'not-modified' ? undefined : got.text;
}
