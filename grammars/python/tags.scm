; Definitions (aider-style @name.definition.<kind> + @definition.<kind>) and imports (@import) for Python.
; Adapted from tree-sitter-python's queries/tags.scm (MIT). When several patterns find one name, the
; earliest pattern wins (generator/src/parse/tags.ts).

; Decorated definitions span their decorators, so a snippet cut from the range shows them.
(decorated_definition
  definition: (class_definition name: (identifier) @name.definition.class)) @definition.class

(class_definition name: (identifier) @name.definition.class) @definition.class

; A function directly in a class body is a method.
(class_definition
  body: (block
    [(function_definition name: (identifier) @name.definition.method) @definition.method
     (decorated_definition
       definition: (function_definition name: (identifier) @name.definition.method)) @definition.method]))

(decorated_definition
  definition: (function_definition name: (identifier) @name.definition.function)) @definition.function
(function_definition name: (identifier) @name.definition.function) @definition.function

; Module-level assignments: constants when the name is upper case, variables otherwise.
((module (expression_statement (assignment left: (identifier) @name.definition.constant) @definition.constant))
  (#match? @name.definition.constant "^[A-Z][A-Z0-9_]*$"))
(module (expression_statement (assignment left: (identifier) @name.definition.variable) @definition.variable))

; Module names as written: `import os.path`, `import json as js`, `from .util import x`, `from . import x`.
(import_statement name: (dotted_name) @import)
(import_statement name: (aliased_import name: (dotted_name) @import))
(import_from_statement module_name: (_) @import)
(future_import_statement "__future__" @import)
