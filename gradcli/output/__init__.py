"""Plain text out, no Rich; each module writes one noun.

numbers     the one number formatter: number (full round-trip), short (3 digits), field, finite
jsonl       JSON Lines: the JSON text writer and the records of grad, sweep, trace, functions
delimited   CSV/TSV: the one header (and its check), rows of one or several expressions
formats     the plain formats by name (WRITERS): --format's choices besides table
dot         trace as Graphviz source
matrix      records of the Hessian, the Jacobian (one grad-shaped record per expression), --direction
activation  an activation's healthy range and vanishing warnings in words
messages    every line gradcli writes to stderr
color       whether output gets colour (--color, NO_COLOR, FORCE_COLOR)
"""
