; Definitions (aider-style @name.definition.<kind> + @definition.<kind>) and imports (@import) for C#.
; Adapted from tree-sitter-c-sharp's queries/tags.scm (MIT).

[
  (class_declaration name: (identifier) @name.definition.class)
  (struct_declaration name: (identifier) @name.definition.class)
  (record_declaration name: (identifier) @name.definition.class)
] @definition.class
(interface_declaration name: (identifier) @name.definition.interface) @definition.interface
[
  (enum_declaration name: (identifier) @name.definition.type)
  (delegate_declaration name: (identifier) @name.definition.type)
] @definition.type
[
  (method_declaration name: (identifier) @name.definition.method)
  (constructor_declaration name: (identifier) @name.definition.method)
  (local_function_statement name: (identifier) @name.definition.function)
] @definition.method
(property_declaration name: (identifier) @name.definition.variable) @definition.variable
[
  (namespace_declaration name: (_) @name.definition.module)
  (file_scoped_namespace_declaration name: (_) @name.definition.module)
] @definition.module

; Namespaces as written: `using System.Collections.Generic;`; for `using X = A.B;` the target "A.B".
(using_directive (qualified_name) @import)
(using_directive (identifier) @import .)
