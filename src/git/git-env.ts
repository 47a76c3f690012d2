/**
 * The scanned repository is hostile input. Every git process we start gets this environment and
 * these leading arguments, so that no repository-local or user config can make git run a program
 * (hooks, fsmonitor, filters, textconv, external diff, pager, credential helpers, ssh commands).
 * Modelled on trufflehog's malicious-.git/config test and renovate's single git factory.
 */
import { devNull } from 'node:os';

export function safeGitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT'];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  return {
    ...env,
    LC_ALL: 'C',
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: devNull,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: 'true',
    SSH_ASKPASS: 'true',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_PROTOCOL_FROM_USER: '0',
    ...extra,
  };
}

/**
 * `-c` overrides that win over the repository's own .git/config (command-line config has the
 * highest precedence). Together with the env above, git runs no program named by the repository.
 */
export const SAFE_GIT_ARGS: readonly string[] = [
  '-c',
  `core.hooksPath=${devNull}`,
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.untrackedCache=false',
  '-c',
  'core.quotePath=false',
  '-c',
  'core.pager=cat',
  '-c',
  'core.sshCommand=false',
  '-c',
  'core.askPass=true',
  '-c',
  'credential.helper=',
  '-c',
  'diff.external=',
  '-c',
  'protocol.allow=never',
  '-c',
  'protocol.https.allow=always',
  '-c',
  'protocol.http.allow=always',
  '-c',
  'uploadpack.packObjectsHook=',
  '-c',
  'safe.directory=*',
  '-c',
  'gc.auto=0',
  '-c',
  'maintenance.auto=false',
  '--no-replace-objects',
];
