/**
 * Editors' auto-closing: typing an opener puts its closer right after the cursor. Both the runtime's typing anchor
 * and the extension's walk-forward cache treat such a suffix as unchanged.
 */

/** Closing characters an editor inserts after the cursor as the user types an opener (auto-closing). */
const AUTO_CLOSERS = /^[)\]}>'"`]{1,4}/;

/**
 * Whether `suffix` is the anchor's, but for closers the editor put in or took out right after the cursor: typing
 * `(` auto-inserts `)`, typing `)` over it removes it again. Whoever reuses what was computed for the old suffix
 * finishes the completion against the new one (postprocess.ts drops what would repeat an auto-inserted closer).
 * Clients send a fixed number of characters after the cursor, so the other end of the suffix may move by as many.
 */
export function sameSuffixButClosers(anchorSuffix: string, suffix: string): boolean {
  return (
    suffix === anchorSuffix || closersInFront(suffix, anchorSuffix) || closersInFront(anchorSuffix, suffix)
  );
}

/** Whether `withClosers` is 1–4 closers followed by `without`, either end of which may be cut by as many. */
function closersInFront(withClosers: string, without: string): boolean {
  const closers = AUTO_CLOSERS.exec(withClosers)?.[0] ?? "";
  for (let n = 1; n <= closers.length; n += 1) {
    const rest = withClosers.slice(n);
    const [long, short] = rest.length >= without.length ? [rest, without] : [without, rest];
    if (long.startsWith(short) && long.length - short.length <= n) return true;
  }
  return false;
}
