; FIM span candidates for Python. Capture names are span kinds; see generator/src/parse/spans.ts.

; statement: one whole statement. Function and class definitions are left out: their bodies are blocks.
[
  (expression_statement)
  (return_statement)
  (raise_statement)
  (assert_statement)
  (delete_statement)
  (import_statement)
  (import_from_statement)
  (if_statement)
  (for_statement)
  (while_statement)
  (try_statement)
  (with_statement)
  (match_statement)
] @statement

; block: the indented statements of a function, class, if/elif/else, loop, with, try/except/finally or case.
(block) @block

; call_args: the inside of a call's parentheses (a bare generator argument `f(x for x in y)` is skipped).
(call arguments: (argument_list) @call_args)

; expression: right-hand sides, returned/raised values, conditions, arguments, defaults.
(assignment right: (_) @expression)
(augmented_assignment right: (_) @expression)
(return_statement (_) @expression)
(raise_statement (expression) @expression)
(if_statement condition: (_) @expression)
(elif_clause condition: (_) @expression)
(while_statement condition: (_) @expression)
(for_statement right: (_) @expression)
(conditional_expression (_) . "if" . (_) @expression)
(argument_list (expression) @expression)
(keyword_argument value: (_) @expression)
(default_parameter value: (_) @expression)
(typed_default_parameter value: (_) @expression)
(pair value: (_) @expression)
(lambda body: (_) @expression)
(assert_statement . (expression) @expression)

; rest_of_line starts besides every expression and argument list: a callee, an operator's right side.
(call function: (_) @rest_of_line)
(binary_operator right: (_) @rest_of_line)
(boolean_operator right: (_) @rest_of_line)
