/**
 * What a failed `git fetch` over HTTP says about its cause, read from git's own phrases. Never
 * from bare digits: git's messages quote the URL, and a repository named `api-404` or a port like
 * 34104 made a 500 look like "gone" (a permanent failure: one attempt, no retry) or "forbidden".
 */

/** The HTTP status git reports ("The requested URL returned error: 403"), if any. */
export function fetchHttpStatus(stderr: string): number | undefined {
  const m = /returned error: (\d{3})\b/i.exec(stderr);
  return m ? Number(m[1]) : undefined;
}

/** The repository is gone or hidden from us: 404, 410, or git's "repository ... not found". */
export function repositoryGone(stderr: string): boolean {
  const status = fetchHttpStatus(stderr);
  return (
    status === 404 ||
    status === 410 ||
    /\brepository '[^'\n]*' not found|\brepository not found|^remote: not found|does not appear to be a git repository/im.test(
      stderr,
    )
  );
}

/** The credentials were refused (401, or git giving up on asking for them). */
export function credentialsRefused(stderr: string): boolean {
  return (
    fetchHttpStatus(stderr) === 401 ||
    /\bAuthentication failed for '|could not read Username/i.test(stderr)
  );
}

/**
 * The local object store is damaged (delete the clone and fetch afresh). Quoted spans are blanked
 * first: git quotes URLs and paths, and a repository named `corrupt-packfile` refused during an
 * outage is not a damaged store to delete.
 */
export function objectStoreDamaged(stderr: string): boolean {
  return /corrupt|bad object|loose object|packfile|did not send all necessary objects|unable to read|invalid index-pack|not a git repository/i.test(
    stderr.replace(/'[^'\n]*'/g, "''"),
  );
}
