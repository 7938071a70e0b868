; inherits: typescript
; Definitions and imports for TSX: exactly grammars/typescript/tags.scm, prepended by the loader
; (generator/src/parse/loader.ts); TSX adds no definitions of its own.
