// Combines the test runners' reports into one closing line: "N passed, N failed".
// Failed non-test steps (typecheck, lint) count as failures so CI cannot pass with them broken.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [dir, failedSteps = "0"] = process.argv.slice(2);
let passed = 0;
let failed = Number(failedSteps);
let skipped = 0;
const vitest = join(dir, "vitest.json");
if (existsSync(vitest)) {
  const report = JSON.parse(readFileSync(vitest, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  // A suite that fails to load has no tests: count it as a failure.
  failed += report.testResults.filter((r) => r.status === "failed" && r.assertionResults.length === 0).length;
}
const pytest = join(dir, "pytest.xml");
if (existsSync(pytest)) {
  const xml = readFileSync(pytest, "utf8");
  const suite = /<testsuite [^>]*>/.exec(xml)?.[0] ?? "";
  const attr = (name) => Number(new RegExp(`${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
  const total = attr("tests");
  const bad = attr("failures") + attr("errors");
  const skip = attr("skipped");
  passed += total - bad - skip;
  failed += bad;
  skipped += skip;
}
// Scripts that print their own closing line (the end-to-end test) count by it.
const e2e = join(dir, "e2e.txt");
if (existsSync(e2e)) {
  const line = readFileSync(e2e, "utf8").match(/^(\d+) passed, (\d+) failed/m);
  if (line) {
    passed += Number(line[1]);
    failed += Number(line[2]);
  } else {
    failed += 1; // it ran but never said how it went
  }
}
if (passed + failed === 0) failed = 1; // ran nothing: that is a failure, not a pass
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exitCode = failed > 0 ? 1 : 0;
