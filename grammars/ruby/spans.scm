; FIM span candidates for Ruby. Capture names are span kinds; see generator/src/parse/spans.ts.

; statement: one whole statement in a body. Method, class and module definitions are left out: their
; bodies are blocks. A body's last bare value (its implicit return) counts too.
[
  (assignment)
  (operator_assignment)
  (if)
  (unless)
  (while)
  (until)
  (for)
  (case)
  (return)
  (yield)
  (if_modifier)
  (unless_modifier)
  (while_modifier)
  (until_modifier)
  (rescue_modifier)
  (begin)
] @statement
; Calls and operators nest inside each other, so only those directly in a body are statements.
(body_statement [(call) (binary)] @statement)
(block_body [(call) (binary)] @statement)
(then [(call) (binary)] @statement)
(else [(call) (binary)] @statement)
(do [(call) (binary)] @statement)
(program [(call) (binary)] @statement)
(body_statement [(identifier) (self) (instance_variable) (hash) (array) (string) (element_reference)] @statement .)

; block: the inside of a method, class, module, do/{} block, begin, if/elsif/else/unless or loop body.
[
  (body_statement)
  (block_body)
  (then)
  (else)
  (do)
] @block

; call_args: a call's arguments, inside parentheses or not.
(call arguments: (argument_list) @call_args)

; expression: right-hand sides, returned values, conditions, arguments, hash values, defaults.
(assignment right: (_) @expression)
(operator_assignment right: (_) @expression)
(return (argument_list (_) @expression))
(if condition: (_) @expression)
(elsif condition: (_) @expression)
(unless condition: (_) @expression)
(while condition: (_) @expression)
(until condition: (_) @expression)
(if_modifier condition: (_) @expression)
(unless_modifier condition: (_) @expression)
(argument_list (_expression) @expression)
(pair value: (_) @expression)
(optional_parameter value: (_) @expression)

; rest_of_line starts besides every expression and argument list: a method name after `recv.`, an
; operator's right side.
(call receiver: (_) method: (_) @rest_of_line)
(binary right: (_) @rest_of_line)
