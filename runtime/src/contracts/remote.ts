/**
 * A git remote's identity, the same in the CLI (`repolora eval --stack` members) and the extension (the
 * adapter picker's "this repository" and "same organization" sections): one URL of a repository in any form
 * (https, ssh, scp-like `git@host:owner/name`, with or without `.git`, any case) → "host/owner/name". And the
 * remote as recorded (datasets, bundle manifests, the registry's repository key): credentials stripped, the
 * same in the generator (`mine/repo.ts`) and the extension (`core/registry.ts`), so both derive the same key.
 */

/** A remote like https://user:token@host/x without its user and token (they must not reach datasets or keys). */
export function redactUrlCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1");
}

/** "github.com/acme/app" from any URL form of a remote. */
export function normalizeRemote(remote: string): string {
  return remote
    .trim()
    .replace(/\.git$/, "")
    .replace(/^[a-z]+:\/\/(?:[^@/]+@)?/, "")
    .replace(/^[^@/]+@([^:]+):/, "$1/")
    .toLowerCase();
}

/** Whether two remotes name the same repository. */
export function sameRemote(a: string, b: string): boolean {
  return normalizeRemote(a) === normalizeRemote(b);
}
