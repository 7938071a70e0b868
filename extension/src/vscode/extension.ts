/**
 * Entry point. Activation (onStartupFinished or a command) only wires things up: the runtime process starts
 * with the first completion request. Every disposable goes into context.subscriptions.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import * as vscode from "vscode";
import { defaultPackageDir } from "../../../runtime/src/protocol/default-model.ts";
import { cliCommand, resolveCli } from "../core/cli.ts";
import { CompletionCache } from "../core/completion-cache.ts";
import { ContextRing } from "../core/context-ring.ts";
import { Debouncer } from "../core/debounce.ts";
import { findModelPackage, type ModelPackage, shouldOfferSetup } from "../core/model-setup.ts";
import { CompletionPipeline } from "../core/pipeline.ts";
import { RuntimeSupervisor } from "../core/runtime-supervisor.ts";
import { readSettings, type Settings } from "../core/settings.ts";
import type { StatusInputs } from "../core/status-state.ts";
import { WorkspaceRetriever } from "../core/workspace-index.ts";
import { Bindings } from "./bindings.ts";
import {
  type CommandDeps,
  pickFolder,
  registryRoot,
  setWorkspaceDisabled,
  showAdapterReport,
  showMenu,
  stackAdapters,
  switchAdapter,
} from "./commands.ts";
import { startContextFeed } from "./context-feed.ts";
import { ACCEPTED_COMMAND, RepoLoraInlineProvider } from "./inline-provider.ts";
import { channelLogger } from "./log-channel.ts";
import { setUpDefaultModel } from "./model-setup.ts";
import { disposeReportView } from "./report-view.ts";
import { startRetrievalFeed } from "./retrieval-feed.ts";
import { StatusBar } from "./status-bar.ts";
import { isTraining, trainAdapter } from "./train.ts";
import { registerWarmUp } from "./warm-up.ts";

/** A file's text, null when it cannot be read (missing, unreadable). */
function readTextOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

