/** Validation of each method's params (the protocol's zod schemas), so handlers see well-typed values and clients get BAD_REQUEST. */
import { isMethodName, METHOD_PARAMS, type MethodName, type Methods } from "../protocol/index.ts";
import { badRequest } from "./jsonrpc.ts";

export { isMethodName };

export function parseParams<M extends MethodName>(method: M, params: unknown): Methods[M]["params"] {
  const parsed = METHOD_PARAMS[method].safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badRequest(`${method}: params.${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  return parsed.data as Methods[M]["params"];
}
