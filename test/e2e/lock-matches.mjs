// Exit 0 when a folder's installed packages are exactly the ones a committed lock pins: every package in the
// lock is in the folder's node_modules/.package-lock.json (npm's record of what it installed and checked) with
// the same version and integrity hash. setup.sh uses it to keep a tool installed before the locks existed
// (code-server takes minutes to compile) instead of installing it again.
//   node test/e2e/lock-matches.mjs <installed folder> <package-lock.json>
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [dir, lockPath] = process.argv.slice(2);
const installedPath = join(dir, "node_modules", ".package-lock.json");
if (!existsSync(installedPath)) process.exit(1);
const wanted = JSON.parse(readFileSync(lockPath, "utf8")).packages;
const installed = JSON.parse(readFileSync(installedPath, "utf8")).packages;
const differing = Object.entries(wanted)
  .filter(([path]) => path !== "")
  .filter(
    ([path, pkg]) => installed[path]?.version !== pkg.version || installed[path]?.integrity !== pkg.integrity,
  )
  .map(([path]) => path);
if (differing.length > 0) {
  console.error(
    `lock-matches: ${dir} differs from ${lockPath} in ${differing.length} packages, e.g. ${differing[0]}`,
  );
  process.exit(1);
}
