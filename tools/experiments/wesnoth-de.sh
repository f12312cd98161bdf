#!/usr/bin/env bash
# German dialogue and story text of The Battle for Wesnoth (GPL) as pretraining text: downloads the
# Debian packages of the game's data and campaigns (about 290 MB, not installed), reads the German
# translations (locale/de/*.mo) and writes their messages of four or more words, one per line, to OUT
# (default runs/wesnoth-de.txt; about 1.8 MB, 12,200 lines). Fantasy war stories: a lot of fighting,
# killing and threatening in everyday German, which the news and manuals have little of.
#
#   tools/experiments/wesnoth-de.sh && DE_EXTRA="runs/de-extra.txt runs/wesnoth-de.txt" ... tools/experiments/germeval.sh
set -euo pipefail
OUT=${OUT:-runs/wesnoth-de.txt}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(
	cd "$work"
	for p in data did dm dw ei httt l low nr sof sota sotbe thot trow tsg ttb utbs; do
		apt-get download -q "wesnoth-1.16-$p" >&2
	done
	for f in *.deb; do dpkg -x "$f" x; done
)
mkdir -p "$(dirname "$OUT")"
python3 "$(dirname "$0")/wesnoth_de.py" "$work/x" "$OUT"
