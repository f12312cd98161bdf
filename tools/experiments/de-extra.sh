#!/usr/bin/env bash
# More German text for pretraining (germeval.sh DE_EXTRA=...): installs six Debian packages with German
# sayings, manual pages and help texts and writes their running text, one paragraph per line, to OUT
# (default runs/de-extra.txt; about 14.6 MB, 83,000 paragraphs). Needs root for apt-get.
#
#   tools/experiments/de-extra.sh && DE_EXTRA=runs/de-extra.txt OUT=runs/germeval-dex tools/experiments/germeval.sh
set -euo pipefail
OUT=${OUT:-runs/de-extra.txt}
apt-get update -q >&2
apt-get install -y -q fortunes-de manpages-de libreoffice-help-de debian-reference-de debian-faq-de >&2
mkdir -p "$(dirname "$OUT")"
python3 "$(dirname "$0")/de_extra.py" "$OUT"
