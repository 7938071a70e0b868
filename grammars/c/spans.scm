; FIM span candidates for C. Capture names are span kinds; see generator/src/parse/spans.ts.

; statement: one whole statement. Declarations only inside a body: at file level they are definitions,
; in a `for (...)` header not a statement of their own.
[(expression_statement) (return_statement) (if_statement) (for_statement) (while_statement)
 (do_statement) (switch_statement) (goto_statement)] @statement
(compound_statement (declaration) @statement)

; block: the inside of a function, if, loop or switch body; struct, union and enum bodies.
(compound_statement) @block
(field_declaration_list) @block
(enumerator_list) @block

; call_args: the inside of a call's parentheses.
(call_expression arguments: (argument_list) @call_args)

; expression: initialisers, right-hand sides, returned values, conditions, arguments.
(init_declarator value: (_) @expression)
(assignment_expression right: (_) @expression)
(return_statement (_) @expression)
(if_statement condition: (parenthesized_expression (_) @expression))
(while_statement condition: (parenthesized_expression (_) @expression))
(do_statement condition: (parenthesized_expression (_) @expression))
(switch_statement condition: (parenthesized_expression (_) @expression))
(for_statement condition: (_) @expression)
(conditional_expression condition: (_) @expression)
(argument_list (_expression) @expression)

; rest_of_line starts besides every expression and argument list: a callee, an operator's right side.
(call_expression function: (_) @rest_of_line)
(binary_expression right: (_) @rest_of_line)
