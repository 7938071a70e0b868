; Definitions (aider-style @name.definition.<kind> + @definition.<kind>) and imports (@import) for C++.
; Adapted from tree-sitter-cpp's queries/tags.scm (MIT). When several patterns find one name, the
; earliest pattern wins (generator/src/parse/tags.ts).

; Functions defined in a class body, or out of line as Class::name, are methods.
(field_declaration_list
  (function_definition declarator: (function_declarator declarator: [(field_identifier) (identifier) (destructor_name) (operator_name)] @name.definition.method)) @definition.method)
(field_declaration_list
  (template_declaration (function_definition declarator: (function_declarator declarator: [(field_identifier) (identifier)] @name.definition.method)) @definition.method))
(function_definition declarator: (function_declarator declarator: (qualified_identifier name: (_) @name.definition.method))) @definition.method
(function_definition declarator: (function_declarator declarator: (identifier) @name.definition.function)) @definition.function
(function_definition declarator: (reference_declarator (function_declarator declarator: (identifier) @name.definition.function))) @definition.function
(function_definition declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name.definition.function))) @definition.function

[
  (class_specifier name: (type_identifier) @name.definition.class body: (_))
  (struct_specifier name: (type_identifier) @name.definition.class body: (_))
  (union_specifier name: (type_identifier) @name.definition.class body: (_))
] @definition.class
(enum_specifier name: (type_identifier) @name.definition.type body: (_)) @definition.type
(type_definition declarator: (type_identifier) @name.definition.type) @definition.type
(alias_declaration name: (type_identifier) @name.definition.type) @definition.type
(namespace_definition name: (_) @name.definition.module) @definition.module
(preproc_def name: (identifier) @name.definition.constant) @definition.constant

; Included files as written, without quotes or angle brackets: "vector", "shape.hpp".
(preproc_include path: (_) @import)
