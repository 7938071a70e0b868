/**
 * The shared prompt layer: FIM templates, budgeted assembly, context choice, and the post-processing of what the
 * model generated. Imports nothing else of the project.
 */
export * from "./assemble.ts";
export * from "./auto-close.ts";
export * from "./context.ts";
export * from "./postprocess.ts";
export * from "./retrieval.ts";
export * from "./templates.ts";
export * from "./tokens.ts";
