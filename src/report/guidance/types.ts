import type { Finding } from '../../core/types.js';

export interface GuidanceContext {
  /** https://github.com/owner/repo, for clone commands and commit links. */
  repoUrl?: string;
  /** Include the history-rewrite recipe (default true). */
  historyRewrite?: boolean;
}

/** Rotation steps for one credential family: a heading and numbered Markdown steps. */
export interface FamilyGuidance {
  heading: string;
  steps: string[];
}

export type FamilyRule = (findings: readonly Finding[]) => FamilyGuidance | null;

export function ofTypes(findings: readonly Finding[], ...types: Finding['type'][]): Finding[] {
  return findings.filter((f) => types.includes(f.type));
}

/** "database 34127 (https://…)" style labels that help the reader find the right console page. */
export function endpoints(findings: readonly Finding[]): string {
  const list = [...new Set(findings.map((f) => f.endpoint).filter((e): e is string => !!e))];
  return list.length ? ` (${list.map((e) => `\`${e}\``).join(', ')})` : '';
}
