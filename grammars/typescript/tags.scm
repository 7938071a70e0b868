; Definitions (aider-style @name.definition.<kind> + @definition.<kind>) and imports (@import) for
; TypeScript; grammars/tsx/tags.scm inherits it. Adapted from tree-sitter-javascript's and
; tree-sitter-typescript's queries/tags.scm (MIT). When several patterns find one name, the earliest
; pattern wins (generator/src/parse/tags.ts).

[
  (class_declaration name: (_) @name.definition.class)
  (abstract_class_declaration name: (_) @name.definition.class)
] @definition.class

(interface_declaration name: (_) @name.definition.interface) @definition.interface

[
  (type_alias_declaration name: (_) @name.definition.type)
  (enum_declaration name: (_) @name.definition.type)
] @definition.type

[
  (internal_module name: (_) @name.definition.module)
  (module name: (_) @name.definition.module)
] @definition.module

[
  (function_declaration name: (identifier) @name.definition.function)
  (generator_function_declaration name: (identifier) @name.definition.function)
  (function_signature name: (identifier) @name.definition.function)
] @definition.function

((method_definition name: (_) @name.definition.method) @definition.method
  (#not-eq? @name.definition.method "constructor"))
[
  (method_signature name: (_) @name.definition.method)
  (abstract_method_signature name: (_) @name.definition.method)
] @definition.method

; `const f = () => ...` is a function, any other top-level binding a variable.
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

; Module specifiers as written: import/export ... from "x", import x = require("x"), require("x"), import("x").
(import_statement source: (string (string_fragment) @import))
(export_statement source: (string (string_fragment) @import))
(import_require_clause source: (string (string_fragment) @import))
((call_expression
  function: (identifier) @_require
  arguments: (arguments . (string (string_fragment) @import)))
  (#eq? @_require "require"))
(call_expression
  function: (import)
  arguments: (arguments . (string (string_fragment) @import)))
