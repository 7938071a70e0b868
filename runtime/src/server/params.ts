/** Validation of each method's params (zod), so handlers see well-typed values and clients get BAD_REQUEST. */
import { z } from "zod";
import type { MethodName, Methods } from "../protocol/index.ts";
import { badRequest } from "./jsonrpc.ts";

const weightedAdapter = z.object({ key: z.string().min(1), weight: z.number().finite() });

const schemas = {
  initialize: z.object({
    protocolVersion: z.number().int(),
    modelPackage: z.string(),
    threads: z.number().int().positive().optional(),
    maxAdapterBytes: z.number().int().nonnegative().optional(),
    maxPromptTokens: z.number().int().min(32).optional(),
    defaultAdapter: z.string().min(1).nullable().optional(),
  }),
  loadAdapter: z.object({ key: z.string().min(1), dir: z.string().min(1) }),
  setWorkspaceAdapters: z.object({ workspace: z.string().min(1), adapters: z.array(weightedAdapter) }),
  complete: z.object({
    workspace: z.string().min(1),
    documentUri: z.string().min(1),
    path: z.string(),
    languageId: z.string(),
    repoName: z.string(),
    prefix: z.string(),
    suffix: z.string(),
    context: z.array(z.object({ path: z.string(), text: z.string() })),
    multiline: z.boolean(),
    maxTokens: z.number().int().positive().optional(),
    temperature: z.number().min(0).max(10).optional(),
    topP: z.number().gt(0).max(1).optional(),
    seed: z.number().int().nonnegative().optional(),
    suffixShare: z.number().min(0).max(0.5).optional(),
    timeoutMs: z.number().int().positive().optional(),
  }),
  stats: z.object({}),
  shutdown: z.object({}),
} satisfies { [M in MethodName]: z.ZodType<unknown> };

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(schemas, name);
}

export function parseParams<M extends MethodName>(method: M, params: unknown): Methods[M]["params"] {
  const parsed = schemas[method].safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badRequest(`${method}: params.${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  return parsed.data as Methods[M]["params"];
}
