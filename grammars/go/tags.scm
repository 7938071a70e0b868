; Definitions (aider-style @name.definition.<kind> + @definition.<kind>) and imports (@import) for Go.
; Adapted from tree-sitter-go's queries/tags.scm (MIT).

(function_declaration name: (identifier) @name.definition.function) @definition.function
(method_declaration name: (field_identifier) @name.definition.method) @definition.method

(type_declaration (type_spec name: (type_identifier) @name.definition.interface type: (interface_type))) @definition.interface
(type_declaration (type_spec name: (type_identifier) @name.definition.class type: (struct_type))) @definition.class
(type_declaration (type_spec name: (type_identifier) @name.definition.type)) @definition.type

(source_file (const_declaration (const_spec name: (identifier) @name.definition.constant)) @definition.constant)
(source_file (var_declaration (var_spec name: (identifier) @name.definition.variable)) @definition.variable)

; Import paths as written: `import "fmt"`, `import ( "strings"; x "os/exec" )`.
(import_spec path: (_) @import)
