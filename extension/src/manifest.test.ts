/**
 * The extension's manifest (extension/package.json `contributes`) against the code: every command a
 * keybinding, menu or walkthrough names exists (ours registered in src/vscode, or one of VS Code's built-ins),
 * every keybinding has a when clause that fits what it does, every setting is one readSettings reads, and
 * every `repolora.*` context key in a when clause is one the code sets.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSettings } from "./core/settings.ts";

interface Keybinding {
  command: string;
  key: string;
  mac?: string;
  when?: string;
}
interface Manifest {
  contributes: {
    commands: { command: string; title: string }[];
    keybindings: Keybinding[];
    menus: Record<string, { command: string; when?: string }[]>;
    configuration: { properties: Record<string, { default: unknown }> };
    walkthroughs?: {
      steps: { description: string; completionEvents?: string[]; media: { markdown?: string } }[];
    }[];
  };
}

const manifest = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8"),
) as Manifest;
const glue = readdirSync(join(import.meta.dirname, "vscode"))
  .filter((name) => name.endsWith(".ts"))
  .map((name) => readFileSync(join(import.meta.dirname, "vscode", name), "utf8"))
  .join("\n");

/** VS Code's own commands the manifest binds (inline suggestions): mapped to, never re-implemented. */
const BUILT_INS = new Set([
  "editor.action.inlineSuggest.trigger",
  "editor.action.inlineSuggest.acceptNextWord",
  "editor.action.inlineSuggest.acceptNextLine",
]);

const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
/** Commands the glue registers: command("repolora.x", …) in extension.ts. */
const registered = new Set([...glue.matchAll(/command\("(repolora\.[\w.]+)"/g)].map((m) => m[1] as string));
const known = (id: string) => contributed.has(id) || BUILT_INS.has(id);

/** Commands named in walkthrough step descriptions ([label](command:id)) and completion events. */
function walkthroughCommands(): string[] {
  return (manifest.contributes.walkthroughs ?? []).flatMap((w) =>
    w.steps.flatMap((step) => [
      ...[...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1] as string),
      ...(step.completionEvents ?? [])
        .filter((e) => e.startsWith("onCommand:"))
        .map((e) => e.slice("onCommand:".length)),
    ]),
  );
}

describe("extension manifest", () => {
  it("contributes exactly the user-facing commands the extension registers", () => {
    const userFacing = [...registered].filter((id) => !id.startsWith("repolora._"));
    expect([...contributed].sort()).toEqual(userFacing.sort());
  });

  it("names only commands that exist in keybindings, menus and walkthroughs", () => {
    const named = [
      ...manifest.contributes.keybindings.map((k) => k.command),
      ...Object.values(manifest.contributes.menus).flatMap((items) => items.map((i) => i.command)),
      ...walkthroughCommands(),
    ];
    expect(named.filter((id) => !known(id))).toEqual([]);
  });

  it("binds the manual trigger, accept word/line and the toggle, each with a fitting when clause", () => {
    const byCommand = new Map(manifest.contributes.keybindings.map((k) => [k.command, k]));
    const trigger = byCommand.get("editor.action.inlineSuggest.trigger");
    expect(trigger?.key).toBe("alt+\\");
    expect(trigger?.when).toMatch(/editorTextFocus/);
    expect(trigger?.when).toMatch(/!inlineSuggestionVisible/);
    for (const accept of [
      "editor.action.inlineSuggest.acceptNextWord",
      "editor.action.inlineSuggest.acceptNextLine",
    ]) {
      // Only while ghost text is shown, so the key keeps its usual meaning (cursor word-right, outdent).
      expect(byCommand.get(accept)?.when).toMatch(/(^|&& )inlineSuggestionVisible\b/);
    }
    expect(byCommand.get("repolora.toggleAutomatic")?.when).toBeTruthy();
    for (const binding of manifest.contributes.keybindings)
      expect(binding.when, binding.command).toBeTruthy();
  });

  it("declares each setting readSettings reads, and no other", () => {
    const read = new Set<string>();
    readSettings((key) => {
      read.add(`repolora.${key}`);
      return undefined;
    });
    expect(Object.keys(manifest.contributes.configuration.properties).sort()).toEqual([...read].sort());
  });

  it("uses only repolora context keys the code sets", () => {
    const whens = [
      ...manifest.contributes.keybindings.map((k) => k.when ?? ""),
      ...Object.values(manifest.contributes.menus).flatMap((items) => items.map((i) => i.when ?? "")),
    ];
    const contextEvents = (manifest.contributes.walkthroughs ?? []).flatMap((w) =>
      w.steps.flatMap((s) => (s.completionEvents ?? []).filter((e) => e.startsWith("onContext:"))),
    );
    whens.push(...contextEvents.map((e) => e.slice("onContext:".length)));
    const keys = new Set(whens.flatMap((when) => [...when.matchAll(/\b(repolora\.\w+)/g)].map((m) => m[1])));
    for (const key of keys) expect(glue, key).toContain(`"${key}"`);
  });

  it("has a walkthrough that sets up the model first, with its media files in the package", () => {
    const steps = manifest.contributes.walkthroughs?.[0]?.steps ?? [];
    expect(steps[0]?.description).toContain("(command:repolora.setupModel)");
    expect(steps[0]?.completionEvents).toContain("onContext:repolora.modelReady");
    const ignore = readFileSync(join(import.meta.dirname, "..", ".vscodeignore"), "utf8");
    for (const step of steps) {
      const media = step.media.markdown;
      expect(media && existsSync(join(import.meta.dirname, "..", media)), media).toBe(true);
      expect(ignore).toContain(`!${media?.split("/")[0]}/`);
    }
  });
});
