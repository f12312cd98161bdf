#!/usr/bin/env bash
# The German thesaurus OpenThesaurus as pretraining text (germeval.sh ADAPT_MORE=... or DE_EXTRA=...):
# installs Debian's mythes-de and writes its synonym groups, one per line, to OUT (default
# runs/thesaurus-de.txt; about 3.0 MB, 35,600 groups). Needs root for apt-get.
#
#   tools/experiments/thesaurus-de.sh && ADAPT_MORE=runs/thesaurus-de.txt ... tools/experiments/germeval.sh
set -euo pipefail
OUT=${OUT:-runs/thesaurus-de.txt}
apt-get install -y -q mythes-de >&2
mkdir -p "$(dirname "$OUT")"
python3 "$(dirname "$0")/thesaurus_de.py" "$OUT"
