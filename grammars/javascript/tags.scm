; Definitions (aider-style @name.definition.<kind> + @definition.<kind>) and imports (@import) for
; JavaScript. Adapted from tree-sitter-javascript's queries/tags.scm (MIT).

(class_declaration name: (_) @name.definition.class) @definition.class

[
  (function_declaration name: (identifier) @name.definition.function)
  (generator_function_declaration name: (identifier) @name.definition.function)
] @definition.function

((method_definition name: (_) @name.definition.method) @definition.method
  (#not-eq? @name.definition.method "constructor"))

; `const f = () => ...` is a function, any other top-level binding a variable. When several patterns find one
; name, the earliest pattern wins (generator/src/parse/tags.ts), so the function patterns come first.
([(lexical_declaration
  (variable_declarator
    name: (identifier) @name.definition.function
    value: [(arrow_function) (function_expression) (generator_function)]))
  (variable_declaration
  (variable_declarator
    name: (identifier) @name.definition.function
    value: [(arrow_function) (function_expression) (generator_function)]))] @definition.function)

(program
  [(lexical_declaration (variable_declarator name: (identifier) @name.definition.variable))
   (variable_declaration (variable_declarator name: (identifier) @name.definition.variable))] @definition.variable)
(program
  (export_statement
    declaration: [(lexical_declaration (variable_declarator name: (identifier) @name.definition.variable))
                  (variable_declaration (variable_declarator name: (identifier) @name.definition.variable))]
      @definition.variable))

; Module specifiers as written: import/export ... from "x", require("x"), import("x").
(import_statement source: (string (string_fragment) @import))
(export_statement source: (string (string_fragment) @import))
((call_expression
  function: (identifier) @_require
  arguments: (arguments . (string (string_fragment) @import)))
  (#eq? @_require "require"))
(call_expression
  function: (import)
  arguments: (arguments . (string (string_fragment) @import)))
