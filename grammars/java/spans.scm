; FIM span candidates for Java. Capture names are span kinds; see generator/src/parse/spans.ts.

; statement: one whole statement or field. Declarations only where they stand alone: `int i = 0` in a
; `for (...)` header is not a statement. (Few alternatives under a parent: a long alternation there makes
; the query several times slower.)
[(expression_statement) (return_statement) (throw_statement) (assert_statement) (if_statement)
 (for_statement) (enhanced_for_statement) (while_statement) (do_statement) (try_statement)
 (try_with_resources_statement) (switch_expression) (synchronized_statement) (yield_statement)] @statement
(block (local_variable_declaration) @statement)
(constructor_body (local_variable_declaration) @statement)
(switch_block_statement_group (local_variable_declaration) @statement)
(class_body (field_declaration) @statement)
(interface_body (constant_declaration) @statement)

; block: the inside of a method, constructor, class, interface, enum, if, loop, try or switch body.
[
  (block)
  (constructor_body)
  (class_body)
  (interface_body)
  (enum_body)
  (switch_block)
] @block

; call_args: the inside of a call's parentheses.
(method_invocation arguments: (argument_list) @call_args)
(object_creation_expression arguments: (argument_list) @call_args)
(explicit_constructor_invocation arguments: (argument_list) @call_args)

; expression: right-hand sides, returned/thrown values, conditions, arguments.
(variable_declarator value: (_) @expression)
(assignment_expression right: (_) @expression)
(return_statement (expression) @expression)
(throw_statement (expression) @expression)
(if_statement condition: (_ (expression) @expression))
(while_statement condition: (_ (expression) @expression))
(do_statement condition: (_ (expression) @expression))
(for_statement condition: (_) @expression)
(enhanced_for_statement value: (_) @expression)
(ternary_expression condition: (_) @expression)
(argument_list (expression) @expression)
(lambda_expression body: (expression) @expression)

; rest_of_line starts besides every expression and argument list: a callee, an operator's right side.
(method_invocation object: (_) @rest_of_line)
(method_invocation name: (_) @rest_of_line)
(binary_expression right: (_) @rest_of_line)
