; Definitions (aider-style @name.definition.<kind> + @definition.<kind>) and imports (@import) for C.
; Adapted from tree-sitter-c's queries/tags.scm (MIT).

(function_definition declarator: (function_declarator declarator: (identifier) @name.definition.function)) @definition.function
(function_definition declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name.definition.function))) @definition.function
(declaration declarator: (function_declarator declarator: (identifier) @name.definition.function)) @definition.function

[
  (struct_specifier name: (type_identifier) @name.definition.class body: (_))
  (union_specifier name: (type_identifier) @name.definition.class body: (_))
] @definition.class
(enum_specifier name: (type_identifier) @name.definition.type body: (_)) @definition.type
(type_definition declarator: (type_identifier) @name.definition.type) @definition.type
(preproc_def name: (identifier) @name.definition.constant) @definition.constant
(preproc_function_def name: (identifier) @name.definition.function) @definition.function
(translation_unit (declaration declarator: (init_declarator declarator: (identifier) @name.definition.variable)) @definition.variable)

; Included files as written, without quotes or angle brackets: "stdio.h", "util.h".
(preproc_include path: (_) @import)
