#!/usr/bin/env bash
# screens.sh BIN OUTDIR: capture MyoRehab's main screens in a real window
# under Xvfb at 1280x720, 1366x768 and 1920x1080 (ImageMagick import) into
# OUTDIR/<screen>-<W>x<H>.png. The app runs in demo mode; MYOREHAB_STEPS
# (app.StepsEnv) makes it press the buttons that lead to each screen, and
# xdotool sizes the window to the whole screen (there is no window manager).
# SIZES and SCREENS (names below) narrow the run.
set -euo pipefail
bin=$(realpath "$1") out=$2
mkdir -p "$out"
sizes=${SIZES:-"1280x720 1366x768 1920x1080"}
# name=steps (see ui.MainScreen.Step); each run starts a fresh data folder
# per size, so "review" finds the session "recording" left.
declare -A steps=(
	[live]="wait:6"
	[recording]="record,wait:3,marker,wait:2,note,wait:2"
	[review]="record,wait:8,marker,wait:2,stop,wait:2,review,wait:2"
	[history]="record,wait:4,stop,wait:1,record,wait:4,stop,wait:2,record,wait:2"
	[trend]="record,wait:4,stop,wait:1,record,wait:4,stop,wait:2,trend,wait:1"
	[fatigue]="fatigue,wait:14"
	[glove]="glove,wait:3"
	[exercises]="exercises,wait:3"
	[calibration]="calibrate,wait:3"
	[calibration-mvc]="calibrate,wait:3,next,wait:21"
	[settings]="settings,wait:2"
	[add-patient]="add-patient,wait:2"
	[device-setup]="setup,wait:3"
	[disconnected]="wait:3,disconnect,wait:4"
	# recorded, then killed (kill -9) and started again: the banner
	[crash-notice]="record,wait:4"
	# an exercise session with the simulated patient (MVC holds first)
	[exercise-session]="exercises,wait:1,session,wait:30"
	[patient-screen]="exercises,wait:1,session,wait:30,patient-screen,wait:4"
	[plan-editor]="exercises,wait:1,plan,wait:3"
	# the demo patient's 12-week history (myorehab demo-history) first
	[progress]="progress,wait:4"
)
order=${SCREENS:-"live recording review history trend fatigue glove exercises exercise-session patient-screen plan-editor progress calibration calibration-mvc settings add-patient device-setup disconnected crash-notice"}
for size in $sizes; do
	w=${size%x*} h=${size#*x}
	data=$(mktemp -d)
	for name in $order; do
		png="$out/$name-$size.png"
		if [ "$name" = progress ]; then
			LANG=en_US.UTF-8 "$bin" demo-history --db "$data/myorehab.db" --patient DEMO-001 --weeks 12 >/dev/null
		fi
		xvfb-run -a -s "-screen 0 ${size}x24" bash -c '
			LANG=en_US.UTF-8 MYOREHAB_STEPS="'"${steps[$name]}"'" "'"$bin"'" --demo --data-dir "'"$data"'" & pid=$!
			if [ "'"$name"'" = crash-notice ]; then # crash mid-recording, start again
				sleep 10; kill -9 $pid; wait $pid || true
				LANG=en_US.UTF-8 "'"$bin"'" --demo --data-dir "'"$data"'" & pid=$!
			fi
			for _ in $(seq 50); do
				win=$(xdotool search --name "^MyoRehab$" 2>/dev/null | head -1) && [ -n "$win" ] && break
				sleep 0.2
			done
			xdotool windowmove "$win" 0 0 windowsize "$win" '"$w"' '"$h"'
			sleep 4 # the demo connects and selects its patient
			xdotool windowmove "$win" 0 0 windowsize "$win" '"$w"' '"$h"' # again: the first may come before the window is shown
			# wait for the steps: their waits, plus a second per step
			sleep '"$(echo "${steps[$name]}" | tr , '\n' | awk -F: '/^wait:/{s+=$2; next} {s+=1} END{print s+0}')"'
			import -window root "'"$png"'"
			kill $pid; wait $pid || true
		' >/dev/null 2>&1
		echo "wrote $png"
	done
	rm -rf "$data"
done
