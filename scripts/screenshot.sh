#!/usr/bin/env bash
# screenshot.sh BIN OUT.png: run MyoRehab in demo mode in a real window under
# Xvfb and capture the screen with ImageMagick.
set -euo pipefail
bin=$1 out=$2
mkdir -p "$(dirname "$out")"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
xvfb-run -a -s "-screen 0 1280x800x24" bash -c "
	LANG=en_US.UTF-8 '$bin' --demo --data-dir '$data' & pid=\$!
	sleep \${SHOT_DELAY:-8}
	import -window root '$out'
	kill \$pid; wait \$pid || true
"
echo "wrote $out"
