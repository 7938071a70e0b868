; FIM span candidates for Rust. Capture names are span kinds; see generator/src/parse/spans.ts.

; statement: one whole statement, including a block's tail expression.
(expression_statement) @statement
(let_declaration) @statement
(block (_expression) @statement .)

; block: the inside of a function, closure, if/else, loop, match, impl, trait, mod, struct or enum body.
(block) @block
(declaration_list) @block
(field_declaration_list) @block
(enum_variant_list) @block
(match_block) @block

; call_args: the inside of a call's or macro call's parentheses.
(call_expression arguments: (arguments) @call_args)
(macro_invocation (token_tree) @call_args)

; expression: right-hand sides, returned values, conditions, arguments, match arm values.
(let_declaration value: (_) @expression)
(assignment_expression right: (_) @expression)
(compound_assignment_expr right: (_) @expression)
(return_expression (_) @expression)
(if_expression condition: (_) @expression)
(while_expression condition: (_) @expression)
(for_expression value: (_) @expression)
(match_expression value: (_) @expression)
(match_arm value: (_) @expression)
(arguments (_expression) @expression)
(field_initializer value: (_) @expression)
(const_item value: (_) @expression)
(static_item value: (_) @expression)
(closure_expression body: (_) @expression)

; rest_of_line starts besides every expression and argument list: a callee, an operator's right side.
(call_expression function: (_) @rest_of_line)
(binary_expression right: (_) @rest_of_line)
