; FIM span candidates for Go. Capture names are span kinds; see generator/src/parse/spans.ts.

; statement: one whole statement in a body or a switch/select case (not a `for i := 0; ...` header).
(block (_statement) @statement)
(expression_case (_statement) @statement)
(default_case (_statement) @statement)
(type_case (_statement) @statement)
(communication_case (_statement) @statement)

; block: the inside of a function, if or for body; struct and interface bodies.
(block) @block
(field_declaration_list) @block
(interface_type) @block

; call_args: the inside of a call's parentheses.
(call_expression arguments: (argument_list) @call_args)

; expression: right-hand sides, returned values, conditions, arguments, keyed literal values.
(short_var_declaration right: (_) @expression)
(assignment_statement right: (_) @expression)
(var_spec value: (_) @expression)
(const_spec value: (_) @expression)
(return_statement (_) @expression)
(if_statement condition: (_) @expression)
(for_clause condition: (_) @expression)
(for_statement (_expression) @expression)
(range_clause right: (_) @expression)
(argument_list (_expression) @expression)
(keyed_element (_) . (_) @expression .)

; rest_of_line starts besides every expression and argument list: a callee, an operator's right side.
(call_expression function: (_) @rest_of_line)
(binary_expression right: (_) @rest_of_line)
