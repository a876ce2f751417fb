#!/bin/sh
# Word count, map side: lines on stdin -> "word<TAB>1" per space-separated word.
# Words are what `tr -s ' ' '\n'` makes of a line, so the result matches `sort | uniq -c`.
tr -s ' ' '\n' | awk 'NF { print $0 "\t1" }'
