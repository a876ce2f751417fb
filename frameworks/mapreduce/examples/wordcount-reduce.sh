#!/bin/sh
# Word count, reduce side: "word<TAB>n" lines sorted by word -> "word<TAB>total".
# Equal words arrive together (the runner sorts), so one running count is enough.
exec awk -F '\t' '
	NR > 1 && $1 != word { print word "\t" n; n = 0 }
	{ word = $1; n += $2 }
	END { if (NR > 0) print word "\t" n }'
