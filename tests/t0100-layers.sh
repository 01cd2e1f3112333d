#!/bin/sh
# The library's layers (docs/architecture.md): includes go down only, no
# include circle, no .c file over 1,000 lines.
. "$(dirname "$0")/lib.sh"
python3 "$TOP/tests/layers.py" "$TOP"
