import type { GitHubClient } from './types.js';

/**
 * The same client, never repeating a POST by itself. GitHub can answer 502/504 (or the
 * connection drops) after it carried a creation out, and Octokit's retry then created the check
 * run or the comment twice. A failed POST fails the attempt instead; the job's retry first looks
 * up what exists (the run by its external id, comments by their markers). Reads and PATCHes,
 * which repeat harmlessly, keep Octokit's retry; rate limits are still waited out.
 */
export function postsOnce(gh: GitHubClient, onRequest?: (route: string) => void): GitHubClient {
  const request = ((route: string, params?: { request?: object }) => {
    onRequest?.(route);
    // Merged with the caller's request options (an abort signal), not in their place.
    const once = /^POST /.test(route) ? { request: { ...params?.request, retries: 0 } } : {};
    return gh.request(route as never, { ...params, ...once } as never);
  }) as unknown as GitHubClient['request'];
  return { request, paginate: gh.paginate };
}
