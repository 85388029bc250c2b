;; Sandbox test fixture: the start function traps during ExecLoad.
(module
  (func $s unreachable)
  (start $s))
