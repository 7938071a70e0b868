/** Maps runtime errors (codes from errors.ts, also across the worker boundary) to protocol errors. */
import { RuntimeError } from "../errors.ts";
import type { ErrorCode } from "../protocol/index.ts";
import { RpcError, serverError } from "./jsonrpc.ts";

const BY_RUNTIME_CODE: Record<string, ErrorCode> = {
  "adapter-files-missing": "ADAPTER_NOT_FOUND",
  "adapter-config-invalid": "ADAPTER_MISMATCH",
  "adapter-unsupported": "ADAPTER_MISMATCH",
  "adapter-base-model-mismatch": "ADAPTER_MISMATCH",
  "adapter-shape-mismatch": "ADAPTER_MISMATCH",
  "adapter-unknown-tensor": "ADAPTER_MISMATCH",
  "adapter-template-unsupported": "ADAPTER_MISMATCH",
  "adapter-template-conflict": "ADAPTER_MISMATCH",
  "model-package-invalid": "MODEL_LOAD_FAILED",
  "model-unsupported": "MODEL_LOAD_FAILED",
  "safetensors-invalid": "ADAPTER_MISMATCH",
  // A dead engine is never the request's fault (not an adapter mismatch, whatever the method was).
  "engine-exited": "INTERNAL",
  "engine-crashed": "INTERNAL",
};

/** Errors of a dead engine worker (engine-client.ts): nothing will work again in this process. */
export function isEngineDead(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "engine-crashed" || code === "engine-exited";
}

/** A protocol error for anything thrown by a handler; `fallback` for runtime errors without a mapping. */
export function toRpcError(error: unknown, fallback: ErrorCode = "INTERNAL"): RpcError {
  if (error instanceof RpcError) return error;
  if (error instanceof RuntimeError || (error instanceof Error && "code" in error)) {
    const code = String((error as RuntimeError).code);
    return serverError(BY_RUNTIME_CODE[code] ?? fallback, `${code}: ${error.message}`);
  }
  return serverError(fallback, error instanceof Error ? error.message : String(error));
}
