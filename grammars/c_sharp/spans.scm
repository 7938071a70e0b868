; FIM span candidates for C#. Capture names are span kinds; see generator/src/parse/spans.ts.

; statement: one whole statement, field or property.
[
  (expression_statement)
  (local_declaration_statement)
  (field_declaration)
  (property_declaration)
  (return_statement)
  (throw_statement)
  (yield_statement)
  (if_statement)
  (for_statement)
  (for_each_statement)
  (while_statement)
  (do_statement)
  (try_statement)
  (using_statement)
  (lock_statement)
  (switch_statement)
] @statement

; block: the inside of a method, accessor, lambda, if, loop, try or switch body; class, interface,
; struct and namespace bodies.
(block) @block
(declaration_list) @block
(switch_body) @block
(enum_member_declaration_list) @block

; call_args: the inside of a call's parentheses.
(invocation_expression arguments: (argument_list) @call_args)
(object_creation_expression arguments: (argument_list) @call_args)

; expression: initialisers, right-hand sides, returned/thrown values, conditions, arguments.
(equals_value_clause (_) @expression)
(assignment_expression right: (_) @expression)
(return_statement (_) @expression)
(throw_statement (_) @expression)
(if_statement condition: (_) @expression)
(while_statement (_expression) @expression)
(do_statement (_expression) @expression)
(for_statement condition: (_) @expression)
(for_each_statement right: (_) @expression)
(conditional_expression condition: (_) @expression)
(argument (_expression) @expression)
(arrow_expression_clause (_) @expression)
(lambda_expression body: (_expression) @expression)

; rest_of_line starts besides every expression and argument list: a callee, an operator's right side.
(invocation_expression function: (_) @rest_of_line)
(binary_expression right: (_) @rest_of_line)
