; Definitions (aider-style @name.definition.<kind> + @definition.<kind>) and imports (@import) for PHP.
; Adapted from tree-sitter-php's queries/tags.scm (MIT).

[
  (class_declaration name: (name) @name.definition.class)
  (trait_declaration name: (name) @name.definition.class)
] @definition.class
(interface_declaration name: (name) @name.definition.interface) @definition.interface
(enum_declaration name: (name) @name.definition.type) @definition.type
(function_definition name: (name) @name.definition.function) @definition.function
(method_declaration name: (name) @name.definition.method) @definition.method
(namespace_definition name: (namespace_name) @name.definition.module) @definition.module
(const_declaration (const_element (name) @name.definition.constant)) @definition.constant

; Imported names and required files as written: `use App\Support\Str;`, `use App\Models\{User, Post};`
; gives "App\Models", `require_once 'helpers.php';`.
(namespace_use_clause [(qualified_name) (name)] @import)
(namespace_use_declaration (namespace_name) @import (namespace_use_group))
(require_expression [(string) (encapsed_string)] @import)
(require_once_expression [(string) (encapsed_string)] @import)
(include_expression [(string) (encapsed_string)] @import)
(include_once_expression [(string) (encapsed_string)] @import)
