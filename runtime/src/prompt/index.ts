/** The shared prompt layer: FIM templates, budgeted assembly and context choice. Imports nothing else of the project. */
export * from "./assemble.ts";
export * from "./context.ts";
export * from "./retrieval.ts";
export * from "./templates.ts";
export * from "./tokens.ts";