const KNOWN_ADAPTERS = "repolora.knownAdapters";
/** The user answered the set-up offer with "Don't Ask Again". */
const SETUP_DECLINED = "repolora.setupDeclined";
let supervisor: RuntimeSupervisor | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const channel = vscode.window.createOutputChannel("RepoLoRA", { log: true });
  context.subscriptions.push(channel);
  const log = channelLogger(channel);
  let settings: Settings = readSettings((key) => vscode.workspace.getConfiguration("repolora").get(key));
  const cli = () =>
    resolveCli({
      setting: settings.cliPath,
      extensionDir: context.extensionPath,
      workspaceDirs: (vscode.workspace.workspaceFolders ?? [])
        .filter((folder) => folder.uri.scheme === "file")
        .map((folder) => folder.uri.fsPath),
      pathEnv: process.env.PATH,
    });
  // The model package: the setting, else the embedded default once `repolora model prepare` has made it.
  const defaultDir = defaultPackageDir(process.env, homedir());
  const findModel = () =>
    findModelPackage({ setting: settings.modelPackage, defaultDir, readText: readTextOrNull });
  let model: ModelPackage | null = findModel();
  const modelPackage = () => model?.dir ?? "";
  let setup: StatusInputs["setup"] = { kind: "idle" };
  let setupOffered = false;
  const modelReady = () => void vscode.commands.executeCommand("setContext", "repolora.modelReady", !!model);

  // Each distinct message is shown once per session.
  const shown = new Set<string>();
  const tellOnce = (kind: "error" | "warning", message: string, ...actions: string[]) => {
    if (shown.has(message)) return;
    shown.add(message);
    log.log(kind === "error" ? "error" : "warn", "user.message", { message });
    const show = kind === "error" ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    void show(message, ...actions, "Show Log").then((choice) => {
      if (choice === "Show Log") channel.show(true);
      else if (choice === "Open Settings") void vscode.commands.executeCommand("repolora._openSettings");
      else if (choice === "Restart Runtime") void vscode.commands.executeCommand("repolora.restartRuntime");
    });
  };

  const runtime = new RuntimeSupervisor({
    spawn: () => {
      const path = cli();
      if (!path) throw new Error("the repolora CLI was not found: set repolora.cliPath");
      const { command, args, env } = cliCommand(path, settings.nodePath, [
        "serve",
        "--model",
        modelPackage(),
      ]);
      log.log("info", "runtime.command", { command, args, env });
      return spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...env } });
    },
    initializeParams: () => ({
      modelPackage: modelPackage(),
      maxPromptTokens: settings.maxPromptTokens,
      ...(settings.threads > 0 ? { threads: settings.threads } : {}),
    }),
    log,
    onGiveUp: (message) => tellOnce("error", message, "Restart Runtime"),
    onWarning: (message) => tellOnce("warning", message),
    onStateChange: (state) => status.setRuntime(state),
  });
  supervisor = runtime;

  const ring = new ContextRing({ capacity: Math.max(settings.contextSize * 2, 8) });
  const knownAdapters = () => context.globalState.get<string[]>(KNOWN_ADAPTERS) ?? [];
  const bindings = new Bindings(context.workspaceState, runtime, log, (m) => tellOnce("warning", m), {
    root: () => registryRoot(settings),
    known: knownAdapters,
  });
  // Retrieval over the workspace's files: an index per folder, loaded on its first completion request.
  const retriever = new WorkspaceRetriever({
    rootOf: (workspace) => {
      const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.toString() === workspace);
      return folder?.uri.scheme === "file" ? folder.uri.fsPath : null;
    },
    enabled: () => settings.retrieval.enabled,
    maxPromptTokens: () => settings.maxPromptTokens,
    log,
  });
  const retrievalFeed = startRetrievalFeed(retriever, () => settings);
  const status = new StatusBar(bindings, ring, () => ({
    modelFound: !!model,
    cliFound: !!cli(),
    setup,
    modelPackage: modelPackage(),
    training: isTraining,
  }));
  const cache = new CompletionCache();
  const pipeline = new CompletionPipeline({
    model: (params, signal) => runtime.complete(params, signal),
    cache,
    ring,
    debouncer: new Debouncer(),
    settings: () => ({
      debounceMs: settings.debounceMs,
      maxTokens: settings.maxTokens,
      contextSize: settings.contextSize,
      maxPrefixChars: 12_000,
      maxSuffixChars: 4_000,
      retrieval: settings.retrieval.enabled,
      ...settings.completion,
    }),
    scope: (workspace) =>
      `${modelPackage()}|${settings.maxTokens}|${settings.completion.suffixShare}|${bindings.scope(workspace)}`,
    log,
    retrieve: retriever.retrieve,
  });
  const provider = new RepoLoraInlineProvider({
    pipeline,
    bindings,
    settings: () => settings,
    ready: () => {
      if (model) return true;
      // Prepared meanwhile (say, `repolora model prepare` in a terminal)?
      model = findModel();
      if (model) {
        modelReady();
        status.render();
        return true;
      }
      offerSetup();
      return false;
    },
    onCompletion: (completion) => status.setLatency(completion.latencyMs, completion.source),
    log,
  });

  // No model: offer the set-up once per session (not on every keystroke), unless the user declined for good.
  const offerSetup = () => {
    const declined = context.globalState.get<boolean>(SETUP_DECLINED) ?? false;
    if (
      !shouldOfferSetup({
        found: !!model,
        offered: setupOffered,
        declined,
        running: setup.kind === "running",
      })
    )
      return;
    setupOffered = true;
    log.log("info", "setup.offer", {});
    void vscode.window
      .showInformationMessage(
        "RepoLoRA needs a local model to complete code. Set up the default model (Qwen2.5-Coder-0.5B: ~480 MB download, once)?",
        "Set Up",
        "Choose a Package",
        "Don't Ask Again",
      )
      .then(async (choice) => {
        if (choice === "Set Up") await vscode.commands.executeCommand("repolora.setupModel");
        else if (choice === "Choose a Package")
          await vscode.commands.executeCommand("workbench.action.openSettings", "repolora.modelPackage");
        else if (choice === "Don't Ask Again") await context.globalState.update(SETUP_DECLINED, true);
      });
  };
  const runSetup = async () => {
    if (setup.kind === "running") return;
    if (findModelPackage({ setting: "", defaultDir, readText: readTextOrNull })) {
      void vscode.window.showInformationMessage(
        `RepoLoRA: the default model is already set up (${defaultDir}).`,
      );
      return;
    }
    setup = { kind: "running" };
    status.render();
    const outcome = await setUpDefaultModel({
      cli,
      nodePath: () => settings.nodePath,
      log,
    });
    setup = outcome.kind === "failed" ? { kind: "failed", error: outcome.error } : { kind: "idle" };
    model = findModel();
    modelReady();
    status.render();
    if (outcome.kind === "done") {
      // Completions start with the next keystroke, on the new package (a setting, if any, still wins).
      cache.clear();
      await runtime.restart();
      await bindings.applyAll();
      void vscode.window.showInformationMessage(
        model?.origin === "setting"
          ? `RepoLoRA: the default model is ready in ${defaultDir}; repolora.modelPackage still names ${model.dir}.`
          : "RepoLoRA: the default model is ready; completions are on.",
      );
    } else if (outcome.kind === "cancelled") {
      void vscode.window.showInformationMessage("RepoLoRA: set-up cancelled; run it again to resume.");
    } else {
      const choice = await vscode.window.showErrorMessage(
        `RepoLoRA: setting up the default model failed: ${outcome.error}`,
        "Retry",
        "Show Log",
      );
      if (choice === "Retry") await runSetup();
      else if (choice === "Show Log") channel.show(true);
    }
  };

  const deps: CommandDeps = { bindings, settings: () => settings, knownAdapters, log };

  // The CLI's `adapters activate` (or a training run) rewrites <repo key>/active.json: re-apply the folders
  // that follow the registry. Re-created when repolora.adaptersDir changes.
  let registryWatcher: vscode.FileSystemWatcher | null = null;
  let registryTimer: ReturnType<typeof setTimeout> | undefined;
  const watchRegistry = () => {
    registryWatcher?.dispose();
    registryWatcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(registryRoot(settings)), "*/active.json"),
    );
    const changed = () => {
      clearTimeout(registryTimer);
      registryTimer = setTimeout(() => void bindings.applyAll(), 300);
    };
    registryWatcher.onDidCreate(changed);
    registryWatcher.onDidChange(changed);
    registryWatcher.onDidDelete(changed);
  };
  watchRegistry();
  const command = (id: string, run: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          await run(...args);
        } catch (error) {
          log.log("error", "command.error", { command: id, error });
          void vscode.window.showErrorMessage(`RepoLoRA: ${(error as Error).message}`);
        }
      }),
    );

  context.subscriptions.push(
    bindings,
    status,
    vscode.languages.registerInlineCompletionItemProvider(
      [{ scheme: "file" }, { scheme: "untitled" }, { scheme: "vscode-remote" }],
      provider,
    ),
    startContextFeed(ring, () => settings),
    // Warm-ups only where the runtime already runs: resting the cursor never starts it (the first completion does).
    registerWarmUp({
      pipeline,
      bindings,
      settings: () => settings,
      ready: () => model !== null && runtime.current.kind === "ready",
    }),
    retrievalFeed,
    {
      dispose: () => {
        clearTimeout(registryTimer);
        registryWatcher?.dispose();
      },
    },
    bindings.onDidChange(() => {
      void status.refreshStaleness();
      const folder = vscode.workspace.workspaceFolders?.[0];
      void vscode.commands.executeCommand(
        "setContext",
        "repolora.workspaceDisabled",
        folder ? bindings.get(folder).disabled : false,
      );
    }),
    vscode.window.onDidChangeActiveTextEditor(() => status.render()),
    vscode.workspace.onDidChangeWorkspaceFolders(async (event) => {
      for (const folder of event.added) await bindings.apply(folder);
      for (const folder of event.removed) {
        await runtime.setWorkspaceAdapters(Bindings.workspaceKey(folder), []).catch(() => {});
      }
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration("repolora")) return;
      const before = settings;
      settings = readSettings((key) => vscode.workspace.getConfiguration("repolora").get(key));
      model = findModel();
      modelReady();
      log.log("info", "settings.changed", { ...settings });
      const restart = ["modelPackage", "cliPath", "nodePath", "threads", "maxPromptTokens"] as const;
      if (restart.some((key) => before[key] !== settings[key])) {
        cache.clear();
        void runtime.restart();
      }
      if (before.retrieval.enabled !== settings.retrieval.enabled) cache.clear();
      retrievalFeed.refresh();
      if (before.adaptersDir !== settings.adaptersDir) {
        watchRegistry();
        void bindings.applyAll();
      }
      status.render();
    }),
    { dispose: () => disposeReportView() },
  );

  command("repolora.train", async () => {
    const folder = await pickFolder("Train an adapter for which folder?");
    if (folder) {
      await trainAdapter(
        {
          bindings,
          settings: () => settings,
          cli,
          log,
          showLog: () => channel.show(true),
          onRunningChange: () => status.render(),
          rememberAdapter: async (dir) => {
            const known = new Set(deps.knownAdapters());
            known.add(dir);
            await context.globalState.update(KNOWN_ADAPTERS, [...known].slice(-100));
          },
        },
        folder,
      );
    }
  });
  command("repolora.switchAdapter", () => switchAdapter(deps));
  command("repolora.stackAdapters", () => stackAdapters(deps));
  command("repolora.showReport", () => showAdapterReport(deps));
  command("repolora.disableWorkspace", () => setWorkspaceDisabled(deps, true));
  command("repolora.enableWorkspace", () => setWorkspaceDisabled(deps, false));
  command("repolora.toggleAutomatic", async () => {
    const automatic = !settings.completion.automatic;
    await vscode.workspace
      .getConfiguration("repolora")
      .update("completion.automatic", automatic, vscode.ConfigurationTarget.Global);
    void vscode.window.showInformationMessage(
      automatic
        ? "RepoLoRA: completions appear as you type."
        : "RepoLoRA: completions only when asked (Alt+\\, Trigger Inline Suggestion).",
    );
  });
  command("repolora.setupModel", runSetup);
  command("repolora.showLog", () => channel.show(true));
  command("repolora.menu", () => showMenu(deps));
  command("repolora.restartRuntime", async () => {
    shown.clear();
    await runtime.restart();
    await bindings.applyAll();
    void vscode.window.showInformationMessage("RepoLoRA: the runtime restarts with the next completion.");
  });
  command("repolora._openSettings", () =>
    vscode.commands.executeCommand("workbench.action.openSettings", "@ext:repolora.repolora"),
  );
  command(ACCEPTED_COMMAND, (info) => log.log("info", "complete.accepted", info as Record<string, unknown>));

  log.log("info", "activate", { version: context.extension.packageJSON.version, cli: cli(), ...settings });
  modelReady();
  void bindings.applyAll();
}

export async function deactivate(): Promise<void> {
  await supervisor?.dispose();
  supervisor = undefined;
}
