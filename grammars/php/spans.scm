; FIM span candidates for PHP. Capture names are span kinds; see generator/src/parse/spans.ts.

; statement: one whole statement or property/constant declaration.
[
  (expression_statement)
  (return_statement)
  (echo_statement)
  (unset_statement)
  (if_statement)
  (for_statement)
  (foreach_statement)
  (while_statement)
  (do_statement)
  (switch_statement)
  (try_statement)
  (global_declaration)
  (property_declaration)
  (const_declaration)
] @statement

; block: the inside of a function, method, if, loop, try or switch body; class, interface, trait and
; enum bodies.
[
  (compound_statement)
  (declaration_list)
  (switch_block)
  (enum_declaration_list)
] @block

; call_args: the inside of a call's parentheses.
(function_call_expression arguments: (arguments) @call_args)
(member_call_expression arguments: (arguments) @call_args)
(nullsafe_member_call_expression arguments: (arguments) @call_args)
(scoped_call_expression arguments: (arguments) @call_args)
(object_creation_expression (arguments) @call_args)

; expression: right-hand sides, returned values, conditions, arguments, echoed values.
(assignment_expression right: (_) @expression)
(augmented_assignment_expression right: (_) @expression)
(return_statement (_) @expression)
(echo_statement (_) @expression)
(if_statement condition: (parenthesized_expression (_) @expression))
(else_if_clause condition: (parenthesized_expression (_) @expression))
(while_statement condition: (parenthesized_expression (_) @expression))
(argument (_) @expression)
(array_element_initializer (_) . "=>" . (_) @expression)
(arrow_function body: (_) @expression)

; rest_of_line starts besides every expression and argument list: a method name, a callee, an
; operator's right side.
(member_call_expression name: (_) @rest_of_line)
(function_call_expression function: (_) @rest_of_line)
(binary_expression right: (_) @rest_of_line)
