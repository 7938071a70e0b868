; Definitions (aider-style @name.definition.<kind> + @definition.<kind>) and imports (@import) for Ruby.
; Adapted from tree-sitter-ruby's queries/tags.scm (MIT). When several patterns find one name, the
; earliest pattern wins (generator/src/parse/tags.ts).

; A def inside a class or module is a method; elsewhere a function.
([(class body: (body_statement (method name: (_) @name.definition.method) @definition.method))
  (module body: (body_statement (method name: (_) @name.definition.method) @definition.method))])
(singleton_method name: (_) @name.definition.method) @definition.method
(method name: (_) @name.definition.function) @definition.function

[
  (class name: [(constant) (scope_resolution name: (_))] @name.definition.class)
  (singleton_class value: (_) @name.definition.class)
] @definition.class
(module name: [(constant) (scope_resolution name: (_))] @name.definition.module) @definition.module
(assignment left: (constant) @name.definition.constant) @definition.constant

; Required files as written: require "json", require_relative "lib/helper".
((call
  method: (identifier) @_require
  arguments: (argument_list . (string (string_content) @import)))
  (#any-of? @_require "require" "require_relative" "load" "autoload"))
