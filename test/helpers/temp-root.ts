import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Vitest global setup: every temporary folder a test (or a process it starts) makes goes under one folder per
 * run, removed when the run ends. Tests keep their own folders on failure for inspection; without this, each
 * run left ~200 of them in the system's temp folder. REPOLORA_KEEP_TEST_TMP=1 keeps the run's folder.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), "repolora-tests-"));
  // Node's os.tmpdir(), Python's tempfile and git all read TMPDIR; the test workers start after this and inherit it.
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (process.env.REPOLORA_KEEP_TEST_TMP === "1") console.log(`test temp folder kept: ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
}
