; FIM span candidates for TypeScript; grammars/tsx/spans.scm inherits this file and adds JSX. Capture names are span
; kinds; see generator/src/parse/spans.ts.

; statement: one whole statement. Function and class declarations are left out: their bodies are blocks.
[(expression_statement) (return_statement) (throw_statement) (if_statement) (for_statement)
 (for_in_statement) (while_statement) (do_statement) (try_statement) (switch_statement)
 (import_statement) (type_alias_declaration)] @statement
; Declarations only where they stand alone: `let i = 0` in a `for (...)` header is not a statement. (Few
; alternatives under a parent: a long alternation there makes the query several times slower.)
(program [(lexical_declaration) (variable_declaration)] @statement)
(statement_block [(lexical_declaration) (variable_declaration)] @statement)
(switch_case [(lexical_declaration) (variable_declaration)] @statement)
(switch_default [(lexical_declaration) (variable_declaration)] @statement)
(export_statement declaration: [(lexical_declaration) (variable_declaration)]) @statement
(class_body (public_field_definition) @statement)

; block: the inside of a function, method, class, if, loop, try or switch body (braces are stripped in code).
[
  (statement_block)
  (class_body)
  (switch_body)
  (interface_body)
] @block

; call_args: the inside of a call's parentheses.
(call_expression arguments: (arguments) @call_args)
(new_expression arguments: (arguments) @call_args)

; expression: right-hand sides, returned/thrown values, conditions, arguments.
(variable_declarator value: (_) @expression)
(assignment_expression right: (_) @expression)
(augmented_assignment_expression right: (_) @expression)
(public_field_definition value: (_) @expression)
(pair value: (_) @expression)
(return_statement (expression) @expression)
(throw_statement (expression) @expression)
(if_statement condition: (parenthesized_expression (expression) @expression))
(while_statement condition: (parenthesized_expression (expression) @expression))
(do_statement condition: (parenthesized_expression (expression) @expression))
(for_statement condition: (expression) @expression)
(ternary_expression condition: (_) @expression)
(arguments (expression) @expression)
(arrow_function body: (expression) @expression)

; rest_of_line starts besides every expression and call argument list: a callee, an operator's right side.
(call_expression function: (_) @rest_of_line)
(binary_expression right: (_) @rest_of_line)
