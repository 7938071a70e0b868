; Definitions (aider-style @name.definition.<kind> + @definition.<kind>) and imports (@import) for Java.
; Adapted from tree-sitter-java's queries/tags.scm (MIT).

[
  (class_declaration name: (identifier) @name.definition.class)
  (record_declaration name: (identifier) @name.definition.class)
] @definition.class
[
  (interface_declaration name: (identifier) @name.definition.interface)
  (annotation_type_declaration name: (identifier) @name.definition.interface)
] @definition.interface
(enum_declaration name: (identifier) @name.definition.type) @definition.type
[
  (method_declaration name: (identifier) @name.definition.method)
  (constructor_declaration name: (identifier) @name.definition.method)
] @definition.method
(field_declaration declarator: (variable_declarator name: (identifier) @name.definition.variable)) @definition.variable

; Imported names as written: `import java.util.List;` gives "java.util.List", `import a.b.*;` gives "a.b".
(import_declaration (scoped_identifier) @import)
(import_declaration (identifier) @import)
