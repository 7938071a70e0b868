; FIM span candidates for C++. Capture names are span kinds; see generator/src/parse/spans.ts.

; statement: one whole statement. Declarations only inside a body: at file level they are definitions,
; in a `for (...)` header not a statement of their own.
[(expression_statement) (return_statement) (if_statement) (for_statement) (for_range_loop)
 (while_statement) (do_statement) (switch_statement) (try_statement) (throw_statement) (co_return_statement)] @statement
(compound_statement (declaration) @statement)
(field_declaration_list (field_declaration) @statement)

; block: the inside of a function, lambda, if, loop, try or switch body; class, struct, enum and
; namespace bodies.
(compound_statement) @block
(field_declaration_list) @block
(declaration_list) @block
(enumerator_list) @block

; call_args: the inside of a call's parentheses (also `new T(...)` and `T x(...)` constructions).
(call_expression arguments: (argument_list) @call_args)
(new_expression arguments: (argument_list) @call_args)
(init_declarator value: (argument_list) @call_args)

; expression: initialisers, right-hand sides, returned values, conditions, arguments.
(init_declarator value: (_expression) @expression)
(assignment_expression right: (_) @expression)
(return_statement (_) @expression)
(condition_clause value: (_) @expression)
(condition_clause (_expression) @expression)
(do_statement condition: (parenthesized_expression (_) @expression))
(for_statement condition: (_) @expression)
(for_range_loop right: (_) @expression)
(conditional_expression condition: (_) @expression)
(argument_list (_expression) @expression)
(field_declaration default_value: (_) @expression)

; rest_of_line starts besides every expression and argument list: a callee, an operator's right side.
(call_expression function: (_) @rest_of_line)
(binary_expression right: (_) @rest_of_line)
