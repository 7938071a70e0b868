; Definitions (aider-style @name.definition.<kind> + @definition.<kind>) and imports (@import) for Rust.
; Adapted from tree-sitter-rust's queries/tags.scm (MIT). When several patterns find one name, the
; earliest pattern wins (generator/src/parse/tags.ts).

; Functions in an impl or trait are methods.
(impl_item body: (declaration_list (function_item name: (identifier) @name.definition.method) @definition.method))
(trait_item body: (declaration_list (function_item name: (identifier) @name.definition.method) @definition.method))
(trait_item body: (declaration_list (function_signature_item name: (identifier) @name.definition.method) @definition.method))
(function_item name: (identifier) @name.definition.function) @definition.function

[
  (struct_item name: (type_identifier) @name.definition.class)
  (union_item name: (type_identifier) @name.definition.class)
] @definition.class
(trait_item name: (type_identifier) @name.definition.interface) @definition.interface
[
  (enum_item name: (type_identifier) @name.definition.type)
  (type_item name: (type_identifier) @name.definition.type)
] @definition.type
(mod_item name: (identifier) @name.definition.module) @definition.module
(macro_definition name: (identifier) @name.definition.function) @definition.function
[
  (const_item name: (identifier) @name.definition.constant)
  (static_item name: (identifier) @name.definition.constant)
] @definition.constant

; The module a `use` names items from: `use std::collections::HashMap` and `use std::io::{self, Write}`
; give "std::collections" and "std::io"; `use foo;` gives "foo".
(use_declaration argument: (scoped_identifier path: (_) @import))
(use_declaration argument: (scoped_use_list path: (_) @import))
(use_declaration argument: (use_as_clause path: (scoped_identifier path: (_) @import)))
(use_declaration argument: (use_wildcard (scoped_identifier) @import))
(use_declaration argument: (identifier) @import)
(use_declaration argument: (use_as_clause path: (identifier) @import))
(extern_crate_declaration name: (identifier) @import)
