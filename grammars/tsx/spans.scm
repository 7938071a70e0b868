; inherits: typescript
; FIM span candidates for TSX: everything of grammars/typescript/spans.scm (prepended by the loader, see
; generator/src/parse/loader.ts), plus JSX. Capture names are span kinds; see generator/src/parse/spans.ts.

(jsx_expression (expression) @expression)
