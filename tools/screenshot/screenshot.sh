#!/bin/sh
# screenshot.sh renders an evaluation report's report.html in headless Chromium and saves a PNG
# screenshot, to check that the report and its figures display. It fails when Chromium is missing,
# the page does not render, or the screenshot is suspiciously small or blank.
#
# Usage: tools/screenshot/screenshot.sh REPORT_DIR [OUT.png] [HEIGHT]
#   OUT.png defaults to REPORT_DIR/screenshot.png; HEIGHT (pixels, default 4000) is the window height.
# Install Chromium on Debian with: apt-get install -y chromium
set -eu

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
	echo "usage: $0 REPORT_DIR [OUT.png] [HEIGHT]" >&2
	exit 2
fi
dir=$1
out=${2:-$dir/screenshot.png}
height=${3:-4000}

html=$(cd "$dir" && pwd)/report.html
if [ ! -f "$html" ]; then
	echo "screenshot: $html does not exist" >&2
	exit 1
fi
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
	echo "screenshot: chromium not found (apt-get install -y chromium)" >&2
	exit 1
fi
case $out in
/*) ;;
*) out=$(pwd)/$out ;;
esac

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
rm -f "$out"
# Chromium logs harmless D-Bus and GPU complaints on stderr; keep them for a failure report only.
if ! "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--hide-scrollbars --user-data-dir="$profile" --window-size="1280,$height" \
	--screenshot="$out" "file://$html" >"$profile/log" 2>&1; then
	cat "$profile/log" >&2
	echo "screenshot: chromium failed" >&2
	exit 1
fi
if [ ! -s "$out" ]; then
	cat "$profile/log" >&2
	echo "screenshot: no screenshot written" >&2
	exit 1
fi

# A PNG starts with an 8-byte signature and an IHDR chunk holding the width and height; a page that
# rendered text and figures compresses far worse than an empty one.
sig=$(od -An -tx1 -N8 "$out" | tr -d ' \n')
if [ "$sig" != "89504e470d0a1a0a" ]; then
	echo "screenshot: $out is not a PNG" >&2
	exit 1
fi
width=$(od -An -tu1 -j16 -N4 "$out" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
got=$(od -An -tu1 -j20 -N4 "$out" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
size=$(wc -c <"$out")
if [ "$width" -ne 1280 ] || [ "$got" -ne "$height" ]; then
	echo "screenshot: $out is ${width}x$got, want 1280x$height" >&2
	exit 1
fi
if [ "$size" -lt 100000 ]; then
	echo "screenshot: $out has only $size bytes: the page looks blank" >&2
	exit 1
fi
echo "$out: ${width}x$got, $size bytes"
